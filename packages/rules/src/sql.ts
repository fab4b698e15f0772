/**
 * Compiles a policy to one SQL query that decides every row of an input relation at once, on
 * PGlite and PostgreSQL alike. The query never raises for bad data: a row whose input does not
 * match `inputs` or whose formula fails (division by zero, a missing optional input) gets NULL
 * results and an `error` text, exactly where the JS evaluator would throw.
 *
 * Conventions: objects and lists stay `jsonb`; scalars are bigint (int), numeric (number), text
 * (string, enum, date 'YYYY-MM-DD'), boolean, timestamptz (datetime). NULL means "error".
 */
import { Decimal } from './decimal.ts';
import { checkDate, resolveParameters } from './evaluate.ts';
import { isScalar, type IrNode } from './ir.ts';
import { Instant, type Policy, type Rounding, type Ty, type Val } from './types.ts';

/**
 * Run these in the batch's transaction before the compiled query, on PostgreSQL and PGlite alike.
 * PostgreSQL's JIT spends seconds compiling the wide expressions of a policy query and never
 * pays back (20,000 families: 0.8 s without JIT, 1.8 s with it); PGlite accepts and ignores it.
 */
export const SQL_SESSION_SETTINGS: readonly string[] = ['SET LOCAL jit = off'];

/**
 * What a database needs before it runs a compiled query (idempotent): `policy_fence()`, a function
 * that is VOLATILE, so that PostgreSQL never pulls a subquery that outputs it up into the query
 * above (which would copy each of the subquery's expressions into every place that reads them),
 * and PARALLEL SAFE, so that the query can still run in parallel workers. It is inlined to `true`
 * when the plan is made, so it costs nothing per row. (The former fence, `OFFSET 0`, kept every
 * compiled query on one core: a subquery with a LIMIT or OFFSET has no parallel plan.)
 */
export const SQL_SETUP: readonly string[] = [
  `CREATE OR REPLACE FUNCTION policy_fence() RETURNS boolean LANGUAGE sql VOLATILE PARALLEL SAFE AS 'SELECT true'`,
];

/** `select` as a subquery named `alias` that PostgreSQL keeps as it is (see SQL_SETUP); its rows stream through. */
export function fenced(select: string, alias: string): string {
  return `(SELECT ${alias}__f.*, policy_fence() AS ${alias}__fence FROM (${select}) AS ${alias}__f) AS ${alias}`;
}

export interface SqlOptions {
  /**
   * A query returning `id` and `input jsonb` (the same JSON the JS evaluator takes), or, with
   * `columns`, `id` and the columns of `columnPlan(policy, on)` (no jsonb input at all).
   */
  inputRelation: string;
  /** The input relation supplies the columns of this plan (from `columnPlan` for the same policy, date and `checked`). */
  columns?: ColumnPlan;
  /**
   * With `columns`: the date fields (`birthDate`, `supporters[].birthDate`) the relation guarantees
   * to be a valid date or NULL, so that the query checks only that they are there. The same list
   * must be given to `columnPlan`.
   */
  checked?: readonly string[];
}

/**
 * How a column-shaped input relation supplies a policy's input, so that the compiled query reads
 * typed columns instead of building the input as `jsonb` and reading it back field by field.
 *
 * - `fields`: every top-level input field is one column `col`: a scalar as `sqlType` (numeric for
 *   int and number, boolean, text for strings, enums and dates; NULL when absent), anything else
 *   (timestamps, objects, lists not reduced) as the `jsonb` value the JSON input would hold there.
 * - `lists`: a top-level list of records that the policy only reads through aggregates (`size`,
 *   `all`/`exists`/`exists_one` and `map(…).sum()` whose body reads only the element's scalar
 *   fields, parameters and the date) has no column: the relation joins `listAggregates(list,
 *   elements)` on `key`, one row per parent that has elements, where `elements` is a query
 *   yielding `key` and one row per element with the element's fields as typed columns
 *   `elemFields[].col` (same types as above). Each aggregate goes into the relation's column of
 *   the same name (NULL for a parent without elements). Every list has the aggregates `count(*)`
 *   (to tell an empty list) and the validity of all its elements.
 *
 * The relation must give exactly the values the JSON input would hold: the same facts, typed.
 */
export interface ColumnPlan {
  entity: string;
  fields: ColumnField[];
  lists: ColumnList[];
}
export interface ColumnField {
  name: string; col: string; ty: Ty; sqlType: string; optional: boolean;
  /** The relation guarantees the value fits the type when present (SqlOptions.checked): only presence is checked. */
  checked?: true;
}
export interface ColumnList {
  name: string;
  elemFields: ColumnField[];
  /** Whether one element is valid, over the element's columns as `__ex.col`. */
  valid: string;
  /** Per-element values (a macro body), over `__ev.col`, computed once per valid element. */
  values: Array<{ col: string; sql: string }>;
  /** Aggregates over `__el` (element columns, `__valid` and the values). */
  aggregates: Array<{ col: string; sql: string }>;
  /**
   * Whether the policy reads the list as a set: only through `all` and `exists` (and whether it is
   * empty), so that an element given twice changes no aggregate. A relation may then give the
   * elements without removing repeats (UNION ALL instead of UNION: no sort of all the elements).
   */
  setLike: boolean;
}

/**
 * The grouped pass of a reduced list (see ColumnPlan): `elements` yields `key` and the element
 * columns; each element's validity and values are computed once (a fence, see SQL_SETUP, keeps
 * PostgreSQL from copying the expressions into every aggregate that reads them), then aggregated per key.
 * `extra`: more aggregates of the same pass over `__el` (the caller's own columns of `elements`).
 */
export function listAggregates(list: ColumnList, elements: string, extra: ReadonlyArray<{ col: string; sql: string }> = []): string {
  const values = list.values.map((v) => `, CASE WHEN __ev.__valid THEN ${v.sql} END AS ${v.col}`).join('');
  return `SELECT __el.key, ${[...list.aggregates, ...extra].map((a) => `${a.sql} AS ${a.col}`).join(', ')}
     FROM ${fenced(`SELECT __ev.*${values} FROM ${fenced(`SELECT __ex.*, ${list.valid} AS __valid FROM ${fenced(elements, '__ex')}`, '__ev')}`, '__el')}
     GROUP BY __el.key`;
}

/** Quotes a string literal; never concatenate raw text into SQL. */
export function quote(s: string): string {
  if (s.includes('\u0000')) throw new Error('text with a NUL character cannot be a SQL literal');
  if (s.includes('\\')) return `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return `'${s.replace(/'/g, "''")}'`;
}

export function sqlType(ty: Ty): string {
  switch (ty.k) {
    case 'int': return 'bigint';
    case 'number': return 'numeric';
    case 'bool': return 'boolean';
    case 'timestamp': return 'timestamptz';
    case 'string': return 'text';
    default: return 'jsonb';
  }
}

function literal(v: Val, ty: Ty): string {
  if (typeof v === 'bigint') return `${quote(v.toString())}::bigint`;
  if (v instanceof Decimal) return `${quote(v.toString())}::numeric`;
  if (v instanceof Instant) return `${quote(v.text)}::timestamptz`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return quote(v);
  if (Array.isArray(v) && ty.k === 'list') return v.length === 0 ? `'[]'::jsonb` : `jsonb_build_array(${v.map((x) => literal(x, ty.of)).join(', ')})`;
  throw new Error('objects cannot be SQL literals');
}

