/**
 * Exact decimal numbers with PostgreSQL `numeric` semantics.
 *
 * Policy numbers (money, rates) are evaluated twice: here in JS and in SQL as `numeric`. For the two
 * paths to agree to the last digit, this class reproduces what PostgreSQL does, including the
 * "display scale" (number of decimals) that each result carries, because that scale decides how
 * many digits a later division keeps:
 * - `+`/`-`: scale = max of both; `*`: scale = sum of both (both exact).
 * - `/`: scale chosen by PostgreSQL's `select_div_scale` (at least 16 significant digits, never
 *   fewer decimals than either input), rounded half away from zero.
 * - `round(x, n)`: half away from zero, scale n; `ceil`/`floor`: scale 0.
 */

const NUMERIC_MIN_SIG_DIGITS = 16;
const NUMERIC_MAX_DISPLAY_SCALE = 1000;
const DEC_DIGITS = 4; // PostgreSQL stores numerics in base 10000

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const absBig = (b: bigint): bigint => (b < 0n ? -b : b);

/** Integer division of a by b (b > 0 or < 0), rounded half away from zero. */
function divRound(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (r === 0n) return q;
  const negative = (a < 0n) !== (b < 0n);
  if (absBig(r) * 2n >= absBig(b)) return negative ? q - 1n : q + 1n;
  return q;
}

const NUMBER_TEXT = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^([+-]?)\.(\d+)(?:[eE]([+-]?\d+))?$/;

export class Decimal {
  /** value = unscaled / 10^scale; scale >= 0 is PostgreSQL's display scale. */
  readonly unscaled: bigint;
  readonly scale: number;

  constructor(unscaled: bigint, scale: number) {
    if (!Number.isInteger(scale) || scale < 0) throw new RangeError(`bad decimal scale ${scale}`);
    this.unscaled = unscaled;
    this.scale = scale;
  }

  static readonly ZERO = new Decimal(0n, 0);

  /** Parses decimal text as PostgreSQL's numeric input does ("1.50" keeps scale 2, "1e-7" has scale 7). */
  static parse(text: string): Decimal | undefined {
    const m = NUMBER_TEXT.exec(text.trim());
    if (!m) return undefined;
    const sign = m[1] ?? m[5] ?? '';
    const intPart = m[2] ?? '0';
    const fracPart = m[3] ?? m[6] ?? '';
    const exp = Number(m[4] ?? m[7] ?? '0');
    if (!Number.isSafeInteger(exp) || Math.abs(exp) > 100_000) return undefined;
    let unscaled = BigInt(intPart + fracPart);
    let scale = fracPart.length - exp;
    if (scale < 0) {
      unscaled *= pow10(-scale);
      scale = 0;
    }
    return new Decimal(sign === '-' ? -unscaled : unscaled, scale);
  }

  /** A JS number through its shortest text, exactly as JSON.stringify writes it into jsonb. */
  static fromNumber(n: number): Decimal {
    if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
    const d = Decimal.parse(String(n));
    if (!d) throw new RangeError(`cannot read number ${n}`);
    return d;
  }

  static fromBigInt(b: bigint): Decimal {
    return new Decimal(b, 0);
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  sign(): number {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  private rescaled(scale: number): bigint {
    return this.unscaled * pow10(scale - this.scale);
  }

  add(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.rescaled(s) + o.rescaled(s), s);
  }

  sub(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.rescaled(s) - o.rescaled(s), s);
  }

  mul(o: Decimal): Decimal {
    return new Decimal(this.unscaled * o.unscaled, this.scale + o.scale);
  }

  neg(): Decimal {
    return new Decimal(-this.unscaled, this.scale);
  }

  abs(): Decimal {
    return new Decimal(absBig(this.unscaled), this.scale);
  }

  /** Weight and leading digit in PostgreSQL's base-10000 representation (as select_div_scale reads them). */
  private nbase(): { weight: number; first: number } {
    if (this.unscaled === 0n) return { weight: 0, first: 0 };
    const a = absBig(this.unscaled);
    const msd = a.toString().length - 1 - this.scale; // power of ten of the most significant digit
    const weight = Math.floor(msd / DEC_DIGITS);
    const e = -DEC_DIGITS * weight - this.scale;
    const first = e >= 0 ? a * pow10(e) : a / pow10(-e);
    return { weight, first: Number(first) };
  }

  /** Division as PostgreSQL numeric_div; the caller handles division by zero. */
  div(o: Decimal): Decimal {
    if (o.isZero()) throw new RangeError('division by zero');
    const n1 = this.nbase();
    const n2 = o.nbase();
    let qweight = n1.weight - n2.weight;
    if (n1.first <= n2.first) qweight--;
    let rscale = NUMERIC_MIN_SIG_DIGITS - qweight * DEC_DIGITS;
    rscale = Math.max(rscale, this.scale, o.scale, 0);
    rscale = Math.min(rscale, NUMERIC_MAX_DISPLAY_SCALE);
    const num = this.unscaled * pow10(o.scale + rscale);
    const den = o.unscaled * pow10(this.scale);
    return new Decimal(divRound(num, den), rscale);
  }

  /** round(x, n) for n >= 0: half away from zero; the result has scale n (like PostgreSQL). */
  round(n = 0): Decimal {
    if (n >= this.scale) return new Decimal(this.rescaled(n), n);
    return new Decimal(divRound(this.unscaled, pow10(this.scale - n)), n);
  }

  ceil(): Decimal {
    const d = pow10(this.scale);
    let q = this.unscaled / d;
    if (this.unscaled % d !== 0n && this.unscaled > 0n) q += 1n;
    return new Decimal(q, 0);
  }

  floor(): Decimal {
    const d = pow10(this.scale);
    let q = this.unscaled / d;
    if (this.unscaled % d !== 0n && this.unscaled < 0n) q -= 1n;
    return new Decimal(q, 0);
  }

  /** Truncation toward zero as a bigint (CEL int(double)). */
  trunc(): bigint {
    return this.unscaled / pow10(this.scale);
  }

  cmp(o: Decimal): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.rescaled(s);
    const b = o.rescaled(s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(o: Decimal): boolean {
    return this.cmp(o) === 0;
  }

  /** Text as PostgreSQL prints it: exactly `scale` decimals. */
  toString(): string {
    const neg = this.unscaled < 0n;
    const digits = absBig(this.unscaled).toString().padStart(this.scale + 1, '0');
    const intPart = digits.slice(0, digits.length - this.scale);
    const frac = this.scale > 0 ? '.' + digits.slice(digits.length - this.scale) : '';
    return (neg ? '-' : '') + intPart + frac;
  }

  /** Shortest text without trailing zeros (for display in traces). */
  toPlainString(): string {
    const s = this.toString();
    return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  }

  toNumber(): number {
    return Number(this.toString());
  }
}
