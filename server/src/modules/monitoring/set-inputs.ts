/**
 * The input relation of a whole-registry monitoring run, set-based. inputs.ts builds each field as an
 * expression of one row (correlated look-ups: fine for the few persons a feed batch or a review
 * touches, and the oracle the tests compare with). Over the registry that is one index probe per
 * row and field; here the same facts are computed once per query and joined by id:
 *  - latest decisions of a policy: one pass over its stored verdicts (policy_latest_verdicts);
 *  - windowed aggregates: one `GROUP BY person_id` (or household) pass over the feed rows of the window;
 *  - household facts (size, income, earners, assets) and the members list: one `GROUP BY household_id`
 *    pass over person;
 *  - with a restriction (evidence.ts): only the entities with that evidence, driven from it; when it
 *    is bounded by feed rows (few entities) only the evidence aggregates are joined and every other
 *    field is inputs.ts's per-row look-up (probes beat a pass over the registry).
 * Every field keeps the exact expression and JSON value of inputs.ts (same SQL functions, same
 * `coalesce` of empty groups); fields not listed here fall back to inputs.ts's expression.
 */
import { sqlQuote, type ColumnPlan, type Policy, type Ty } from '@minsheng/rules';

type ObjTy = Extract<Ty, { k: 'object' }>;
import { scopeSql } from '../../platform/auth/scope.ts';
import type { Queryable } from '../../platform/db.ts';
import {
  aggregateParts, financeSum, householdLib, living, personLib, project,
  type Aggregates, type FieldLib, type InputQuery, type InputTarget,
} from './inputs.ts';
import { filler, type EvidenceSource } from './evidence.ts';
import type { Aggregate } from './rule-file.ts';

/** LEFT JOINs of one FROM clause, each added once (by key) when a projected field needs it. */
class Joins {
  private readonly entries: Array<{ rel: string | (() => string); alias: string; on: string }> = [];
  private readonly keys = new Map<string, string>();
  constructor(private readonly prefix: string) {}
  /** The joins, each relation's SQL made now (a relation may be given as a function of what was asked of it). */
  get sql(): string[] { return this.entries.map((e) => `LEFT JOIN ${typeof e.rel === 'string' ? e.rel : e.rel()} AS ${e.alias} ON ${e.on}`); }
  /** Makes `key` an alias of the FROM clause itself (the relation the query is driven from). */
  preset(key: string, alias: string): void { this.keys.set(key, alias); }
  /** The alias of the joined relation; `rel` gets `AS alias ON on(alias)`. */
  add(key: string, rel: string | (() => string), on: (alias: string) => string): string {
    const had = this.keys.get(key);
    if (had) return had;
    const alias = `${this.prefix}${this.keys.size}`;
    this.keys.set(key, alias);
    this.entries.push({ rel, alias, on: on(alias) });
    return alias;
  }
}

type DecisionMode = 'join' | 'lookup';

/**
 * The latest verdict on or before the date of each entity whose latest verdict is stored
 * (`policy_latest_verdicts`, migration 060: eligible or an error; a batch run stores no other
 * rows, ADR 0004): every reader of it only asks whether the latest is eligible (an entity absent
 * here is not).
 */
const decisionRel = (policyId: string, entity: 'person' | 'household', on: string): string =>
  `(SELECT __d.entity_id, __d.eligible FROM policy_latest_verdicts(${sqlQuote(policyId)}, '${entity}', ${on}::date) __d)`;

/** The empty-group value of inputs.ts's scalar subquery (count(*) = 0, coalesced sum = 0, min/max null). */
const emptyAs = (a: Aggregate, col: string): string => (a.fn === 'count' || a.fn === 'sum' ? `coalesce(${col}, 0)` : col);

/** Per-person aggregate relation `(id, v)`. */
export function personAggRel(a: Aggregate, months: number, on: string): string {
  const { where, agg } = aggregateParts(a, months, on);
  return `(SELECT __r.person_id AS id, ${agg} AS v FROM feed_row __r WHERE ${[...where, '__r.person_id IS NOT NULL'].join(' AND ')} GROUP BY __r.person_id)`;
}