/** Extracts a scalar from a jsonb value holding it (a list element). */
function fromJson(j: string, ty: Ty): string {
  const t = `(${j} #>> '{}')`;
  switch (ty.k) {
    case 'int': return `${t}::numeric::bigint`;
    case 'number': return `${t}::numeric`;
    case 'bool': return `${t}::boolean`;
    case 'timestamp': return `${t}::timestamptz`;
    case 'string': return t;
    default: return `nullif(${j}, 'null'::jsonb)`;
  }
}

// ---- input validation in SQL (mirrors values.ts checkValue; never raises) ----

const DATE_SQL_RE = `^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`;
const DATETIME_SQL_RE =
  `^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,3})?)?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$`;

// 64-bit ints: a result outside this range is an error (NULL), as in JS, instead of a raised
// "bigint out of range" that would stop the whole batch.
const INT_RANGE = 'BETWEEN -9223372036854775808 AND 9223372036854775807';
const INT_MIN = '(-9223372036854775807 - 1)';

const dayFits = (s: string): string =>
  `substr(${s}, 9, 2)::int <= extract(day from (make_date(substr(${s}, 1, 4)::int, substr(${s}, 6, 2)::int, 1) + interval '1 month' - interval '1 day'))::int`;

export class SqlCompiler {
  private n = 0;
  private readonly params: Record<string, Val>;
  private readonly on: string;
  private readonly entity: string;

  constructor(policy: Policy, on: string, params: Record<string, Val>) {
    this.params = params;
    this.on = on;
    this.entity = policy.entity;
  }

  private fresh(): number {
    return ++this.n;
  }

  /** A boolean SQL expression: true when the jsonb value `j` matches the type. */
  check(ty: Ty, j: string): string {
    const isStr = `jsonb_typeof(${j}) = 'string'`;
    const s = `(${j} #>> '{}')`;
    switch (ty.k) {
      case 'int':
        return `CASE WHEN jsonb_typeof(${j}) = 'number' THEN ((${j})::numeric = trunc((${j})::numeric) AND abs((${j})::numeric) <= 9007199254740991) ELSE false END`;
      case 'number': return `coalesce(jsonb_typeof(${j}) = 'number', false)`;
      case 'bool': return `coalesce(jsonb_typeof(${j}) = 'boolean', false)`;
      case 'timestamp':
        return `CASE WHEN ${isStr} THEN CASE WHEN ${s} ~ ${quote(DATETIME_SQL_RE)} THEN ${dayFits(s)} ELSE false END ELSE false END`;
      case 'string':
        if (ty.date) return `CASE WHEN ${isStr} THEN CASE WHEN ${s} ~ ${quote(DATE_SQL_RE)} THEN ${dayFits(s)} ELSE false END ELSE false END`;
        if (ty.enum) return `CASE WHEN ${isStr} THEN ${s} IN (${ty.enum.map(quote).join(', ')}) ELSE false END`;
        return `coalesce(${isStr}, false)`;
      case 'list': {
        const e = `__e${this.fresh()}`;
        return `CASE WHEN jsonb_typeof(${j}) = 'array' THEN NOT EXISTS (SELECT 1 FROM jsonb_array_elements(${j}) AS ${e}(v) WHERE NOT (${this.check(ty.of, `${e}.v`)})) ELSE false END`;
      }
      case 'object': {
        const parts = Object.entries(ty.fields).map(([name, f]) => {
          const fj = `(${j})->${quote(name)}`;
          const present = `coalesce(jsonb_typeof(${fj}), 'null') <> 'null'`;
          const ok = `coalesce(${this.check(f.ty, fj)}, false)`;
          return f.optional ? `(NOT (${present}) OR ${ok})` : `(${present} AND ${ok})`;
        });
        return `CASE WHEN jsonb_typeof(${j}) = 'object' THEN ${parts.length ? parts.join(' AND ') : 'true'} ELSE false END`;
      }
    }
  }

  /** Binds values once: `(SELECT body FROM (SELECT e1 AS __x1, ...) AS __bN)`; simple values are inlined. */
  private bind(values: string[], body: (names: string[]) => string): string {
    if (values.every((v) => !/\bSELECT\b/i.test(v) && v.length < 200)) return body(values.map((v) => `(${v})`));
    const b = this.fresh();
    const names = values.map((_, i) => `__x${b}_${i}`);
    // OFFSET 0 keeps the planner from pulling the values back up and copying them into every use.
    return `(SELECT ${body(names)} FROM (SELECT ${values.map((v, i) => `${v} AS ${names[i]}`).join(', ')} OFFSET 0) AS __b${b})`;
  }

  /** A list macro or aggregate over a jsonb list, NULL when the list is NULL (an error). */
  private overList(list: string, inner: (elements: string) => string): string {
    const b = this.fresh();
    const l = `__l${b}`;
    return `(SELECT CASE WHEN ${l} IS NULL THEN NULL ELSE ${inner(l)} END FROM (SELECT ${list} AS ${l} OFFSET 0) AS __b${b})`;
  }

  /** Column mode: how root fields, element fields and reduced lists are read (see ColumnPlan). */
  cols: ColumnReader | undefined;

