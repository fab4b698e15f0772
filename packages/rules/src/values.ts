/** Dates, datetimes, input validation and conversion between JSON and runtime values. */
import { Decimal } from './decimal.ts';
import { RulesError } from './errors.ts';
import { Instant, type JsonObject, type JsonValue, type Ty, type Val } from './types.ts';

// Years 1000-9999 only: four digits without a leading zero, the same on both paths.
export const DATE_RE = /^([1-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const DATETIME_RE =
  /^([1-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{1,3}))?)?(Z|([+-])(0\d|1[0-4]):([0-5]\d))$/;

const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

export function isValidDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  return Number(m[3]) <= daysInMonth(Number(m[1]), Number(m[2]));
}

/** An ISO 8601 instant with an explicit offset (`Z` or `+08:00`), at most millisecond precision. */
export function parseDatetime(s: string): Instant | undefined {
  const m = DATETIME_RE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  if (d > daysInMonth(y, mo)) return undefined;
  const sec = Number(m[6] ?? '0');
  const ms = Number((m[7] ?? '').padEnd(3, '0'));
  let offsetMin = 0;
  if (m[8] !== 'Z') offsetMin = (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const utc = new Date(Date.UTC(2000, 0, 1));
  utc.setUTCFullYear(y, mo - 1, d);
  utc.setUTCHours(h, mi, sec, ms);
  return new Instant(utc.getTime() - offsetMin * 60_000, s);
}

const dayNumber = (s: string): number => Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10))) / 86_400_000;

/** Whole years on `on`; a birthday counts on the day itself (29 Feb birthdays count on 1 Mar in common years). */
export function ageOn(birth: string, on: string): bigint {
  const years = Number(on.slice(0, 4)) - Number(birth.slice(0, 4));
  return BigInt(on.slice(5) < birth.slice(5) ? years - 1 : years);
}

export const daysBetween = (from: string, to: string): bigint => BigInt(Math.round(dayNumber(to) - dayNumber(from)));

/** The calendar date in China (UTC+8, no daylight saving since 1991) of an instant. */
export function chinaDate(i: Instant): string {
  return new Date(i.ms + 8 * 3_600_000).toISOString().slice(0, 10);
}

export const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function typeName(ty: Ty): string {
  switch (ty.k) {
    case 'int': return 'an integer';
    case 'number': return 'a number';
    case 'bool': return 'true or false';
    case 'timestamp': return 'a datetime like 2026-05-01T10:00:00+08:00';
    case 'object': return 'an object';
    case 'list': return 'a list';
    case 'string':
      if (ty.date) return 'a date YYYY-MM-DD';
      if (ty.enum) return `one of ${ty.enum.map((e) => JSON.stringify(e)).join(', ')}`;
      return 'a string';
  }
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
};

const bad = (path: string, ty: Ty, v: unknown): RulesError =>
  new RulesError('invalid_input', `${path} must be ${typeName(ty)} (got ${show(v)})`, { path });

/** Throws RulesError('invalid_input') naming the first wrong field; fields not declared are ignored. */
export function checkValue(v: JsonValue | undefined, ty: Ty, path: string): void {
  switch (ty.k) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(path, ty, v);
      return;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(path, ty, v);
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw bad(path, ty, v);
      return;
    case 'timestamp':
      if (typeof v !== 'string' || !parseDatetime(v)) throw bad(path, ty, v);
      return;
    case 'string':
      if (typeof v !== 'string' || v.includes('\u0000')) throw bad(path, ty, v);
      if (ty.date && !isValidDate(v)) throw bad(path, ty, v);
      if (ty.enum && !ty.enum.includes(v)) {
        throw new RulesError('invalid_input', `${path} must be one of ${ty.enum.map((e) => JSON.stringify(e)).join(', ')} (got ${show(v)})`, {
          path,
          allowed: ty.enum,
        });
      }
      return;
    case 'list':
      if (!Array.isArray(v)) throw bad(path, ty, v);
      v.forEach((el, i) => {
        if (el === null) throw new RulesError('invalid_input', `${path}[${i}] must not be null`, { path: `${path}[${i}]` });
        checkValue(el, ty.of, `${path}[${i}]`);
      });
      return;
    case 'object':
      if (!isJsonObject(v)) throw bad(path, ty, v);
      for (const [name, f] of Object.entries(ty.fields)) {
        const fv = v[name];
        const p = `${path}.${name}`;
        if (fv === undefined || fv === null) {
          if (!f.optional) throw new RulesError('invalid_input', `${p} is missing`, { path: p });
          continue;
        }
        checkValue(fv, f.ty, p);
      }
      return;
  }
}

/** Checks the whole input `{ [entity]: {...} }` and returns the entity object. */
export function checkInput(input: unknown, entity: string, ty: Extract<Ty, { k: 'object' }>): JsonObject {
  if (!isJsonObject(input)) throw new RulesError('invalid_input', `the input must be an object {"${entity}": {...}} (got ${show(input)})`, { path: '' });
  const root = input[entity];
  if (root === undefined || root === null) throw new RulesError('invalid_input', `${entity} is missing from the input`, { path: entity });
  checkValue(root, ty, entity);
  return root as JsonObject;
}

/** Converts a checked JSON value to its runtime form. Objects stay raw; fields convert when read. */
export function toVal(v: JsonValue, ty: Ty): Val {
  switch (ty.k) {
    case 'int': return BigInt(v as number);
    case 'number': return Decimal.fromNumber(v as number);
    case 'timestamp': return parseDatetime(v as string) as Instant;
    case 'list': return (v as JsonValue[]).map((el) => toVal(el, ty.of));
    case 'object': return v as JsonObject;
    default: return v as string | boolean;
  }
}

/** A runtime value as plain JSON, for traces and outputs (ints and decimals become numbers). */
export function toJson(v: Val): JsonValue {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Decimal) return v.toNumber();
  if (v instanceof Instant) return v.text;
  if (Array.isArray(v)) return v.map(toJson);
  return v;
}

/** Short text of a value, as written in a policy (for the "expected" column). */
export function display(v: Val): string {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Decimal) return v.toPlainString();
  if (v instanceof Instant) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(display).join(', ')}]`;
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