/**
 * Per-household aggregate relation `(id, v)` over the rows of all persons of the household: grouped
 * by the feed row's copy of its person's current household (migration 061, kept by triggers), so
 * the pass reads the feed rows alone instead of joining every one to person. (`person_id IS NOT
 * NULL` — implied by a household — lets the planner use the partial index of a feed type's window,
 * feed_row_type_date_idx: without it a rare feed's rows were found by reading all 20 M.)
 */
export function householdAggRel(a: Aggregate, months: number, on: string): string {
  const { where, agg } = aggregateParts(a, months, on);
  return `(SELECT __r.household_id AS id, ${agg} AS v FROM feed_row __r
    WHERE ${[...where, '__r.person_id IS NOT NULL', '__r.household_id IS NOT NULL'].join(' AND ')} GROUP BY __r.household_id)`;
}

/**
 * financeSum (inputs.ts) without its subquery for the usual person: 0, 1 or 2 finance items summed
 * inline (a subquery over jsonb_array_elements is a function scan per row: 4.5 µs a person, a
 * minute over a city); more items fall back to financeSum. Same value: the sum of the matching
 * items' amounts (absent amounts ignored), 0 when none match.
 */
export function financeSumInline(p: string, on: string, kind: 'income' | 'asset'): string {
  const item = (i: number): string => `CASE WHEN ${p}.finance->${i}->>'kind' = '${kind}' AND (${p}.finance->${i}->>'periodFrom') <= ${on}
      AND (${p}.finance->${i}->>'periodTo' IS NULL OR (${p}.finance->${i}->>'periodTo') >= ${on}) THEN (${p}.finance->${i}->>'amount')::numeric END`;
  return `(CASE jsonb_array_length(${p}.finance) WHEN 0 THEN 0::numeric WHEN 1 THEN coalesce(${item(0)}, 0)
    WHEN 2 THEN coalesce(${item(0)} + ${item(1)}, ${item(0)}, ${item(1)}, 0) ELSE ${financeSum(p, on, kind)} END)`;
}

/** Aggregates to join: all of them over many rows; over few rows only the evidence ones (the rest per row). */
const joined = (aggs: Aggregates['own'], only: ReadonlySet<string> | null): Aggregates['own'] =>
  (only ? Object.fromEntries(Object.entries(aggs).filter(([k]) => only.has(k))) : aggs);

function personSetLib(p: string, on: string, aggs: Aggregates['own'], joins: Joins, decisions: DecisionMode): FieldLib {
  const dec = (policyId: string, entity: 'person' | 'household', idExpr: string): string => {
    const a = joins.add(`dec:${policyId}:${idExpr}`, decisionRel(policyId, entity, on), (x) => `${x}.entity_id = ${idExpr}`);
    return `coalesce(${a}.eligible, false)`;
  };
  const lib: FieldLib = { monthlyIncome: financeSumInline(p, on, 'income'), financialAssets: financeSumInline(p, on, 'asset') };
  if (decisions === 'join') {
    lib.assistance = () => `CASE WHEN ${dec('tianjin/tekun', 'person', `${p}.id`)} THEN 'tekun' WHEN ${dec('tianjin/dibao', 'household', `${p}.household_id`)} THEN 'dibao'
      WHEN ${dec('tianjin/dibao-edge', 'household', `${p}.household_id`)} THEN 'dibao-edge' ELSE 'none' END`;
    lib.receivesDisabilityAllowance = () => `(${dec('tianjin/disability-living-allowance', 'person', `${p}.id`)} OR ${dec('tianjin/severe-disability-care-allowance', 'person', `${p}.id`)})`;
  }
  for (const [name, { agg, months }] of Object.entries(aggs)) {
    lib[name] = () => emptyAs(agg, `${joins.add(`agg:${name}`, personAggRel(agg, months, on), (x) => `${x}.id = ${p}.id`)}.v`);
  }
  return lib;
}

