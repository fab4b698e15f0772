/**
 * Random inputs for any policy, derived from its `inputs` types and biased toward its boundaries:
 * values equal to (and one step around) every constant and parameter, birth dates that make
 * every age constant exact on the evaluation date, instants around every datetime and at China
 * midnight, empty lists, absent optional fields, and now and then an invalid value.
 */
import fc from 'fast-check';
import { Decimal } from '../src/decimal.ts';
import { resolveParameters } from '../src/evaluate.ts';
import { walk, type IrNode } from '../src/ir.ts';
import { Instant, type JsonValue, type Policy, type Ty, type Val } from '../src/types.ts';

interface Pools {
  ints: bigint[];
  numbers: Decimal[];
  dates: string[];
  instants: number[];
  strings: string[];
}

function formulas(p: Policy): IrNode[] {
  const out = p.conditions.map((c) => c.node);
  const o = p.outcome;
  if (o.kind === 'eligibility' && o.amount) out.push(o.amount.node);
  if (o.kind === 'named') for (const c of o.cases) out.push(c.when.node, ...(c.amount ? [c.amount.node] : []));
  return out;
}

function collect(policy: Policy, on: string): Pools {
  const pools: Pools = { ints: [0n, 1n], numbers: [Decimal.ZERO], dates: [on], instants: [], strings: [''] };
  const add = (v: Val): void => {
    if (typeof v === 'bigint') pools.ints.push(v);
    else if (v instanceof Decimal) pools.numbers.push(v);
    else if (v instanceof Instant) pools.instants.push(v.ms);
    else if (typeof v === 'string') (/^\d{4}-\d{2}-\d{2}$/.test(v) ? pools.dates : pools.strings).push(v);
    else if (Array.isArray(v)) v.forEach(add);
  };
  for (const r of Object.values(resolveParameters(policy, on))) add(r.value.value);
  for (const f of formulas(policy)) walk(f, (n) => (n.op === 'lit' ? add(n.value) : undefined));
  return pools;
}