  expr(n: IrNode, scope: ReadonlyMap<string, string>): string {
    const pushed = this.cols?.aggregateRef(n);
    if (pushed !== undefined) return pushed;
    switch (n.op) {
      case 'lit': return literal(n.value, n.ty);
      case 'listLit': return literal(n.items.map((i) => (i.op === 'lit' ? i.value : this.constVal(i))), n.ty);
      case 'param': return literal(this.params[n.name] as Val, n.ty);
      case 'on': return quote(this.on);
      case 'root':
        return this.cols ? this.cols.rootJson() : `(input->${quote(this.entity)})`;
      case 'var': return scope.get(n.name) as string;
      case 'field': {
        const col = this.cols?.fieldRef(n);
        if (col !== undefined) return col;
        const o = this.expr(n.obj, scope);
        if (!isScalar(n.ty)) return `nullif((${o})->${quote(n.name)}, 'null'::jsonb)`;
        const t = `((${o})->>${quote(n.name)})`;
        switch (n.ty.k) {
          case 'int': return `${t}::numeric::bigint`;
          case 'number': return `${t}::numeric`;
          case 'bool': return `${t}::boolean`;
          case 'timestamp': return `${t}::timestamptz`;
          default: return t;
        }
      }
      case 'index': {
        const l = this.expr(n.list, scope);
        const i = this.expr(n.index, scope);
        return this.bind([l, i], ([L, I]) => fromJson(`(CASE WHEN ${I} >= 0 AND ${I} < 2147483647 THEN ${L}->(${I}::int) END)`, n.ty));
      }
      case 'has': {
        const col = this.cols?.hasRef(n);
        if (col !== undefined) return col;
        const o = this.expr(n.obj, scope);
        return this.bind([o], ([O]) => `(CASE WHEN ${O} IS NULL THEN NULL ELSE coalesce(jsonb_typeof(${O}->${quote(n.name)}), 'null') <> 'null' END)`);
      }
      case 'not': return `(NOT ${this.expr(n.arg, scope)})`;
      case 'neg': {
        const a = this.expr(n.arg, scope);
        if (n.ty.k !== 'int') return `(- ${a})`;
        return this.bind([a], ([A]) => `(CASE WHEN ${A} <> ${INT_MIN} THEN - ${A} END)`);
      }
      case 'and': return `(${this.expr(n.left, scope)} AND ${this.expr(n.right, scope)})`;
      case 'or': return `(${this.expr(n.left, scope)} OR ${this.expr(n.right, scope)})`;
      case 'cond': {
        const t = this.expr(n.test, scope);
        return this.bind([t], ([T]) => `(CASE WHEN ${T} THEN ${this.expr(n.then, scope)} WHEN NOT ${T} THEN ${this.expr(n.else, scope)} END)`);
      }
      case 'arith': {
        const l = this.expr(n.left, scope);
        const r = this.expr(n.right, scope);
        if (n.ty.k !== 'int') return n.fn === '/' ? `(${l} / NULLIF(${r}, 0))` : `(${l} ${n.fn} ${r})`;
        if (n.fn === '%') return `(${l} % NULLIF(${r}, 0))`;
        if (n.fn === '/') return this.bind([l, r], ([A, B]) => `(CASE WHEN NOT (${A} = ${INT_MIN} AND ${B} = -1) THEN ${A} / NULLIF(${B}, 0) END)`);
        return this.bind([l, r], ([A, B]) => `(CASE WHEN (${A}::numeric ${n.fn} ${B}::numeric) ${INT_RANGE} THEN ${A} ${n.fn} ${B} END)`);
      }
      case 'concat': return `(${this.expr(n.left, scope)} || ${this.expr(n.right, scope)})`;
      case 'cmp': {
        const l = this.expr(n.left, scope);
        const r = this.expr(n.right, scope);
        const op = n.fn === '==' ? '=' : n.fn === '!=' ? '<>' : n.fn;
        // Byte order for text, like JS string comparison (dates compare correctly as text).
        if (n.left.ty.k === 'string' && op !== '=' && op !== '<>') return `((${l}) COLLATE "C" ${op} (${r}))`;
        return `(${l} ${op} ${r})`;
      }
      case 'in': return this.inList(n, scope);
      case 'call': return this.call(n, scope);
      case 'macro': return this.macro(n, scope);
    }
  }

  private constVal(n: IrNode): Val {
    if (n.op === 'lit') return n.value;
    if (n.op === 'param') return this.params[n.name] as Val;
    throw new Error(`not a constant: ${n.text}`);
  }

  private inList(n: IrNode & { op: 'in' }, scope: ReadonlyMap<string, string>): string {
    const e = this.expr(n.elem, scope);
    const elemTy = n.list.ty.k === 'list' ? n.list.ty.of : n.elem.ty;
    if (n.list.op === 'listLit' || n.list.op === 'param') {
      const items = n.list.op === 'listLit' ? n.list.items.map((i) => this.constVal(i)) : (this.constVal(n.list) as Val[]);
      const t = sqlType(elemTy);
      const arr = items.length === 0 ? `'{}'::${t}[]` : `ARRAY[${items.map((i) => literal(i, elemTy)).join(', ')}]::${t}[]`;
      return `(${e} = ANY(${arr}))`;
    }
    const l = this.expr(n.list, scope);
    const c = `__c${this.fresh()}`;
    return this.bind([l, e], ([L, E]) =>
      `(CASE WHEN ${L} IS NULL OR ${E} IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM jsonb_array_elements(${L}) AS ${c}(v) WHERE ${fromJson(`${c}.v`, elemTy)} = ${E}) END)`,
    );
  }

  private call(n: IrNode & { op: 'call' }, scope: ReadonlyMap<string, string>): string {
    const a = n.args.map((x) => this.expr(x, scope));
    const [x, y] = a as [string, string];
    switch (n.fn) {
      case 'age':
        return this.bind([x, y], ([b, o]) => `((substr(${o}, 1, 4)::int - substr(${b}, 1, 4)::int - CASE WHEN substr(${o}, 6) COLLATE "C" < substr(${b}, 6) THEN 1 ELSE 0 END)::bigint)`);
      case 'days': return `((${y})::date - (${x})::date)::bigint`;
      case 'date': return `to_char(((${x}) AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD')`;
      case 'min': return this.bind([x, y], ([A, B]) => `(CASE WHEN ${B} < ${A} THEN ${B} WHEN ${B} >= ${A} THEN ${A} END)`);
      case 'max': return this.bind([x, y], ([A, B]) => `(CASE WHEN ${B} > ${A} THEN ${B} WHEN ${B} <= ${A} THEN ${A} END)`);
      case 'ceil': return `ceil(${x})`;
      case 'floor': return `floor(${x})`;
      case 'round': return y === undefined ? `round(${x})` : `round(${x}, ${(n.args[1] as IrNode & { op: 'lit' }).value.toString()})`;
      case 'abs': return n.ty.k === 'int' ? this.bind([x], ([X]) => `(CASE WHEN ${X} <> ${INT_MIN} THEN abs(${X}) END)`) : `abs(${x})`;
      case 'size': {
        const arg = n.args[0] as IrNode;
        if (arg.ty.k === 'string') return `char_length(${x})::bigint`;
        return `jsonb_array_length(${x})::bigint`;
      }
      case 'toNumber': return `(${x})::numeric`;
      case 'toInt': return this.bind([`trunc(${x})`], ([T]) => `(CASE WHEN ${T} ${INT_RANGE} THEN ${T}::bigint END)`);
      case 'toString': return `(${x})::text`;
      case 'startsWith': return `starts_with(${x}, ${y})`;
      case 'endsWith': return this.bind([x, y], ([A, B]) => `(right(${A}, char_length(${B})) = ${B})`);
      case 'contains': return `(strpos(${x}, ${y}) > 0)`;
      case 'sum': {
        const ty = n.ty;
        const arg = n.args[0] as IrNode;
        let s: string;
        if (arg.op === 'macro' && arg.fn === 'map') s = this.mapSum(arg, scope);
        else {
          const c = `__c${this.fresh()}`;
          const total = (l: string): string => `(SELECT coalesce(sum(${fromJson(`${c}.v`, ty)}), 0) FROM jsonb_array_elements(${l}) AS ${c}(v))`;
          s = this.overList(x, total);
        }
        return ty.k === 'int' ? this.bind([s], ([S]) => `(CASE WHEN ${S} ${INT_RANGE} THEN ${S}::bigint END)`) : s;
      }
    }
  }

  /**
   * `list.map(m, body).sum()` in one pass: sums the body values directly instead of building the
   * mapped list as jsonb and reading it back (the same numbers: body values are bigint/numeric
   * either way; NULL, an error, when the list or any body value is NULL, as map then sum gives).
   */
  /** What every list macro compiles from: the list, fresh row aliases, and the body over one element `c.v`. */
  private macroParts(n: IrNode & { op: 'macro' }, scope: ReadonlyMap<string, string>): { list: string; c: string; d: string; body: string } {
    const list = this.expr(n.list, scope);
    const elemTy = n.list.ty.k === 'list' ? n.list.ty.of : n.list.ty;
    const k = this.fresh();
    const c = `__c${k}`;
    const d = `__d${k}`;
    const inner = new Map(scope);
    inner.set(n.v, isScalar(elemTy) ? fromJson(`${c}.v`, elemTy) : `${c}.v`);
    const body = this.expr(n.body, inner);
    return { list, c, d, body };
  }