function householdSetLib(h: string, on: string, aggs: Aggregates, joins: Joins, decisions: DecisionMode, missing: string[], only: ReadonlySet<string> | null): FieldLib {
  // Household facts of the living members in one grouped pass, with only the sums some field asks for.
  const want = new Set<'income' | 'earners' | 'assets'>();
  const stats = (col?: 'income' | 'earners' | 'assets'): string => {
    if (col) want.add(col);
    return joins.add('stats', () => `(SELECT __m.household_id AS id, count(*) AS size${want.has('income') ? ', coalesce(sum(__m.income), 0) AS income' : ''}
      ${want.has('earners') ? ', count(*) FILTER (WHERE __m.income > 0) AS earners' : ''}${want.has('assets') ? ', coalesce(sum(__m.assets), 0) AS assets' : ''}
    FROM (SELECT __m.household_id${want.has('income') || want.has('earners') ? `, ${financeSumInline('__m', on, 'income')} AS income` : ''}${want.has('assets') ? `, ${financeSumInline('__m', on, 'asset')} AS assets` : ''}
          FROM person __m WHERE __m.household_id IS NOT NULL AND ${living('__m', on)}) __m GROUP BY __m.household_id)`, (x) => `${x}.id = ${h}.id`);
  };
  // Over few households (bounded by feed rows) the per-row look-ups of inputs.ts are cheaper than a
  // pass over every household's members; only the evidence aggregates are joined.
  const lib: FieldLib = decisions === 'lookup' ? {} : {
    headName: () => `coalesce(${joins.add('head', 'person', (x) => `${x}.id = ${h}.head_person_id`)}.name, '')`,
    size: () => `coalesce(${stats()}.size, 0)`,
    monthlyIncome: () => `coalesce(${stats('income')}.income, 0)`,
    earners: () => `coalesce(${stats('earners')}.earners, 0)`,
    financialAssets: () => `coalesce(${stats('assets')}.assets, 0)`,
    medicalOutOfPocket12m: () => emptyAs({ feed: 'medical', fn: 'sum' }, `${joins.add('agg:medical12m', householdAggRel({ feed: 'medical', fn: 'sum', field: 'outOfPocket' }, 12, on), (x) => `${x}.id = ${h}.id`)}.v`),
    members: (ty: Ty) => {
      const elem = ty.k === 'list' ? ty.of : undefined;
      if (!elem || elem.k !== 'object') { missing.push('household.members (a list of records)'); return `'[]'::jsonb`; }
      const inner = new Joins('__mj');
      const mlib: FieldLib = { ...personLib('__m', on, aggs.members), ...personSetLib('__m', on, aggs.members, inner, decisions), relation: '__m.household_relation' };
      const obj = project(elem, mlib, 'household.members[]', missing);
      const list = joins.add('members', `(SELECT __m.household_id AS id, jsonb_agg(${obj} ORDER BY (__m.household_relation = 'head') DESC, __m.id) AS v
        FROM person __m ${inner.sql.join(' ')} WHERE __m.household_id IS NOT NULL AND ${living('__m', on)} GROUP BY __m.household_id)`, (x) => `${x}.id = ${h}.id`);
      return `coalesce(${list}.v, '[]'::jsonb)`;
    },
  };
  if (decisions === 'join') {
    const dec = (policyId: string): string => `coalesce(${joins.add(`dec:${policyId}`, decisionRel(policyId, 'household', on), (x) => `${x}.entity_id = ${h}.id`)}.eligible, false)`;
    lib.assistance = () => {
      const tekun = joins.add('tekun-any', `(SELECT DISTINCT __t.household_id AS id FROM person __t JOIN ${decisionRel('tianjin/tekun', 'person', on)} __x ON __x.entity_id = __t.id
        WHERE __x.eligible AND __t.household_id IS NOT NULL AND ${living('__t', on)})`, (x) => `${x}.id = ${h}.id`);
      return `CASE WHEN ${tekun}.id IS NOT NULL THEN 'tekun' WHEN ${dec('tianjin/dibao')} THEN 'dibao' WHEN ${dec('tianjin/dibao-edge')} THEN 'dibao-edge' ELSE 'none' END`;
    };
  }
  for (const [name, { agg, months }] of Object.entries(joined(aggs.own, only))) {
    lib[name] = () => emptyAs(agg, `${joins.add(`agg:${name}`, householdAggRel(agg, months, on), (x) => `${x}.id = ${h}.id`)}.v`);
  }
  return lib;
}

