/**
 * The JS interpreter of the IR. Errors follow CEL: `false && error` is false, `true || error` is
 * true, `exists` is true when any element is true even if others fail. The SQL compiler gives the
 * same answers with NULL standing for an error.
 */
import { Decimal } from './decimal.ts';
import { CelFailure } from './errors.ts';
import { isScalar, type IrNode } from './ir.ts';
import { Instant, type JsonObject, type JsonValue, type Val } from './types.ts';
import { ageOn, chinaDate, daysBetween, isJsonObject, toJson, toVal } from './values.ts';

export interface EvalEnv {
  root: JsonObject;
  on: string;
  params: Readonly<Record<string, Val>>;
  /** When given, collects the values the expression read (trace "actual"). */
  rec?: Map<string, JsonValue>;
}

const INT_MAX = 2n ** 63n - 1n;
const INT_MIN = -(2n ** 63n);

const keyOf = (n: IrNode): string => n.text.replace(/\s+/g, ' ');

function int64(v: bigint, n: IrNode): bigint {
  if (v > INT_MAX || v < INT_MIN) throw new CelFailure(`integer overflow in ${n.text}`);
  return v;
}

/** Orders text by Unicode code points, which is the byte order of UTF-8 (SQL `COLLATE "C"`). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const x = a[Symbol.iterator]();
  const y = b[Symbol.iterator]();
  for (;;) {
    const p = x.next();
    const q = y.next();
    if (p.done || q.done) return p.done ? (q.done ? 0 : -1) : 1;
    const d = (p.value.codePointAt(0) as number) - (q.value.codePointAt(0) as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
}

export function compare(a: Val, b: Val): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Decimal && b instanceof Decimal) return a.cmp(b);
  if (typeof a === 'string' && typeof b === 'string') return compareText(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Instant && b instanceof Instant) return Math.sign(a.ms - b.ms);
  throw new CelFailure('cannot compare values of different types');
}

type Scope = ReadonlyMap<string, Val>;

export function run(node: IrNode, env: EvalEnv): Val {
  return new Interpreter(env).top(node);
}

class Interpreter {
  private readonly env: EvalEnv;
  constructor(env: EvalEnv) {
    this.env = env;
  }

  top(n: IrNode): Val {
    const v = this.ev(n, new Map(), 0);
    this.leaf(n, v, 0);
    return v;
  }

  private record(n: IrNode, v: Val, depth: number): void {
    if (this.env.rec && depth === 0 && !n.isConst && isScalar(n.ty)) this.env.rec.set(keyOf(n), toJson(v));
  }

  /** Records a boolean leaf of the condition (a macro, has(), a bool field). */
  private leaf(n: IrNode, v: Val, depth: number): void {
    if (n.op !== 'and' && n.op !== 'or' && n.op !== 'not' && n.op !== 'cmp' && n.op !== 'in') this.record(n, v, depth);
  }

  private bool(n: IrNode, s: Scope, d: number): boolean {
    const v = this.ev(n, s, d);
    if (typeof v !== 'boolean') throw new CelFailure(`${n.text} is not true/false`);
    this.leaf(n, v, d);
    return v;
  }

  private ev(n: IrNode, s: Scope, d: number): Val {
    switch (n.op) {
      case 'lit': return n.value;
      case 'listLit': return n.items.map((i) => this.ev(i, s, d));
      case 'param': {
        const v = this.env.params[n.name];
        if (v === undefined) throw new CelFailure(`parameter ${n.name} has no value`);
        return v;
      }
      case 'on': return this.env.on;
      case 'root': return this.env.root;
      case 'var': {
        const v = s.get(n.name);
        if (v === undefined) throw new CelFailure(`unbound variable ${n.name}`);
        return v;
      }
      case 'field': {
        const obj = this.ev(n.obj, s, d);
        if (!isJsonObject(obj)) throw new CelFailure(`${n.obj.text} is not an object`);
        const raw = obj[n.name];
        if (raw === undefined || raw === null) throw new CelFailure(`${n.text} is not provided`);
        const v = toVal(raw, n.ty);
        this.record(n, v, d);
        return v;
      }
      case 'index': {
        const list = this.ev(n.list, s, d) as Val[];
        const i = this.ev(n.index, s, d) as bigint;
        if (i < 0n || i >= BigInt(list.length)) throw new CelFailure(`index ${i} is out of range in ${n.text}`);
        return list[Number(i)] as Val;
      }
      case 'has': {
        const obj = this.ev(n.obj, s, d);
        if (!isJsonObject(obj)) throw new CelFailure(`${n.obj.text} is not an object`);
        const raw = obj[n.name];
        return raw !== undefined && raw !== null;
      }
      case 'not': return !this.bool(n.arg, s, d);
      case 'neg': {
        const v = this.ev(n.arg, s, d);
        return typeof v === 'bigint' ? int64(-v, n) : (v as Decimal).neg();
      }
      case 'and':
      case 'or': return this.logic(n.op, n.left, n.right, s, d);
      case 'cond': return this.bool(n.test, s, d) ? this.ev(n.then, s, d) : this.ev(n.else, s, d);
      case 'arith': return this.arith(n, this.ev(n.left, s, d), this.ev(n.right, s, d));
      case 'concat': return (this.ev(n.left, s, d) as string) + (this.ev(n.right, s, d) as string);
      case 'cmp': {
        const l = this.ev(n.left, s, d);
        const r = this.ev(n.right, s, d);
        this.record(n.left, l, d);
        this.record(n.right, r, d);
        const c = compare(l, r);
        switch (n.fn) {
          case '==': return c === 0;
          case '!=': return c !== 0;
          case '<': return c < 0;
          case '<=': return c <= 0;
          case '>': return c > 0;
          case '>=': return c >= 0;
        }
        return false;
      }
      case 'in': {
        const e = this.ev(n.elem, s, d);
        const list = this.ev(n.list, s, d) as Val[];
        this.record(n.elem, e, d);
        return list.some((x) => compare(x, e) === 0);
      }
      case 'call': return this.call(n, n.args.map((a) => this.ev(a, s, d)));
      case 'macro': return this.macro(n, s, d);
    }
  }

  private logic(op: 'and' | 'or', left: IrNode, right: IrNode, s: Scope, d: number): boolean {
    const absorbing = op === 'or'; // true absorbs ||, false absorbs &&
    let leftErr: unknown;
    try {
      if (this.bool(left, s, d) === absorbing) return absorbing;
    } catch (e) {
      if (!(e instanceof CelFailure)) throw e;
      leftErr = e;
    }
    const r = this.bool(right, s, d);
    if (r === absorbing) return absorbing;
    if (leftErr) throw leftErr;
    return r;
  }

  private arith(n: IrNode & { op: 'arith' }, l: Val, r: Val): Val {
    if (typeof l === 'bigint' && typeof r === 'bigint') {
      switch (n.fn) {
        case '+': return int64(l + r, n);
        case '-': return int64(l - r, n);
        case '*': return int64(l * r, n);
        case '/':
          if (r === 0n) throw new CelFailure(`division by zero in ${n.text}`);
          return int64(l / r, n);
        case '%':
          if (r === 0n) throw new CelFailure(`division by zero in ${n.text}`);
          return l % r;
      }
    }
    const a = l as Decimal;
    const b = r as Decimal;
    switch (n.fn) {
      case '+': return a.add(b);
      case '-': return a.sub(b);
      case '*': return a.mul(b);
      default:
        if (b.isZero()) throw new CelFailure(`division by zero in ${n.text}`);
        return a.div(b);
    }
  }

  private call(n: IrNode & { op: 'call' }, a: Val[]): Val {
    const [x, y] = a;
    switch (n.fn) {
      case 'age': return ageOn(x as string, y as string);
      case 'days': return daysBetween(x as string, y as string);
      case 'date': return chinaDate(x as Instant);
      case 'min': return compare(y as Val, x as Val) < 0 ? (y as Val) : (x as Val);
      case 'max': return compare(y as Val, x as Val) > 0 ? (y as Val) : (x as Val);
      case 'ceil': return (x as Decimal).ceil();
      case 'floor': return (x as Decimal).floor();
      case 'round': return (x as Decimal).round(y === undefined ? 0 : Number(y));
      case 'abs': return typeof x === 'bigint' ? int64(x < 0n ? -x : x, n) : (x as Decimal).abs();
      case 'size': return BigInt(typeof x === 'string' ? [...x].length : (x as Val[]).length);
      case 'toNumber': return Decimal.fromBigInt(x as bigint);
      case 'toInt': return int64((x as Decimal).trunc(), n);
      case 'toString': return String(x);
      case 'startsWith': return (x as string).startsWith(y as string);
      case 'endsWith': return (x as string).endsWith(y as string);
      case 'contains': return (x as string).includes(y as string);
      case 'sum': {
        const list = x as Val[];
        if (n.ty.k === 'int') return int64(list.reduce<bigint>((acc, v) => acc + (v as bigint), 0n), n);
        return list.reduce<Decimal>((acc, v) => acc.add(v as Decimal), Decimal.ZERO);
      }
    }
  }

  private macro(n: IrNode & { op: 'macro' }, s: Scope, d: number): Val {
    const list = this.ev(n.list, s, d) as Val[];
    const each = (el: Val): Val => {
      const inner = new Map(s);
      inner.set(n.v, el);
      return this.ev(n.body, inner, d + 1);
    };
    if (n.fn === 'map') return list.map(each);
    const results: (boolean | CelFailure)[] = list.map((el) => {
      try {
        return each(el) as boolean;
      } catch (e) {
        if (e instanceof CelFailure) return e;
        throw e;
      }
    });
    const firstErr = results.find((r): r is CelFailure => r instanceof CelFailure);
    switch (n.fn) {
      case 'exists':
        if (results.includes(true)) return true;
        if (firstErr) throw firstErr;
        return false;
      case 'all':
        if (results.includes(false)) return false;
        if (firstErr) throw firstErr;
        return true;
      case 'exists_one':
        if (firstErr) throw firstErr;
        return results.filter((r) => r === true).length === 1;
      case 'filter':
        if (firstErr) throw firstErr;
        return list.filter((_, i) => results[i] === true);
    }
  }
}