  private mapSum(n: IrNode & { op: 'macro' }, scope: ReadonlyMap<string, string>): string {
    const { list, c, d, body } = this.macroParts(n, scope);
    const rows = (l: string): string => `(SELECT ${body} AS p FROM jsonb_array_elements(${l}) AS ${c}(v) OFFSET 0) AS ${d}`;
    return this.overList(list, (l) => `(SELECT CASE WHEN bool_or(${d}.p IS NULL) THEN NULL ELSE coalesce(sum(${d}.p), 0) END FROM ${rows(l)})`);
  }

  private macro(n: IrNode & { op: 'macro' }, scope: ReadonlyMap<string, string>): string {
    const { list, c, d, body } = this.macroParts(n, scope);
    // The body is computed once per element; the aggregates read it as p.
    const rows = (l: string): string => `(SELECT ${c}.v AS v, ${c}.i AS i, ${body} AS p FROM jsonb_array_elements(${l}) WITH ORDINALITY AS ${c}(v, i) OFFSET 0) AS ${d}`;
    const anyNull = `bool_or(${d}.p IS NULL)`;
    let agg: string;
    switch (n.fn) {
      case 'exists': agg = `CASE WHEN bool_or(${d}.p) THEN true WHEN ${anyNull} THEN NULL ELSE false END`; break;
      case 'all': agg = `CASE WHEN bool_or(NOT ${d}.p) THEN false WHEN ${anyNull} THEN NULL ELSE true END`; break;
      case 'exists_one': agg = `CASE WHEN ${anyNull} THEN NULL ELSE count(*) FILTER (WHERE ${d}.p) = 1 END`; break;
      case 'filter': agg = `CASE WHEN ${anyNull} THEN NULL ELSE coalesce(jsonb_agg(${d}.v ORDER BY ${d}.i) FILTER (WHERE ${d}.p), '[]'::jsonb) END`; break;
      case 'map': {
        const item = isScalar(n.body.ty) ? `to_jsonb(${d}.p)` : `${d}.p`;
        agg = `CASE WHEN ${anyNull} THEN NULL ELSE coalesce(jsonb_agg(${item} ORDER BY ${d}.i), '[]'::jsonb) END`;
        break;
      }
    }
    return this.overList(list, (l) => `(SELECT ${agg} FROM ${rows(l)})`);
  }
}

// ---- column-shaped input (ColumnPlan) ----

const DEFAULTS: Record<'all' | 'exists' | 'exists_one', string> = { all: 'true', exists: 'false', exists_one: 'false' };

/** The SQL type of a column holding a value of this type (see ColumnPlan). */
function columnSqlType(ty: Ty): string {
  switch (ty.k) {
    case 'int': case 'number': return 'numeric';
    case 'bool': return 'boolean';
    case 'string': return 'text';
    default: return 'jsonb';
  }
}

const isRootField = (n: IrNode): n is IrNode & { op: 'field' } => n.op === 'field' && n.obj.op === 'root';

/** The IR children of a node. */
function children(n: IrNode): IrNode[] {
  switch (n.op) {
    case 'lit': case 'param': case 'on': case 'root': case 'var': return [];
    case 'listLit': return n.items;
    case 'field': case 'has': return [n.obj];
    case 'index': return [n.list, n.index];
    case 'not': case 'neg': return [n.arg];
    case 'and': case 'or': case 'arith': case 'concat': case 'cmp': return [n.left, n.right];
    case 'cond': return [n.test, n.then, n.else];
    case 'in': return [n.elem, n.list];
    case 'call': return n.args;
    case 'macro': return [n.list, n.body];
  }
}

/** A body that reads only scalar fields of the element `v` (never `v` itself), parameters, literals and the date. */
function elementOnly(n: IrNode, v: string): boolean {
  if (n.op === 'root' || n.op === 'macro') return false;
  if (n.op === 'var') return false; // reached only when `v` is used other than `v.field`
  if ((n.op === 'field' || n.op === 'has') && n.obj.op === 'var') {
    if (n.obj.name !== v) return false;
    return n.op === 'has' || isScalar(n.ty);
  }
  return children(n).every((c) => elementOnly(c, v));
}

type ListUse = { node: IrNode; list: string } & (
  | { kind: 'size' }
  | { kind: 'all' | 'exists' | 'exists_one' | 'sum'; v: string; body: IrNode; ty: Ty });

/** Every formula of the policy (conditions, amounts, case tests). */
function formulas(policy: Policy): IrNode[] {
  const o = policy.outcome;
  const out = policy.conditions.map((c) => c.node);
  if (o.kind === 'eligibility') { if (o.amount) out.push(o.amount.node); } else for (const k of o.cases) { out.push(k.when.node); if (k.amount) out.push(k.amount.node); }
  return out;
}

/**
 * Where the formulas read the root object: the list uses that aggregates can answer, the lists
 * read otherwise, and whether the root object is read whole (then no column plan).
 */
function analyse(policy: Policy): { uses: ListUse[]; otherwise: Set<string>; whole: boolean } {
  const uses: ListUse[] = [];
  const otherwise = new Set<string>();
  let whole = false;
  const rootList = (n: IrNode): string | undefined => (isRootField(n) && n.ty.k === 'list' ? n.name : undefined);
  const walk = (n: IrNode): void => {
    if (n.op === 'call' && n.fn === 'size' && n.args[0] && rootList(n.args[0])) { uses.push({ node: n, list: rootList(n.args[0]) as string, kind: 'size' }); return; }
    if (n.op === 'call' && n.fn === 'sum') {
      const m = n.args[0];
      if (m?.op === 'macro' && m.fn === 'map' && rootList(m.list) && elementOnly(m.body, m.v)) {
        uses.push({ node: n, list: rootList(m.list) as string, kind: 'sum', v: m.v, body: m.body, ty: n.ty });
        return;
      }
    }
    if (n.op === 'macro' && (n.fn === 'all' || n.fn === 'exists' || n.fn === 'exists_one') && rootList(n.list) && elementOnly(n.body, n.v)) {
      uses.push({ node: n, list: rootList(n.list) as string, kind: n.fn, v: n.v, body: n.body, ty: n.ty });
      return;
    }
    if (isRootField(n)) { if (n.ty.k === 'list') otherwise.add(n.name); return; }
    if (n.op === 'has' && n.obj.op === 'root') return;
    if (n.op === 'root') { whole = true; return; }
    for (const c of children(n)) walk(c);
  };
  for (const f of formulas(policy)) walk(f);
  return { uses, otherwise, whole };
}

/** Reads a typed column as the compiled expressions expect the value (int columns are numeric). */
function typedRef(c: ColumnField, col: string): string {
  if (c.sqlType !== 'jsonb') return c.ty.k === 'int' ? `(${col})::bigint` : col;
  if (c.ty.k === 'timestamp') return `((${col}) #>> '{}')::timestamptz`;
  return isScalar(c.ty) ? fromJson(col, c.ty) : `nullif(${col}, 'null'::jsonb)`;
}