/**
 * Ids (person or household) with one evidence source, as a SELECT of `id`. For `assisted`: the
 * entities whose latest verdict (policy_latest_verdicts) is eligible — stored verdicts are only the
 * eligible and error ones, so this reads the few entities ever found eligible, without sorting.
 */
function evidenceIds(src: EvidenceSource, entity: 'person' | 'household', on: string, aggs: Aggregates): string {
  if (src.kind === 'agg') {
    const a = aggs.own[src.name]!;
    return `SELECT id FROM ${(entity === 'person' ? personAggRel : householdAggRel)(a.agg, a.months, on)} __e`;
  }
  if (src.kind === 'memberAgg') {
    // Households with a member who has rows of this member aggregate (household rules only).
    const a = aggs.members[src.name]!;
    const { where } = aggregateParts(a.agg, a.months, on);
    return `SELECT DISTINCT __r.household_id AS id FROM feed_row __r WHERE ${[...where, '__r.person_id IS NOT NULL', '__r.household_id IS NOT NULL'].join(' AND ')}`;
  }
  if (src.kind === 'deceased') return `SELECT __x.id FROM person __x WHERE NOT ${living('__x', on)}`;
  // assistance <> 'none', as the assistance field reads it: tekun of the person (household: of any
  // member), or dibao / dibao-edge of the household.
  const rel = (policyId: string, e: 'person' | 'household'): string => decisionRel(policyId, e, on);
  const tekun = `${rel('tianjin/tekun', 'person')} __t`;
  const hh = ['tianjin/dibao', 'tianjin/dibao-edge'].map((id) => rel(id, 'household'));
  return entity === 'person'
    ? [`SELECT __t.entity_id AS id FROM ${tekun} WHERE __t.eligible`,
      ...hh.map((r) => `SELECT __x.id FROM person __x JOIN ${r} __y ON __y.entity_id = __x.household_id WHERE __y.eligible`)].join(' UNION ')
    : [`SELECT __x.household_id AS id FROM person __x JOIN ${tekun} ON __t.entity_id = __x.id WHERE __t.eligible AND __x.household_id IS NOT NULL`,
      ...hh.map((r) => `SELECT __y.entity_id AS id FROM ${r} __y WHERE __y.eligible`)].join(' UNION ')
}

/**
 * Whether a rule's evidence bounds it to few entities: `few` when, for one of its needs, the rows
 * that give the evidence — feed rows of its aggregates in their windows, recorded deaths, eligible
 * tekun / dibao / dibao-edge decisions (the planner's estimates) — are under 10 % of the entities
 * (the table's estimate; a table never analysed counts as empty). Few: the run looks those entities
 * up row by row; many: every fact is one set-based pass over its table (a year of medical
 * settlements covers most of a city: per-row look-ups would be millions).
 */