const shiftDate = (d: string, days: number, years = 0): string => {
  const y = Number(d.slice(0, 4)) + years;
  const m = Number(d.slice(5, 7));
  let day = Number(d.slice(8, 10));
  if (m === 2 && day === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) day = 28;
  const t = new Date(Date.UTC(2000, 0, 1));
  t.setUTCFullYear(y, m - 1, day + days);
  return t.toISOString().slice(0, 10);
};

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Writes an instant with a chosen offset (minutes east of UTC) and precision. */
function writeInstant(ms: number, offsetMin: number, precision: 'min' | 's' | 'ms' | 'frac1'): string {
  const local = new Date(ms + offsetMin * 60_000);
  const date = local.toISOString().slice(0, 10);
  let time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
  if (precision !== 'min') time += `:${pad(local.getUTCSeconds())}`;
  if (precision === 'ms') time += `.${pad(local.getUTCMilliseconds(), 3)}`;
  if (precision === 'frac1') time += `.${Math.floor(local.getUTCMilliseconds() / 100)}`;
  const off = offsetMin === 0 ? 'Z' : `${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  return `${date}T${time}${off}`;
}

export function inputArbitrary(policy: Policy, on: string, opts: { invalidWeight?: number } = {}): fc.Arbitrary<JsonValue> {
  const pools = collect(policy, on);
  const invalidWeight = opts.invalidWeight ?? 1;

  const intArb = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...pools.ints).chain((k) => fc.constantFrom(k - 1n, k, k + 1n)).map(Number) },
    { weight: 2, arbitrary: fc.integer({ min: -2, max: 130 }) },
    // The largest ints an input may hold; products of two overflow 64 bits.
    { weight: 1, arbitrary: fc.constantFrom(9007199254740991, -9007199254740991, 3037000500) },
  );
  const near = pools.numbers.flatMap((d) => [d, d.add(new Decimal(1n, 2)), d.sub(new Decimal(1n, 2)), d.mul(new Decimal(2n, 0)), d.div(new Decimal(3n, 0)).round(2)]);
  const numberArb = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...near).map((d) => d.toNumber()) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 30_000_000 }).map((c) => c / 100) },
    { weight: 1, arbitrary: fc.integer({ min: -100_000, max: 100_000 }).map((c) => c / 1000) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 400_000 }) },
    // Written by JSON.stringify with exponents: 1e+21, 1.5e-7.
    { weight: 1, arbitrary: fc.constantFrom(1e21, 1.5e-7, 123456789.123456, -0, 5e-324, 0.1 + 0.2) },
  );
  const ageConstants = pools.ints.filter((k) => k >= 0n && k <= 120n).map(Number);
  const dateArb = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...pools.dates).chain((d) => fc.constantFrom(shiftDate(d, -1), d, shiftDate(d, 1))) },
    {
      weight: ageConstants.length ? 3 : 0,
      arbitrary: fc.tuple(fc.constantFrom(...(ageConstants.length ? ageConstants : [0])), fc.constantFrom(-1, 0, 1)).map(([k, dd]) => shiftDate(on, dd, -k)),
    },
    { weight: 2, arbitrary: fc.date({ min: new Date('1920-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
    { weight: 1, arbitrary: fc.constantFrom('1960-02-29', '1964-02-29', shiftDate(on, 0, -18)) },
  );
  const midnights = pools.dates.map((d) => Date.parse(`${d}T00:00:00+08:00`));
  const instantPool = [...pools.instants, ...midnights];
  const instantMs = fc.oneof(
    { weight: instantPool.length ? 3 : 0, arbitrary: fc.constantFrom(...(instantPool.length ? instantPool : [0])).chain((ms) => fc.constantFrom(ms - 1000, ms - 1, ms, ms + 1, ms + 1000)) },
    { weight: 2, arbitrary: fc.integer({ min: Date.parse('2025-06-01T00:00:00Z'), max: Date.parse('2027-06-01T00:00:00Z') }) },
  );
  const timestampArb = fc
    .tuple(instantMs, fc.constantFrom(0, 480, -300, 330, 840), fc.constantFrom('min', 's', 'ms', 'frac1') as fc.Arbitrary<'min' | 's' | 'ms' | 'frac1'>)
    .map(([ms, off, prec]) => {
      // Precision below a minute/second truncates; fine, it is still a valid instant.
      return writeInstant(ms, off, prec);
    });
  const stringArb = fc.oneof(
    fc.constantFrom(...pools.strings),
    fc.string({ maxLength: 6 }),
    // Full Unicode (astral and high BMP characters order differently in UTF-16 and UTF-8).
    fc.string({ unit: 'grapheme', maxLength: 4 }).filter((x) => !x.includes('\u0000')),
    fc.constantFrom('天津', 'a\'b', 'x\\y', '\uff01', '😀', 'e\u0301'),
  );

  const invalid = fc.constantFrom<JsonValue>('bogus', 1.5, -1, true, [], {}, '2026-02-30', '2026-13-01T00:00:00Z');

  const forType = (ty: Ty): fc.Arbitrary<JsonValue> => {
    switch (ty.k) {
      case 'int': return intArb;
      case 'number': return numberArb;
      case 'bool': return fc.boolean();
      case 'timestamp': return timestampArb;
      case 'string':
        if (ty.enum) return fc.constantFrom(...ty.enum);
        if (ty.date) return dateArb;
        return stringArb;
      case 'list':
        return fc.oneof({ weight: 1, arbitrary: fc.constant<JsonValue>([]) }, { weight: 6, arbitrary: fc.array(forType(ty.of), { minLength: 1, maxLength: 4 }) });
      case 'object': {
        const entries = Object.entries(ty.fields).map(([name, f]) => {
          const valid = forType(f.ty);
          const value: fc.Arbitrary<JsonValue | undefined> = f.optional
            ? fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(null) })
            : valid;
          const maybeBad: fc.Arbitrary<JsonValue | undefined> =
            invalidWeight > 0 ? fc.oneof({ weight: 60, arbitrary: value }, { weight: invalidWeight, arbitrary: fc.oneof(invalid, fc.constant(undefined)) }) : value;
          return [name, maybeBad] as const;
        });
        return fc.tuple(...entries.map(([, a]) => a)).map((values) => {
          const o: { [k: string]: JsonValue } = {};
          entries.forEach(([name], i) => {
            const v = values[i];
            if (v !== undefined) o[name] = v;
          });
          return o;
        });
      }
    }
  };
  // Inputs of the file's own test cases, partly re-drawn: these reach the eligible paths and the
  // amount formulas far more often than inputs drawn from scratch.
  const mutate = (orig: JsonValue | undefined, ty: Ty): fc.Arbitrary<JsonValue> => {
    const fresh = forType(ty);
    if (orig === undefined || orig === null) return fresh;
    let kept: fc.Arbitrary<JsonValue> = fc.constant(orig);
    if (ty.k === 'object' && typeof orig === 'object' && !Array.isArray(orig)) {
      const names = Object.keys(ty.fields);
      kept = fc
        .tuple(...names.map((n) => {
          const f = ty.fields[n] as (typeof ty.fields)[string];
          const arb = mutate(orig[n], f.ty);
          return f.optional ? fc.oneof({ weight: 8, arbitrary: arb }, { weight: 1, arbitrary: fc.constant<JsonValue | undefined>(undefined) }) : arb;
        }))
        .map((vals) => {
          const o: { [k: string]: JsonValue } = {};
          names.forEach((n, i) => {
            const v = vals[i];
            if (v !== undefined) o[n] = v;
          });
          return o;
        });
    } else if (ty.k === 'list' && Array.isArray(orig)) {
      kept = orig.length ? fc.tuple(...orig.map((el) => mutate(el, ty.of))).map((els): JsonValue => els) : fc.constant<JsonValue>([]);
    }
    return fc.oneof({ weight: 4, arbitrary: kept }, { weight: 1, arbitrary: fresh });
  };
  const seeds = policy.tests
    .filter((t) => t.expect.error === undefined && typeof t.input === 'object' && t.input !== null && !Array.isArray(t.input))
    .map((t) => (t.input as { [k: string]: JsonValue })[policy.entity]);
  const root = seeds.length
    ? fc.oneof({ weight: 1, arbitrary: forType(policy.inputType) }, { weight: 2, arbitrary: fc.constantFrom(...seeds).chain((seed) => mutate(seed, policy.inputType)) })
    : forType(policy.inputType);
  return root.map((r) => ({ [policy.entity]: r }));
}

/** Evaluation dates worth testing: the start, every parameter change and the day before it, the end. */
export function interestingDates(policy: Policy): string[] {
  const { from, to } = policy.effective;
  const inside = (d: string): boolean => d >= from && (to === null || d <= to);
  const dates = new Set<string>([from]);
  for (const p of Object.values(policy.parameters)) {
    for (const v of p.values) {
      if (inside(v.from)) dates.add(v.from);
      const before = shiftDate(v.from, -1);
      if (inside(before)) dates.add(before);
    }
  }
  if (to) dates.add(to);
  else dates.add(shiftDate(from, 400));
  return [...dates].sort();
}