/** True when a present typed value fits its declared type (as `check` on the JSON value). */
function typedCheck(ty: Ty, c: string): string {
  switch (ty.k) {
    case 'int': return `(${c} = trunc(${c}) AND abs(${c}) <= 9007199254740991)`;
    case 'string':
      if (ty.date) return `CASE WHEN ${c} ~ ${quote(DATE_SQL_RE)} THEN ${dayFits(c)} ELSE false END`;
      if (ty.enum) return `${c} IN (${ty.enum.map(quote).join(', ')})`;
      return 'true';
    default: return 'true';
  }
}

/** Column mode of a SqlCompiler: root fields, reduced lists and element fields read from columns. */
class ColumnReader {
  root = new Map<string, ColumnField>();
  readonly aggregates = new Map<IrNode, string>();
  /** The element variable of the value being compiled: field name -> column of `prefix`. */
  elem: { v: string; prefix: string; fields: Map<string, ColumnField> } | undefined;

  rootJson(): string {
    throw new Error('the root object is read whole: this policy has no column plan');
  }

  fieldRef(n: IrNode & { op: 'field' }): string | undefined {
    if (n.obj.op === 'root') {
      const c = this.root.get(n.name);
      return c ? typedRef(c, c.col) : undefined;
    }
    if (n.obj.op === 'var' && this.elem && n.obj.name === this.elem.v) {
      const c = this.elem.fields.get(n.name);
      if (!c) throw new Error(`element field ${n.name} has no column`);
      return typedRef(c, `${this.elem.prefix}${c.col}`);
    }
    return undefined;
  }

  hasRef(n: IrNode & { op: 'has' }): string | undefined {
    let c: ColumnField | undefined;
    let col: string;
    if (n.obj.op === 'root') {
      c = this.root.get(n.name);
      // A reduced list is always there (an empty list when the registry has no element).
      if (!c) return 'true';
      col = c.col;
    } else if (n.obj.op === 'var' && this.elem && n.obj.name === this.elem.v) {
      c = this.elem.fields.get(n.name);
      if (!c) throw new Error(`element field ${n.name} has no column`);
      col = `${this.elem.prefix}${c.col}`;
    } else return undefined;
    return c.sqlType === 'jsonb' ? `(coalesce(jsonb_typeof(${col}), 'null') <> 'null')` : `(${col} IS NOT NULL)`;
  }

  aggregateRef(n: IrNode): string | undefined {
    return this.aggregates.get(n);
  }
}

/** Validity of one record whose fields are columns (mirrors `check` for an object). */
function recordValid(fields: readonly ColumnField[], prefix: string, c: SqlCompiler, more: string[] = []): string {
  const parts = fields.map((f) => {
    const col = `${prefix}${f.col}`;
    const present = f.sqlType === 'jsonb' ? `coalesce(jsonb_typeof(${col}), 'null') <> 'null'` : `${col} IS NOT NULL`;
    const ok = f.checked ? 'true' : f.sqlType === 'jsonb' ? `coalesce(${c.check(f.ty, col)}, false)` : typedCheck(f.ty, col);
    return f.optional ? `(NOT (${present}) OR ${ok})` : `(${present} AND ${ok})`;
  });
  parts.push(...more);
  return parts.length ? parts.join(' AND ') : 'true';
}

interface Planned { plan: ColumnPlan; reader: ColumnReader; compiler: SqlCompiler; uses: ListUse[] }

function plan(policy: Policy, on: string, checked: ReadonlySet<string> = new Set()): Planned | undefined {
  checkDate(policy, on);
  const params: Record<string, Val> = {};
  for (const [k, r] of Object.entries(resolveParameters(policy, on))) params[k] = r.value.value;
  const compiler = new SqlCompiler(policy, on, params);
  const { uses, otherwise, whole } = analyse(policy);
  if (whole) return undefined;
  const reader = new ColumnReader();
  compiler.cols = reader;
  // Only a date string may be vouched for: its check is the costly one (a pattern and the days of
  // the month, ~0.8 µs a value), and the relation can guarantee it by construction.
  const field = (name: string, ty: Ty, optional: boolean, col: string, path: string = name): ColumnField => ({
    name, col, ty, sqlType: columnSqlType(ty), optional, ...(checked.has(path) && ty.k === 'string' && ty.date ? { checked: true as const } : {}),
  });
  const reducible = (ty: Ty): ty is Extract<Ty, { k: 'list' }> & { of: Extract<Ty, { k: 'object' }> } =>
    ty.k === 'list' && ty.of.k === 'object' && Object.values(ty.of.fields).every((f) => isScalar(f.ty));
  const fields: ColumnField[] = [];
  const lists: ColumnList[] = [];
  Object.entries(policy.inputType.fields).forEach(([name, f], i) => {
    if (!reducible(f.ty) || otherwise.has(name) || f.optional) {
      const cf = field(name, f.ty, f.optional, `__f${i}`);
      fields.push(cf);
      reader.root.set(name, cf);
      return;
    }
    const elemFields = Object.entries(f.ty.of.fields).map(([en, ef], k) => field(en, ef.ty, ef.optional, `__e${k}`, `${name}[].${en}`));
    const n = `__l${i}_n`;
    const aggregates: ColumnList['aggregates'] = [{ col: n, sql: 'count(*)' }, { col: `__l${i}_valid`, sql: 'bool_and(__el.__valid)' }];
    const values: ColumnList['values'] = [];
    const once = (into: Array<{ col: string; sql: string }>, prefix: string, sql: string): string => {
      const found = into.find((x) => x.sql === sql);
      if (found) return found.col;
      const col = `__l${i}_${prefix}${into.length}`;
      into.push({ col, sql });
      return col;
    };
    for (const u of uses.filter((x) => x.list === name)) {
      if (u.kind === 'size') { reader.aggregates.set(u.node, `(coalesce(${n}, 0))::bigint`); continue; }
      reader.elem = { v: u.v, prefix: '__ev.', fields: new Map(elemFields.map((e) => [e.name, e])) };
      // Evaluated only for valid elements (listAggregates), as the JSON path evaluates only valid inputs.
      const p = `__el.${once(values, 'p', compiler.expr(u.body, new Map()))}`;
      reader.elem = undefined;
      if (u.kind === 'sum') {
        const col = once(aggregates, 'a', `CASE WHEN bool_or(${p} IS NULL) THEN NULL ELSE coalesce(sum(${p}), 0) END`);
        const s = `(CASE WHEN ${n} IS NULL THEN 0 ELSE ${col} END)`;
        reader.aggregates.set(u.node, u.ty.k === 'int' ? `(CASE WHEN ${s} ${INT_RANGE} THEN ${s}::bigint END)` : s);
        continue;
      }
      const agg = u.kind === 'all'
        ? `CASE WHEN bool_or(NOT ${p}) THEN false WHEN bool_or(${p} IS NULL) THEN NULL ELSE true END`
        : u.kind === 'exists'
          ? `CASE WHEN bool_or(${p}) THEN true WHEN bool_or(${p} IS NULL) THEN NULL ELSE false END`
          : `CASE WHEN bool_or(${p} IS NULL) THEN NULL ELSE count(*) FILTER (WHERE ${p}) = 1 END`;
      reader.aggregates.set(u.node, `(CASE WHEN ${n} IS NULL THEN ${DEFAULTS[u.kind]} ELSE ${once(aggregates, 'a', agg)} END)`);
    }
    const valid = recordValid(elemFields, '__ex.', compiler);
    const setLike = uses.every((u) => u.list !== name || u.kind === 'all' || u.kind === 'exists');
    lists.push({ name, elemFields, valid, values, aggregates, setLike });
  });
  return { plan: { entity: policy.entity, fields, lists }, reader, compiler, uses };
}