export type EvidenceScale = 'few' | 'many';
export async function evidenceScale(db: Queryable, entity: 'person' | 'household', on: string, aggs: Aggregates, evidence: readonly EvidenceSource[][] | null): Promise<EvidenceScale> {
  if (!evidence || evidence.length === 0) return 'many';
  const [t] = await db.query<{ n: number }>(`SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = $1::regclass`, [entity]);
  const limit = 0.1 * Number(t?.n ?? 0);
  const onSql = sqlQuote(on);
  const estimate = async (sql: string): Promise<number> => {
    const plan = await db.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(`EXPLAIN (FORMAT JSON) ${sql}`);
    return plan[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? Infinity;
  };
  let best = Infinity;
  for (const need of evidence) {
    let rows = 0;
    for (const src of need) {
      if (src.kind === 'agg' || src.kind === 'memberAgg') {
        const a = (src.kind === 'agg' ? aggs.own : aggs.members)[src.name]!;
        rows += await estimate(`SELECT 1 FROM feed_row __r WHERE ${[...aggregateParts(a.agg, a.months, onSql).where, '__r.person_id IS NOT NULL'].join(' AND ')}`);
      } else if (src.kind === 'deceased') rows += await estimate(`SELECT 1 FROM person __x WHERE NOT ${living('__x', onSql)}`);
      // The stored eligible rows (a superset of the latest verdicts: estimated as they are read).
      else rows += await estimate(`SELECT 1 FROM policy_decision __d WHERE __d.policy_id IN ('tianjin/tekun', 'tianjin/dibao', 'tianjin/dibao-edge') AND __d.eligible AND __d.on_date <= ${onSql}::date`);
    }
    best = Math.min(best, rows);
  }
  return best < limit ? 'few' : 'many';
}

/**
 * `(id, input)` like inputQuery for a whole-registry run (scope only, no person list). With
 * `evidence` (evidence.ts), only the entities that have it. Also the session settings the query is
 * planned for.
 */
/**
 * The relation's shape: `input` (default) — `(id, input jsonb)` as inputs.ts builds it; `columns` —
 * `(id, <the plan's columns>)`, each field typed (rules' ColumnPlan: the compiled query then reads
 * columns instead of building a jsonb input for every row and reading it back); `ids` — only these
 * entities (the candidates of a column run, whose input is then built for the warnings).
 */
export interface SetShape {
  columns?: ColumnPlan;
  /** With columns: fields no formula reads get a constant of their type instead (the candidates are then decided again on their real input). */
  unread?: ReadonlySet<string>;
  ids?: readonly number[];
}

/** A plan this builder can supply: every field a column (lists of records reduced to aggregates are not built here). */
export const usablePlan = (plan: ColumnPlan | undefined): ColumnPlan | undefined =>
  (plan && plan.lists.length === 0 && plan.fields.every((f) => f.ty.k !== 'timestamp') ? plan : undefined);

export function setInputQuery(policy: Policy, on: string, aggs: Aggregates, target: Pick<InputTarget, 'scope'>, params: unknown[], evidence: readonly EvidenceSource[][] | null, scale?: EvidenceScale, shape: SetShape = {}): InputQuery & { settings: string[] } {
  const entity = policy.entity === 'household' ? 'household' : 'person';
  const onSql = sqlQuote(on);
  const missing: string[] = [];
  const joins = new Joins('__j');
  // Few entities (bounded by feed rows or deaths): look their decisions up row by row, and let the
  // planner use index look-ups. Otherwise every fact is one pass over its table, joined by hash/merge.
  // Feed rows bound the entities only when they are few: a feed most persons appear in (a year of
  // medical settlements) is `many` (evidenceScale), and then per-row look-ups would be millions.
  const bounded = evidence?.some((need) => need.every((s) => s.kind !== 'assisted')) ?? false;
  const few = shape.ids !== undefined || (evidence !== null && evidence.length > 0 && (scale === undefined ? bounded : scale === 'few'));
  const decisions: DecisionMode = few ? 'lookup' : 'join';
  const alias = entity === 'person' ? 'p' : 'h';
  const only = few ? new Set(shape.ids ? [] : evidence!.flat().flatMap((e) => (e.kind === 'agg' ? [e.name] : []))) : null;
  // Many entities with one aggregate as their only evidence: the query is driven from that
  // aggregate's grouped relation (computed once, both to restrict the rows and as the field).
  const single = evidence?.length === 1 && evidence[0]!.length === 1 && evidence[0]![0]!.kind === 'agg' ? evidence[0]![0]!.name : undefined;
  const drive = !few && single !== undefined && aggs.own[single] ? single : undefined;
  if (shape.ids && shape.columns) throw new Error('a run by candidate ids builds their input, not columns');
  if (drive) joins.preset(`agg:${drive}`, '__ev');
  const lib: FieldLib = entity === 'person'
    ? { ...personLib('p', onSql, aggs.own), ...personSetLib('p', onSql, joined(aggs.own, only), joins, decisions) }
    : { ...householdLib('h', onSql, aggs), ...householdSetLib('h', onSql, aggs, joins, decisions, missing, only) };
  let select: string;
  if (shape.columns) {
    // Each field as its column: scalars as the SQL value the JSON would hold (cast to the column's
    // type), anything else as that JSON value itself.
    select = shape.columns.fields.map((f) => {
      if (shape.unread?.has(f.name)) {
        const v = filler(f.ty, on);
        return `${f.optional ? 'NULL' : f.sqlType === 'jsonb' ? `${sqlQuote(JSON.stringify(v))}::jsonb` : `${sqlQuote(String(v))}`}::${f.sqlType} AS ${f.col}`;
      }
      const one: ObjTy = { ...policy.inputType, fields: { [f.name]: policy.inputType.fields[f.name]! } };
      const src = lib[f.name];
      const sql = f.sqlType === 'jsonb' || src === undefined || typeof src === 'object'
        ? `(${project(one, lib, policy.entity, missing)})->${sqlQuote(f.name)}`
        : `(${typeof src === 'function' ? src(f.ty) : src})::${f.sqlType}`;
      return `${sql} AS ${f.col}`;
    }).join(', ');
  } else select = `jsonb_build_object(${sqlQuote(policy.entity)}, ${project(policy.inputType, lib, policy.entity, missing)}) AS input`;
  const where: string[] = entity === 'person'
    ? [`(p.deceased_on IS NULL OR p.deceased_on > (${onSql}::date - 366))`, scopeSql(target.scope, 'p.residence_community', 'p.grid_id', params)]
    // (Driven from a household aggregate, every row has members: the aggregate reads their feed rows.)
    : [...(drive ? [] : [`EXISTS (SELECT 1 FROM person __l WHERE __l.household_id = h.id)`]), scopeSql(target.scope, 'h.residence_community', 'h.grid_id', params)];
  let from = entity === 'person' ? 'person p' : 'household h';
  if (shape.ids) {
    params.push(shape.ids);
    from = `unnest($${params.length}::bigint[]) AS __ev(id) JOIN ${from} ON ${alias}.id = __ev.id`;
  } else if (drive) {
    const a = aggs.own[drive]!;
    from = `${(entity === 'person' ? personAggRel : householdAggRel)(a.agg, a.months, onSql)} AS __ev JOIN ${from} ON ${alias}.id = __ev.id`;
  } else if (evidence) {
    // Few: with a feed-bounded need, only those needs restrict (the others, e.g. `assisted`, would
    // cost a pass over all decisions to drop rows the rule itself drops anyway); with only
    // `assisted`, the entities whose latest decision is eligible.
    const feedBound = evidence.filter((need) => need.every((s) => s.kind !== 'assisted'));
    const needs = few && feedBound.length > 0 ? feedBound : evidence;
    const ids = needs.map((need) => `(${need.map((s) => evidenceIds(s, entity, onSql, aggs)).join(' UNION ')})`).join(' INTERSECT ');
    from = `(${ids}) __ev JOIN ${from} ON ${alias}.id = __ev.id`;
  }
  return {
    sql: `SELECT ${alias}.id AS id, ${select} FROM ${from} ${joins.sql.join(' ')} WHERE ${where.join(' AND ')}`,
    entity, missing,
    // Over many rows every join is meant as a hash or merge join; the planner cannot estimate a
    // filter on a feed row's JSON (`data->>'kind' = …`: 1 row, where there are thousands) and picked
    // a nested loop over 200,000 × 1,000 rows. Over few rows, index look-ups are what nested loops are for.
    // JIT compiling this one big statement cost 3.7 of its 8.3 s at 200,000 persons (cost estimates
    // of whole-registry joins pass every JIT threshold); the work per row is plain expressions.
    // Over a city (millions of households) the grouped passes, the latest decisions' sorts and the
    // compiled query's stages hold hundreds of MB: 256 MB per sort or hash keeps them off disk (two
    // rule queries at once, a few such nodes each: a few GB at most, on a 24 GB server).
    // Over many rows, parallel workers are made cheaper to the planner: the grouped pass over the feed
    // rows then runs on the otherwise idle core (A/B on 500,000 persons, medical rule: 4.0–4.1 s → 3.1 s).
    settings: [`SET LOCAL work_mem = '${few ? '64MB' : '256MB'}'`, 'SET LOCAL jit = off',
      ...(few ? [] : ['SET LOCAL enable_nestloop = off', 'SET LOCAL parallel_setup_cost = 100', 'SET LOCAL parallel_tuple_cost = 0.01'])],
  };
}