/**
 * The columns an input relation must supply so that `compileToSql(…, { columns })` reads typed
 * columns instead of a jsonb input; undefined when the policy reads its input object whole.
 */
export function columnPlan(policy: Policy, on: string, checked: readonly string[] = []): ColumnPlan | undefined {
  return plan(policy, on, new Set(checked))?.plan;
}

/**
 * How a batch run that stores only the decisions that are eligible or in error (ADR 0004) may skip
 * the reduced lists of most rows (see `pruning`).
 */
export interface Pruning {
  /**
   * True when a row needs its lists, as SQL over the row's field columns: `ref(col)` is the SQL of
   * the plan field column `col` (`__fN`). False only when the row's own fields are valid, every
   * condition that reads no list evaluates, and one of them is false: the row is then decided not
   * eligible, without an error, whatever its lists hold — unless an element makes it an error.
   * With own lists (`pruning`'s `ownLists`), `ref` is also asked for their aggregate columns.
   */
  needed(ref: (col: string) => string): string;
  /**
   * True when an element of the list may turn its parent's decision into an error (it is invalid,
   * or a value the formulas read of it cannot be evaluated), as SQL over the element's columns:
   * `ref(col)` is the SQL of element column `col` (`elemFields[].col`), or undefined where the
   * relation vouches that the field is always present and valid and gives no SQL for it. Undefined
   * when that is not enough to tell (a value that may fail to evaluate reads such a field).
   */
  bad(list: string, ref: (col: string) => string | undefined): string | undefined;
}

/** The key of a field read on the root or on a list element (`.name`, `m.name`), for `total`. */
const fieldKey = (n: IrNode): string | undefined =>
  (n.op === 'field' || n.op === 'has') && (n.obj.op === 'root' || n.obj.op === 'var') ? `${n.obj.op === 'var' ? n.obj.name : ''}.${n.name}` : undefined;

/** The fields `has(…)` proves present where `n` is true (its conjuncts). */
function provenPresent(n: IrNode, out: Set<string>): Set<string> {
  if (n.op === 'has') { const k = fieldKey(n); if (k) out.add(k); }
  if (n.op === 'and') { provenPresent(n.left, out); provenPresent(n.right, out); }
  return out;
}

/**
 * Whether an expression always evaluates (never NULL in SQL, never a failure in JS) when the row
 * (or the list element) is valid and every reduced list's aggregates evaluate. Conservative:
 * anything that can overflow, divide, index or parse text is not; an optional field only where
 * `has(…)` guards it (`has(x.f) && …x.f…`, `!has(x.f) || …x.f…`, `has(x.f) ? …x.f… : …`).
 */
function total(n: IrNode, aggregates: ReadonlyMap<IrNode, ListUse>, present: ReadonlySet<string> = new Set()): boolean {
  const use = aggregates.get(n);
  if (use) return use.kind !== 'sum' || use.ty.k !== 'int';
  const all = (...xs: IrNode[]): boolean => xs.every((x) => total(x, aggregates, present));
  const guarded = (guard: IrNode, x: IrNode): boolean => total(x, aggregates, provenPresent(guard, new Set(present)));
  switch (n.op) {
    case 'lit': case 'param': case 'on': case 'has': return true;
    case 'field': return (n.obj.op === 'root' || n.obj.op === 'var') && (!n.optional || present.has(fieldKey(n) as string));
    case 'and': return all(n.left) && guarded(n.left, n.right);
    case 'or': return all(n.left) && (n.left.op === 'not' ? guarded(n.left.arg, n.right) : all(n.right));
    case 'cond': return all(n.test, n.else) && guarded(n.test, n.then);
    case 'not': case 'concat': case 'cmp': return all(...children(n));
    case 'in': return (n.list.op === 'listLit' || n.list.op === 'param') && all(n.elem, ...(n.list.op === 'listLit' ? n.list.items : []));
    case 'neg': return n.ty.k === 'number' && all(n.arg);
    case 'arith': return n.ty.k === 'number' && n.fn !== '/' && n.fn !== '%' && all(n.left, n.right);
    case 'call':
      switch (n.fn) {
        case 'age': case 'days': case 'date': case 'min': case 'max': case 'ceil': case 'floor': case 'round':
        case 'startsWith': case 'endsWith': case 'contains': case 'toString': return all(...n.args);
        case 'abs': return n.ty.k === 'number' && all(...n.args);
        case 'size': return n.args[0]?.ty.k === 'string' && all(...n.args);
        case 'toNumber': return n.args[0]?.ty.k !== 'string' && all(...n.args); // a number from text may not parse
        default: return false;
      }
    default: return false;
  }
}

/** Whether an expression reads a reduced list (contains one of its aggregates) or a deferred field of the root. */
function readsList(n: IrNode, aggregates: ReadonlyMap<IrNode, ListUse>, deferred: ReadonlySet<string> = new Set()): boolean {
  if (n.op === 'field' && n.obj.op === 'root' && deferred.has(n.name)) return true;
  return aggregates.has(n) || children(n).some((c) => readsList(c, aggregates, deferred));
}

/** The fields of the element `v` an expression reads. */
function elementReads(n: IrNode, v: string, out: Set<string> = new Set()): Set<string> {
  if ((n.op === 'field' || n.op === 'has') && n.obj.op === 'var' && n.obj.name === v) out.add(n.name);
  for (const c of children(n)) elementReads(c, v, out);
  return out;
}

/**
 * Pruning for a batch run that keeps only eligible and error decisions: undefined when it cannot
 * skip anything exactly — the outcome is not a plain eligibility, no condition reads a reduced
 * list or every one does, or a condition reading a list might fail to evaluate for a valid row
 * (then the list's true content could decide whether the row is an error). Otherwise a relation
 * may give the lists' aggregates only to rows where `needed` holds or that have a `bad` element,
 * and NULL (no elements) to the others: the rows kept and their values are exactly those of the
 * full relation; a row not kept may list fewer failed conditions (nothing stores them).
 *
 * `deferred`: required scalar fields of the root that the relation vouches for (never missing,
 * always valid) and that are costly to supply (a join to stored decisions): they are treated as
 * lists are, so a row where `needed` is false needs no value for them (nor for its lists). A
 * policy without reduced lists may then be pruned on its deferred fields alone.
 *
 * `ownLists`: reduced lists whose aggregates the relation gives to every row anyway (a household's
 * members, one grouped pass over the registry that every household reads): their aggregates count
 * as the row's own columns, read in `needed` through `ref(col)` with the aggregate's column name
 * (`ColumnList.aggregates[].col`), and a policy is then pruned on its other lists and deferred
 * fields (rigid expenditure: its own conditions read the members' sums, its deferred category
 * is three sets of stored decisions).
 *
 * `alone`: also when every condition reads only the row's own columns (nothing to prune, nothing
 * deferred): `needed` then tells the rows that the own conditions do not decide not eligible, and
 * a relation may leave the others out (a run that counts its rows elsewhere: the conditions and
 * the stages of the compiled query then serve only the rows that may be stored).
 */
export function pruning(policy: Policy, on: string, checked: readonly string[] = [], deferred: readonly string[] = [], ownLists: readonly string[] = [], alone = false): Pruning | undefined {
  if (policy.outcome.kind !== 'eligibility') return undefined;
  const planned = plan(policy, on, new Set(checked));
  const later = new Set(deferred);
  const ownSet = new Set(ownLists);
  if (!planned) return undefined;
  const { plan: p, compiler, reader, uses } = planned;
  if (![...ownSet].every((name) => p.lists.some((l) => l.name === name))) return undefined;
  if (p.lists.every((l) => ownSet.has(l.name)) && later.size === 0 && !alone) return undefined;
  // Only a required scalar field of the plan may be deferred.
  if (![...later].every((name) => p.fields.some((f) => f.name === name && !f.optional && f.sqlType !== 'jsonb'))) return undefined;
  // The aggregates of the lists pruned (an own list's are the row's own columns).
  const aggregates = new Map(uses.filter((u) => !ownSet.has(u.list)).map((u) => [u.node, u]));
  const own = policy.conditions.filter((c) => !readsList(c.node, aggregates, later));
  const listed = policy.conditions.filter((c) => readsList(c.node, aggregates, later));
  if (own.length === 0 || (listed.length === 0 && !alone) || !listed.every((c) => total(c.node, aggregates))) return undefined;
  const none = new Map<string, string>();
  // The own lists' aggregate columns, as the reader writes them (bare column names).
  const ownPlanned = p.lists.filter((l) => ownSet.has(l.name));
  const ownTotal = own.every((c) => total(c.node, aggregates));
  const ownAggregates = ownPlanned.flatMap((l) => l.aggregates.map((a) => a.col));
  const needed = (ref: (col: string) => string): string => {
    const fields = p.fields.filter((f) => !later.has(f.name)).map((f) => ({ ...f, col: `(${ref(f.col)})` }));
    const root = reader.root;
    reader.root = new Map(fields.map((f) => [f.name, f]));
    // An own list's aggregate read by its column name, which `ref` names over the row.
    const byRef = (sql: string): string => ownAggregates.length === 0 ? sql
      : sql.replace(new RegExp(`\\b(${ownAggregates.join('|')})\\b`, 'g'), (col) => `(${ref(col)})`);
    try {
      const listsValid = ownPlanned.map((l) => `coalesce(${byRef(l.aggregates[1]?.col as string)}, true)`);
      const valid = `coalesce(${recordValid(fields, '', compiler, listsValid)}, false)`;
      if (ownTotal) {
        // Every own condition evaluates for a valid row: the row needs its lists when all hold,
        // tested shortest first (AND stops at the first false; most rows fail a cheap one, and the
        // score below computes every condition of every row: tekun's pass over the 13.6 M persons
        // spent half its time on it, 2026-11-29).
        const conds = own.map((c) => byRef(compiler.expr(c.node, none))).sort((a, b) => a.length - b.length);
        return `CASE WHEN ${valid} THEN ${conds.map((c) => `(${c})`).join(' AND ')} ELSE true END`;
      }
      // Each own condition read once: 0 true, 1 false, n + 1 not evaluated; the row is decided
      // without its lists when the sum is from 1 to n (none failed to evaluate, one is false).
      // Tested with <> ALL, which computes the sum once: PostgreSQL turns BETWEEN into two
      // comparisons, each with its own copy of the sum (every condition computed twice a row).
      const score = own.map((c) => `CASE ${byRef(compiler.expr(c.node, none))} WHEN true THEN 0 WHEN false THEN 1 ELSE ${own.length + 1} END`).join(' + ');
      const decided = Array.from({ length: own.length }, (_, i) => i + 1).join(', ');
      return `CASE WHEN ${valid} THEN (${score}) <> ALL (ARRAY[${decided}]) ELSE true END`;
    } finally {
      reader.root = root;
    }
  };
  const bad = (list: string, ref: (col: string) => string | undefined): string | undefined => {
    const l = p.lists.find((x) => x.name === list);
    if (!l) throw new Error(`the plan has no reduced list ${list}`);
    const given = l.elemFields.flatMap((e) => {
      const sql = ref(e.col);
      return sql === undefined ? [] : [{ ...e, col: `(${sql})` }];
    });
    const fields = new Map(given.map((e) => [e.name, e]));
    const values: string[] = [];
    for (const u of uses) {
      if (u.list !== list || u.kind === 'size' || total(u.body, aggregates)) continue;
      // A value that may fail to evaluate: computed, so every field it reads must be given.
      if ([...elementReads(u.body, u.v)].some((f) => !fields.has(f))) return undefined;
      reader.elem = { v: u.v, prefix: '', fields };
      try { values.push(compiler.expr(u.body, none)); } finally { reader.elem = undefined; }
    }
    // Fields not given are vouched for: only the given ones are checked.
    const valid = `coalesce(${recordValid(given, '', compiler)}, false)`;
    return `CASE WHEN ${valid} THEN ${values.length ? values.map((v) => `(${v}) IS NULL`).join(' OR ') : 'false'} ELSE true END`;
  };
  return { needed, bad };
}

/** The validity of a column-shaped input row (every column of the plan). */
function columnsValid(p: ColumnPlan, c: SqlCompiler): string {
  return `coalesce(${recordValid(p.fields, '', c, p.lists.map((l) => `coalesce(${l.aggregates[1]?.col}, true)`))}, false)`;
}

function roundSql(x: string, r: Rounding): string {
  switch (r) {
    case 'none': return x;
    case 'yuan-up': return `ceil(${x})`;
    case 'yuan-down': return `floor(${x})`;
    case 'fen': return `round(${x}, 2)`;
  }
}

/**
 * One SELECT returning `id, eligible, outcome, amount, failed_rules text[], error` for every row of
 * `inputRelation`. Parameters are resolved for `on` and written in as literals.
 */
export function compileToSql(policy: Policy, on: string, opts: SqlOptions): string {
  checkDate(policy, on);
  let c: SqlCompiler;
  let valid: string;
  let source: string;
  if (opts.columns) {
    const planned = plan(policy, on, new Set(opts.checked ?? []));
    // The relation's aggregates embed this policy's parameters: a plan made for other parameters
    // (a what-if) or another policy would decide wrongly, so it is refused.
    if (!planned || JSON.stringify(planned.plan) !== JSON.stringify(opts.columns)) {
      throw new Error(`the input relation's column plan was not made for ${policy.id} on ${on} with these parameters`);
    }
    c = planned.compiler;
    valid = columnsValid(planned.plan, c);
    source = `SELECT __src.*, ${valid} AS __valid FROM __src`;
  } else {
    const params: Record<string, Val> = {};
    for (const [k, r] of Object.entries(resolveParameters(policy, on))) params[k] = r.value.value;
    c = new SqlCompiler(policy, on, params);
    valid = `coalesce(${c.check(policy.inputType, `input->${quote(policy.entity)}`)}, false)`;
    source = `SELECT __src.id AS id, __src.input AS input, ${valid} AS __valid FROM __src`;
  }
  const none = new Map<string, string>();
  const amountSql = (f: { node: IrNode }): string => roundSql(`(${c.expr(f.node, none)})::numeric`, policy.outcome.rounding);

  const condCols = policy.conditions.map((cond, i) => `CASE WHEN __valid THEN ${c.expr(cond.node, none)} END AS __k${i}`);
  const all = policy.conditions.length ? policy.conditions.map((_, i) => `__k${i}`).join(' AND ') : 'true';
  const condErrors = policy.conditions.map((cond, i) => `WHEN __k${i} IS NULL THEN ${quote(`condition "${cond.id}" could not be evaluated`)}`);
  const failed = policy.conditions.length
    ? `array_remove(ARRAY[${policy.conditions.map((cond, i) => `CASE WHEN NOT __k${i} THEN ${quote(cond.id)} END`).join(', ')}]::text[], NULL)`
    : `'{}'::text[]`;
  const AMOUNT_ERR = quote('the amount could not be evaluated');

  // Every heavy expression is computed once, in its stage; later stages only combine its columns.
  // Each stage is a subquery of the next behind a fence (SQL_SETUP): PostgreSQL neither pulls it up
  // (inlined, it would copy each expression into every place that reads it) nor stores its rows —
  // they stream from stage to stage. (These were MATERIALIZED CTEs: every stage written to a
  // tuplestore, spilled to disk over millions of rows; the chain took ~1 µs a row a stage.)
  const stages: Array<{ name: string; select: (from: string) => string }> = [
    { name: '__v', select: (from) => `${source.slice(0, -'__src'.length)}${from}` }, // source ends `FROM __src`
    { name: '__c', select: (from) => `SELECT __v.*${condCols.length ? ',\n  ' + condCols.join(',\n  ') : ''} FROM ${from}` },
  ];
  const o = policy.outcome;
  // The answer, over the last stage's columns: what only combines condition columns (cheap
  // boolean tests) is written out where it is read instead of being a stage of its own (each
  // stage costs a copy of every row: ~0.6 s per 4.5 M rows a worker on the 13.6 M city).
  let eligible: string;
  let outcome: string;
  let amount: string;
  let oerr: string;
  if (o.kind === 'eligibility') {
    const allOf = `(${all})`;
    if (o.amount) {
      // The amount formula may be heavy: computed once, in a stage of its own.
      const amt = `CASE WHEN __valid AND ${allOf} IS TRUE THEN ${amountSql(o.amount)} END`;
      stages.push({ name: '__m', select: (from) => `SELECT __c.*, ${amt} AS __amount FROM ${from}` });
      amount = '__amount';
      oerr = `CASE WHEN ${allOf} AND __amount IS NULL THEN ${AMOUNT_ERR} END`;
    } else {
      amount = 'NULL::numeric';
      oerr = 'NULL::text';
    }
    eligible = allOf;
    outcome = `CASE WHEN ${allOf} THEN 'eligible' ELSE 'ineligible' END`;
  } else {
    // __case: 0 = otherwise, i = case i matched, -i = the `when` of case i failed.
    const whenCols = o.cases.map((k, i) => `CASE WHEN __valid AND (${all}) IS TRUE THEN ${c.expr(k.when.node, none)} END AS __w${i}`);
    const pick = o.cases.map((_, i) => `WHEN __w${i} THEN ${i + 1} WHEN __w${i} IS NULL THEN ${-(i + 1)}`).join(' ');
    const outcomeOf = o.cases.map((k, i) => `WHEN ${i + 1} THEN ${quote(k.outcome)}`).join(' ');
    const paying = o.cases.map((k, i) => ({ k, i: i + 1 })).filter(({ k }) => k.amount && o.eligibleOutcomes.includes(k.outcome));
    const amountCase = paying.length ? `CASE __case ${paying.map(({ k, i }) => `WHEN ${i} THEN ${amountSql(k.amount as { node: IrNode })}`).join(' ')} END` : 'NULL::numeric';
    const caseErr = o.cases.map((k, i) => `WHEN ${-(i + 1)} THEN ${quote(`case ${i + 1} (${k.outcome}) could not be evaluated`)}`).join(' ');
    const amountErr = paying
      .map(({ k, i }) => `WHEN __case = ${i} AND __amount IS NULL THEN ${quote(`the amount of case ${i} (${k.outcome}) could not be evaluated`)}`)
      .join(' ');
    const outcomeCase = `CASE WHEN __case = 0 THEN ${quote(o.otherwise)} ELSE CASE __case ${outcomeOf} END END`;
    stages.push({ name: '__w', select: (from) => `SELECT __c.*, (${all}) AS __all, ${whenCols.join(',\n  ')} FROM ${from}` });
    stages.push({ name: '__k', select: (from) => `SELECT __w.*, CASE WHEN NOT __valid OR __all IS NOT TRUE THEN 0 ${pick} ELSE 0 END AS __case FROM ${from}` });
    stages.push({ name: '__m', select: (from) => `SELECT __k.*, ${outcomeCase} AS __outcome, ${amountCase} AS __amount FROM ${from}` });
    const eligibleList = o.eligibleOutcomes.length ? `__outcome IN (${o.eligibleOutcomes.map(quote).join(', ')})` : 'false';
    stages.push({ name: '__o', select: (from) => `SELECT __m.*, ${eligibleList} AS __eligible, CASE WHEN __case < 0 THEN CASE __case ${caseErr} END ${amountErr} END AS __oerr FROM ${from}` });
    eligible = '__eligible';
    outcome = '__outcome';
    amount = '__amount';
    oerr = '__oerr';
  }
  const err = `CASE WHEN NOT __valid THEN 'invalid input' ${condErrors.join(' ')} ELSE ${oerr} END`;

  // __src is fenced too: otherwise PostgreSQL pulls a computed input relation (a registry
  // builder's jsonb_build_object with its subqueries) up into __v and builds the input once per
  // reference in the validity check: ~14x slower for a person policy (measured 2026-11-27).
  const chain = stages.reduce((from, st) => fenced(st.select(from), st.name), fenced(`SELECT * FROM (${opts.inputRelation}) __x`, '__src'));
  // Every answer column but `id` reads the fence too: a caller's filter on them (`WHERE eligible`)
  // is then never pushed down into the stages, where it would copy every condition's expression
  // into the scan's filter (an OFFSET 0 fence stopped that; policy_fence() alone does not). A
  // filter on `id` still goes down to the registry's index.
  const out = (sql: string): string => `CASE WHEN policy_fence() THEN ${sql} END`;
  return `SELECT id,
  ${out(`CASE WHEN (${err}) IS NULL THEN ${eligible} END`)} AS eligible,
  ${out(`CASE WHEN (${err}) IS NULL THEN ${outcome} END`)} AS outcome,
  ${out(`CASE WHEN (${err}) IS NULL AND ${eligible} THEN ${amount} END`)} AS amount,
  ${out(`CASE WHEN (${err}) IS NULL THEN ${failed} END`)} AS failed_rules,
  ${out(err)} AS error
FROM ${chain}`;
}
