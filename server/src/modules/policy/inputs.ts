/**
 * Registry -> policy input, as SQL. For a policy with a builder, `inputRelation` returns a query
 * yielding `(id, input jsonb)` for every living person (or every household with a living member)
 * in the caller's scope, with `input` exactly in the policy's declared shape: the builder offers
 * a library of fields it can compute from the registry, and only the fields the policy declares
 * are built (objects and lists of objects recursively). A declared, required field the registry
 * cannot supply is a clear error before anything runs.
 *
 * Where the registry has no such fact yet, the field is a documented placeholder (see PLACEHOLDERS);
 * the run summary lists the placeholders the policy used.
 *
 * Set-based, not per row: what a field needs from other rows (the latest stored decisions, a
 * spouse, the children, a household's members and their finance sums) is computed once for the
 * whole registry as a grouped derived table and LEFT JOINed to the row, only when a declared field
 * uses it (Joins). Correlated subqueries per person made elder-alone-guard 57 % of a batch run.
 * The JSON built is the same as the former per-row subqueries built, value for value.
 * Trade-off: the joined tables cover the whole registry even when the run is scoped to a district
 * (only the outer rows are filtered); a district run therefore costs about as much as the input
 * building of a city run (estimated from the 2026-11-27 figures: still well below what the former
 * per-row subqueries cost for a sixteenth of the city).
 * A single-row read (`… WHERE id = $1`) stays cheap: PostgreSQL pushes the key into the grouped
 * tables (the bench's end-to-end baseline reads inputs that way).
 *
 * Order of batch runs (decisions are read through policy_latest_verdicts, latest on or before the date;
 * `runOrder` computes it from each builder's `reads`, `policy run --family` follows it):
 *   1. tianjin/dibao, tianjin/dibao-edge (households), tianjin/severe-disability-care-allowance
 *   2. tianjin/tekun (persons; reads its supporters' categories: dibao, dibao-edge, and tekun from
 *      an earlier tekun run — a supporter found tekun today counts in the next run)
 *   3. tianjin/rigid-expenditure-hardship (households; reads the household's category),
 *      tianjin/disability-living-allowance (reads the person's category),
 *      tianjin/concentrated-care-subsidy (reads the dibao decision of the person's household),
 *      tianjin/elder-alone-guard (reads the assistance categories)
 *
 * Decisions where the task left room (documented here, shown in the policy files' comments):
 *  - A person's supporters (法定赡养、抚养、扶养义务人: spouse, children, parents), de-duplicated,
 *    living on the date: the other side of a spouse relation; the children of a child relation and,
 *    the other way round, the parents (persons who have this person as child); the persons named by
 *    a supporter relation (person_id is supported by related_person_id, whatever the duty); and
 *    inside the household, which records most families without any person_relation: head <-> spouse,
 *    head or spouse <-> a member recorded as child, head <-> a member recorded as parent.
 *    Not counted: children-in-law, grandparents and grandchildren (their duty is conditional on the
 *    parents or children being dead or unable, which the registry cannot tell), siblings.
 *  - A household's category (`assistance`): tekun when a living member's latest tekun decision is
 *    eligible, else dibao, else dibao-edge (latest household decisions), else none.
 *  - medicalOutOfPocket12m: the sum of `outOfPocket` of the medical-settlement feed rows (医保结算)
 *    matched to any person of the household (feed_row.household_id, the person's current
 *    household), settled in the 12 months up to and including the date (the window monitoring
 *    uses: after date − 12 months).
 *  - Disability (category, grade) comes from the registry, also where the disability-certificate
 *    feed (残联) holds a newer certificate: the registry is the record; a feed row that disagrees is
 *    evidence that monitoring turns into a correction of the registry through its chain (reviewed),
 *    after which the next run decides on the corrected record. A feed row never decides silently.
 */
import { columnPlan, fenced, listAggregates, pruning, sqlQuote, type ColumnField, type ColumnPlan, type Policy, type Pruning, type Ty } from '@minsheng/rules';
import { AppError } from '../../platform/errors.ts';
import { scopeSql, type Scope } from '../../platform/auth/scope.ts';
import { chunked, shareable, type SharedFacts } from './facts.ts';

type Entity = 'person' | 'household';
type ObjTy = Extract<Ty, { k: 'object' }>;

/** A field the registry can supply: an SQL expression, or a list of sub-records built the same way. */
type FieldSource =
  | string
  | ((ty: Ty) => string)
  | { list: ListSource }
  /** An expression that is never NULL and always one of `oneOf` (a pruned run may vouch for it, see `vouched`). */
  | { oneOf: readonly string[]; sql: () => string };
type FieldLib = Record<string, FieldSource>;

/**
 * A list of sub-records, built for all parents at once: `SELECT key, jsonb_agg(element ORDER BY
 * orderBy) FROM from WHERE where GROUP BY key`, joined to the parent on `key = parentKey`.
 * `from` names `alias` (the element row); `lib` builds the element's fields over it and may add
 * joins of its own at that level.
 */
interface ListSource {
  from: string; where: string; key: string; parentKey: string; alias: string; orderBy: string;
  lib: (alias: string, on: string, joins: Joins) => FieldLib;
  /**
   * Sums over the same element rows that the parent reads outside the list (a household's size and
   * finance totals beside its members list): when the list is reduced to aggregates (columns),
   * they ride in its grouped pass, as element columns `elem` summed by `agg` into `col`.
   */
  extras?: (alias: string, on: string, joins: Joins) => Array<{ col: string; elem: string; agg: string }>;
  /**
   * When the elements are entities reached through edges (a person's supporters): the element's
   * columns are computed once per entity (`from` over `alias`, with the element-level joins, where
   * `where`), then joined to the edges, instead of once per edge. Used by the column-shaped pass;
   * `from` above is the same join written out, for the JSON list.
   */
  entities?: {
    from: string; edges: string; edgeKey: string; edgeId: string;
    /**
     * The elements of only the edges whose parent is a row of the table `keys` or whose element
     * is a row of `elements` (each with the entity's id, household_id and household_relation), as
     * the elements' own rows (`alias` over them, the parent's id in `<alias>.__key`), an element
     * reached twice given twice: a pruned run (rules `pruning`) of a policy that reads the list as
     * a set (rules ColumnList.setLike).
     */
    rows: (keys: string, elements: string) => string;
    /** The entities' table: the two tables given to `rows` are made from its rows. */
    table: string;
  };
}

/** What the Joins of one query share: the alias counter, and a family run's shared facts. */
interface JoinContext {
  n: number;
  /** A family run's shared facts (facts.ts): the derived tables it shares (registry facts, earlier policies' decisions) come from there. */
  facts?: SharedFacts | undefined;
  /** The shared-fact tables this query reads. */
  tables: Set<string>;
  /** Those of them that are the query's own (SharedFacts.own), by the SQL of their rows: dropped when its run ends. */
  own: Map<string, string>;
  /** The policy the query decides for (its public id). */
  policy: string;
}

/**
 * The LEFT JOINs one level of a query needs (the top-level row, or the element of a list), each
 * added once under a key when a field first uses it. Aliases are unique across the whole query.
 */
class Joins {
  private readonly clauses = new Map<string, string | undefined>();
  private readonly aliases = new Map<string, string>();
  constructor(private readonly counter: JoinContext) {}
  /**
   * A derived table (`SELECT …` over the registry) as a relation for FROM: the family run's shared
   * table holding its rows when there is one and it reads the registry only, else `(sql)`.
   */
  derived(sql: string): string {
    return (shareable(sql) ? this.shared(sql) : undefined) ?? `(${sql})`;
  }
  /**
   * A derived table the run makes as a table of its own before its query (SharedFacts.own), when
   * the query is built for a run (with facts); else `(sql)` inline.
   */
  own(sql: string): string {
    const facts = this.counter.facts;
    if (!facts) return `(${sql})`;
    // The same rows asked for twice in one query (a decision set read by the row and by its list's
    // elements) are one table.
    let t = this.counter.own.get(sql);
    if (t === undefined) {
      t = facts.own(sql);
      this.counter.own.set(sql, t);
    }
    this.counter.tables.add(t);
    return t;
  }
  /**
   * Rows that read the stored decisions of `policy` (`sql`): in a family run, one table for every
   * query of another policy that reads them (facts.ts: those queries run after that policy's, or
   * that policy is not in the family, so its decisions no longer change); else, in a run, a table
   * of the query's own (a policy reading its own decisions reads an earlier run); inline otherwise.
   */
  decisions(policy: string, sql: string): string {
    if (!this.counter.facts) return `(${sql})`;
    return (policy !== this.counter.policy ? this.shared(sql) : undefined) ?? this.own(sql);
  }
  /**
   * A derived table over the registry that the query reads and its run reads again (a pruned
   * run's count of its rows): the family's shared table when there is one, else a table of the
   * run's own (made once, before the query), inline without a run.
   */
  stored(sql: string): string {
    return (shareable(sql) ? this.shared(sql) : undefined) ?? this.own(sql);
  }
  /** The family's table holding the rows of `sql`, registered as read by this query; undefined when there is none. */
  private shared(sql: string): string | undefined {
    const t = this.counter.facts?.table(sql);
    if (t !== undefined) this.counter.tables.add(t);
    return t;
  }
  /** The clause of the join under `key` (written). */
  clause(key: string): string {
    const c = this.clauses.get(key);
    if (c === undefined) throw new Error(`input builder: the join ${key} was never written`);
    return c;
  }
  /** The alias of the join under `key`, reserved when new: a later `add` under the key writes its clause. */
  alias(key: string): string {
    let a = this.aliases.get(key);
    if (a === undefined) {
      a = `__j${++this.counter.n}`;
      this.aliases.set(key, a);
      this.clauses.set(key, undefined);
    }
    return a;
  }
  add(key: string, clause: (alias: string) => string): string {
    const a = this.alias(key);
    if (this.clauses.get(key) === undefined) this.clauses.set(key, clause(a));
    return a;
  }
  child(): Joins { return new Joins(this.counter); }
  /** Whether the query is built for a run (a family's or its own facts): `own` then makes tables. */
  inRun(): boolean { return this.counter.facts !== undefined; }
  /** Joins to try a field on and throw away: its derived tables are written inline, never registered as tables to make. */
  scratch(): Joins { return Joins.inline(this.counter.policy, this.counter.n); }
  /** Joins that write every derived table inline (no run): for trying fields. */
  static inline(policy: string, n = 0): Joins { return new Joins({ n, tables: new Set(), own: new Map(), policy }); }
  /** Whether no join was added at this level. */
  empty(): boolean { return this.clauses.size === 0; }
  has(key: string): boolean { return this.aliases.has(key); }
  /** The joins' clauses, but the one under `except`. */
  sql(except?: string): string {
    return [...this.clauses].filter(([key]) => key !== except).map(([key, c]) => {
      if (c === undefined) throw new Error(`input builder: the join ${key} was referred to but never written`);
      return c;
    }).join('\n  ');
  }
}

export interface InputBuilder {
  entity: Entity;
  /** Policies whose stored decisions this builder reads (run them first). */
  reads: string[];
}

/** Facts the registry lacks, and what the builders use instead (also shown in run summaries). */
export const PLACEHOLDERS: Record<string, string> = {
  voluntary: 'the registry does not record whether a stay in an institution is voluntary: taken as true',
  institutionDays: 'the registry has no admission date: days since the earliest history snapshot of the current unbroken run of living_arrangement = institution (0 when not in an institution)',
  daysInCare: 'the registry has no admission date: days since the earliest history snapshot of the current unbroken run of living_arrangement = institution (0 when not in an institution)',
  monthlyCareFee: 'the registry has no care fees: the sum of current finance items of category care-fee (0 when none)',
  vehicles: 'vehicles are counted from current finance asset items of category vehicle',
  monthlyIncome: 'income items are taken as monthly amounts (the demo city writes them with note "monthly")',
  educationSpending12m: 'no education-spending feed or registry field yet: taken as 0',
};

export const BUILDERS: Record<string, InputBuilder> = {
  'tianjin/dibao': { entity: 'household', reads: [] },
  'tianjin/dibao-edge': { entity: 'household', reads: [] },
  'tianjin/severe-disability-care-allowance': { entity: 'person', reads: [] },
  // tekun reads itself: a supporter's tekun category comes from an earlier run.
  'tianjin/tekun': { entity: 'person', reads: ['tianjin/dibao', 'tianjin/dibao-edge', 'tianjin/tekun'] },
  'tianjin/rigid-expenditure-hardship': { entity: 'household', reads: ['tianjin/dibao', 'tianjin/dibao-edge', 'tianjin/tekun'] },
  'tianjin/disability-living-allowance': { entity: 'person', reads: ['tianjin/dibao', 'tianjin/dibao-edge', 'tianjin/tekun'] },
  'tianjin/concentrated-care-subsidy': { entity: 'person', reads: ['tianjin/dibao'] },
  'tianjin/elder-alone-guard': { entity: 'person', reads: ['tianjin/dibao', 'tianjin/tekun', 'tianjin/dibao-edge'] },
  // The rules package's fixtures, while policies/tianjin is being written.
  'tianjin.assistance.dibao-tier': { entity: 'household', reads: [] },
  'tianjin.eldercare.concentrated-care-subsidy': { entity: 'person', reads: ['tianjin/dibao'] },
};

export function builderFor(publicId: string, policy: Policy): InputBuilder | undefined {
  return BUILDERS[publicId] ?? BUILDERS[policy.id];
}

/** Named sets of policies run together (`policy run --family NAME`), in `runOrder`. */
export const FAMILIES: Record<string, readonly string[]> = {
  // The assistance family of the issue (household- or person-level as each rule is).
  assistance: ['tianjin/dibao', 'tianjin/dibao-edge', 'tianjin/tekun', 'tianjin/rigid-expenditure-hardship',
    'tianjin/disability-living-allowance', 'tianjin/severe-disability-care-allowance'],
  // The assistance family and the eldercare policies that read its decisions.
  all: ['tianjin/dibao', 'tianjin/dibao-edge', 'tianjin/tekun', 'tianjin/rigid-expenditure-hardship',
    'tianjin/disability-living-allowance', 'tianjin/severe-disability-care-allowance',
    'tianjin/concentrated-care-subsidy', 'tianjin/elder-alone-guard'],
};

/**
 * The ids in an order where every policy runs after the others of the list whose decisions its
 * builder reads (a policy reading itself reads an earlier run); otherwise in the given order.
 * Throws on a cycle between different policies.
 */
export function runOrder(ids: readonly string[]): string[] {
  const set = new Set(ids);
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (id: string, path: string[]): void => {
    if (done.has(id)) return;
    if (path.includes(id)) throw new Error(`policies read each other's decisions: ${[...path, id].join(' -> ')}`);
    for (const r of BUILDERS[id]?.reads ?? []) if (r !== id && set.has(r)) visit(r, [...path, id]);
    done.add(id);
    out.push(id);
  };
  for (const id of ids) visit(id, []);
  return out;
}

// ---- SQL pieces over a person alias ----

export type FinanceCol = 'income' | 'asset' | 'vehicles' | 'care_fee';
/**
 * Which current items a finance total counts, and what it adds up for each, over the typed columns
 * of one item (migration 066: `${p}.finance0_kind` … for the first, `finance1_*` for the second).
 */
const FINANCE_ITEM: Record<FinanceCol, { when: (x: string) => string; value: (x: string) => string }> = {
  income: { when: (x) => `${x}_kind = 'income'`, value: (x) => `${x}_amount` },
  asset: { when: (x) => `${x}_kind = 'asset'`, value: (x) => `${x}_amount` },
  vehicles: { when: (x) => `${x}_kind = 'asset' AND ${x}_category = 'vehicle'`, value: () => '1::numeric' },
  care_fee: { when: (x) => `${x}_category = 'care-fee'`, value: (x) => `${x}_amount` },
};
/**
 * One finance total of a person, over the current items of `finance` (period from <= the date, no
 * end or an end >= it), as an expression: the usual person has no, one or two finance items,
 * summed inline from the typed columns the database keeps of the first two (migration 066); more
 * go to policy_finance_total (migration 065: the same sums over the jsonb list in a PARALLEL SAFE
 * function; finance.test.ts holds both to the sums over all items), over `finance_more` (migration
 * 068: the list itself when it has more than two items), so that every column a total reads is
 * in the index of a household's members (person_members_idx: the members table is an index-only
 * scan). Inline, a total costs a few comparisons instead of a function scan and an aggregate per
 * person: tekun's per-supporter pass over the 13.6 M-person city took 26 s with the lateral join
 * this replaces and 11 s inline over the jsonb (2026-11-28); a total read out of the jsonb itself
 * cost ~0.48 µs a person.
 */
export const finance = (p: string, on: string, col: FinanceCol): string => {
  const f = FINANCE_ITEM[col];
  const item = (i: number): string => {
    const x = `${p}.finance${i}`;
    return `CASE WHEN ${f.when(x)} AND ${x}_from <= ${on} AND (${x}_to IS NULL OR ${x}_to >= ${on}) THEN ${f.value(x)} END`;
  };
  return `(CASE ${p}.finance_count WHEN 0 THEN 0::numeric WHEN 1 THEN coalesce(${item(0)}, 0)
    WHEN 2 THEN coalesce(${item(0)} + ${item(1)}, ${item(0)}, ${item(1)}, 0) ELSE policy_finance_total(${p}.finance_more, ${on}, '${col}') END)`;
};

const age = (p: string, on: string): string => `extract(year from age(${on}::date, ${p}.birth_date))::int`;
/**
 * A date column as the policy's date text: always a valid date (years 1000–9999, as the policies'
 * date type requires) or NULL (then the input is invalid, as the text of any other year would
 * be), so the compiled query need not check it (`checked` in inputRelation). The cast prints
 * YYYY-MM-DD because every connection sets DateStyle ISO (db.ts); `to_char(col, 'YYYY-MM-DD')`
 * cost ~0.28 µs a row against ~0.07 (3.8 s of a pass over 13.6 M persons, measured 2026-11-29).
 */
const dateText = (col: string): string => `CASE WHEN ${col} BETWEEN '1000-01-01' AND '9999-12-31' THEN ${col}::text END`;
const living = (p: string, on: string): string => `(${p}.deceased_on IS NULL OR ${p}.deceased_on > ${on}::date) AND ${p}.birth_date <= ${on}::date`;
const enumHas = (ty: Ty, v: string): boolean => ty.k === 'string' && (ty.enum?.includes(v) ?? false);

/**
 * The stored latest verdicts of a policy for entities on or before the date (migration 060,
 * `policy_latest_verdicts`: the latest done run covering the entity, and its row there): only
 * entities found eligible or in error appear; an entity absent is not eligible (ADR 0004).
 */
const latestDecisions = (policyId: string, entity: Entity, on: string): string =>
  `SELECT __v.entity_id, __v.eligible FROM policy_latest_verdicts(${sqlQuote(policyId)}, '${entity}', ${on}::date) __v`;
/** The rows of a policy's latest decisions on a date (YYYY-MM-DD) as the later policies of a family read them (Joins.decisions). */
export const decisionsSql = (policyId: string, entity: Entity, on: string): string => latestDecisions(policyId, entity, sqlQuote(on));
/**
 * Whether the latest decision of a policy for an entity on or before the date is eligible (false
 * when there is none, it is not eligible, or an error). In a run, the decisions are a table made
 * before the query (Joins.decisions): joined inline, every parallel worker built its own hash of
 * them (988,367 dibao-edge households three times over on 2 cores: 8 of rigid-expenditure's 15 s,
 * 2026-11-28).
 */
const latestEligible = (j: Joins, policyId: string, entity: Entity, idExpr: string, on: string): string => {
  const a = j.add(`latest:${policyId}:${entity}:${idExpr}`, (a) => `LEFT JOIN ${j.decisions(policyId, latestDecisions(policyId, entity, on))} AS ${a} ON ${a}.entity_id = ${idExpr}`);
  return `coalesce(${a}.eligible, false)`;
};

/**
 * (person_id, supporter_id) for every legal supporter a person has in the registry, de-duplicated
 * (see the header for who counts): relations across households and the household's own relations.
 */
const HOUSEHOLD_DUTIES = `(('head', 'spouse'), ('spouse', 'head'), ('head', 'child'), ('spouse', 'child'),
         ('child', 'head'), ('child', 'spouse'), ('head', 'parent'), ('parent', 'head'))`;
const SUPPORTER_EDGES = `(SELECT __pr.person_id, __pr.related_person_id AS supporter_id FROM person_relation __pr WHERE __pr.kind IN ('spouse', 'child', 'supporter')
     UNION SELECT __pr.related_person_id, __pr.person_id FROM person_relation __pr WHERE __pr.kind IN ('spouse', 'child')
     UNION SELECT __ha.id, __hb.id FROM person __ha JOIN person __hb ON __hb.household_id = __ha.household_id AND __hb.id <> __ha.id
       WHERE (__ha.household_relation, __hb.household_relation) IN ${HOUSEHOLD_DUTIES})`;
/**
 * The supporters of the edges (SUPPORTER_EDGES) whose person is in `keys` or whose supporter is in
 * `supporters` (two tables of persons: id, household_id, household_relation), as the supporters'
 * person rows with the supported person's id in `__key`: a pruned run reads 3.3 M of the city's
 * 21 M edges, those of the 2.1 M persons whose own facts leave them a chance. Repeats are kept:
 * an edge found twice (a spouse relation and the household's head and spouse) gives its supporter
 * twice, which only a policy reading the list as a set may be given (rules ColumnList.setLike;
 * UNION ALL: the edges are never sorted to remove repeats). `__kept`: the row was found through
 * `keys` (else only through `supporters`). Each supporter row comes from the
 * branch that finds it (the household's members are the person rows that branch scans anyway)
 * instead of joining the edges to all 13.6 M persons afterwards (a hash of the whole person
 * table, spilled in 512 batches: tekun's aggregates table 16 -> 9.5 s, 2026-11-28).
 */
const supporterRows = (keys: string, supporters: string): string => `(SELECT __pr.person_id AS __key, true AS __kept, __sp.* FROM person_relation __pr JOIN ${keys} __k ON __k.id = __pr.person_id
       JOIN person __sp ON __sp.id = __pr.related_person_id WHERE __pr.kind IN ('spouse', 'child', 'supporter')
     UNION ALL SELECT __pr.related_person_id, true, __sp.* FROM person_relation __pr JOIN ${keys} __k ON __k.id = __pr.related_person_id
       JOIN person __sp ON __sp.id = __pr.person_id WHERE __pr.kind IN ('spouse', 'child')
     UNION ALL SELECT __ha.id, true, __hb.* FROM ${keys} __ha JOIN person __hb ON __hb.household_id = __ha.household_id AND __hb.id <> __ha.id
       WHERE (__ha.household_relation, __hb.household_relation) IN ${HOUSEHOLD_DUTIES}
     UNION ALL SELECT __pr.person_id, false, __sp.* FROM person_relation __pr JOIN ${supporters} __s ON __s.id = __pr.related_person_id
       JOIN person __sp ON __sp.id = __pr.related_person_id WHERE __pr.kind IN ('spouse', 'child', 'supporter')
     UNION ALL SELECT __pr.related_person_id, false, __sp.* FROM person_relation __pr JOIN ${supporters} __s ON __s.id = __pr.person_id
       JOIN person __sp ON __sp.id = __pr.person_id WHERE __pr.kind IN ('spouse', 'child')
     UNION ALL SELECT __ha.id, false, __sp.* FROM person __ha JOIN ${supporters} __hb ON __hb.household_id = __ha.household_id AND __hb.id <> __ha.id
       JOIN person __sp ON __sp.id = __hb.id WHERE (__ha.household_relation, __hb.household_relation) IN ${HOUSEHOLD_DUTIES})`;

/** The months the medical-spending field sums (its name says 12). */
const MEDICAL_MONTHS = 12;

/** Ability level (能力等级) as the policy spells disability: the registry's words, or none..total. */
const disability = (p: string) => (ty: Ty): string => enumHas(ty, 'complete') || enumHas(ty, 'intact')
  ? `coalesce(${p}.ability_level, 'intact')`
  : `CASE coalesce(${p}.ability_level, 'intact') WHEN 'intact' THEN 'none' WHEN 'complete' THEN 'total' ELSE ${p}.ability_level END`;

const hukou = (p: string) => (ty: Ty): string => enumHas(ty, 'tianjin')
  ? `CASE WHEN ${p}.hukou_region LIKE '12%' THEN 'tianjin' ELSE 'other' END`
  : `(${p}.hukou_region LIKE '12%')`;

function personLib(p: string, on: string, j: Joins): FieldLib {
  const dibaoEligible = (): string => latestEligible(j, 'tianjin/dibao', 'household', `${p}.household_id`, on);
  const tekun = (): string => latestEligible(j, 'tianjin/tekun', 'person', `${p}.id`, on);
  const edge = (): string => latestEligible(j, 'tianjin/dibao-edge', 'household', `${p}.household_id`, on);
  const inInstitution = `${p}.living_arrangement = 'institution'`;
  const institutionDays = `CASE WHEN ${inInstitution} THEN greatest(0, ${on}::date - coalesce((
      SELECT min((__h.changed_at AT TIME ZONE 'Asia/Shanghai')::date) FROM person_history __h
      WHERE __h.person_id = ${p}.id
        AND __h.version > coalesce((SELECT max(__x.version) FROM person_history __x WHERE __x.person_id = ${p}.id
          AND coalesce(__x.after->>'livingArrangement', '') <> 'institution'), 0)), ${on}::date)) ELSE 0 END`;
  // A living spouse: a spouse relation on either side to a person living on the date, or a living
  // spouse (head) in the household of a head (spouse). A widow(er) whose relation to the late
  // spouse is still recorded has no spouse (the guard's target group). A person without household
  // and without relation gets false.
  const spouse = (): string => {
    const r = j.add('spouse-relation', (a) => `LEFT JOIN ${j.derived(`SELECT __sr.person_id AS id FROM person_relation __sr JOIN person __sp ON __sp.id = __sr.related_person_id
         WHERE __sr.kind = 'spouse' AND ${living('__sp', on)}
       UNION SELECT __sr.related_person_id FROM person_relation __sr JOIN person __sp ON __sp.id = __sr.person_id
         WHERE __sr.kind = 'spouse' AND ${living('__sp', on)}`)} AS ${a} ON ${a}.id = ${p}.id`);
    const h = j.add('head-spouse', (a) => `LEFT JOIN ${j.derived(`SELECT __s.household_id, bool_or(__s.household_relation = 'spouse') AS spouse, bool_or(__s.household_relation = 'head') AS head
       FROM person __s WHERE __s.household_relation IN ('head', 'spouse') AND ${living('__s', on)} GROUP BY __s.household_id`)} AS ${a} ON ${a}.household_id = ${p}.household_id`);
    return `(${r}.id IS NOT NULL
      OR (${p}.household_relation = 'head' AND coalesce(${h}.spouse, false))
      OR (${p}.household_relation = 'spouse' AND coalesce(${h}.head, false)))`;
  };
  return {
    birthDate: dateText(`${p}.birth_date`),
    age: age(p, on),
    sex: `${p}.sex`,
    hukou: hukou(p),
    hukouTianjin: `(${p}.hukou_region LIKE '12%')`,
    hukouRegion: `${p}.hukou_region`,
    residenceCommunity: `${p}.residence_community`,
    residenceStreet: `left(${p}.residence_community, 9) || '000'`,
    streetCode: `left(${p}.residence_community, 9) || '000'`,
    residenceDistrict: `left(${p}.residence_community, 6) || '000000'`,
    disability: disability(p),
    abilityLevel: disability(p),
    disabilityCategory: `${p}.disability_category`,
    disabilityGrade: `${p}.disability_grade`,
    livingArrangement: `${p}.living_arrangement`,
    livesAlone: `coalesce(${p}.living_arrangement = 'alone', false)`,
    monthlyIncome: finance(p, on, 'income'),
    financialAssets: finance(p, on, 'asset'),
    vehicles: finance(p, on, 'vehicles'),
    hasSpouse: spouse,
    dibaoFamily: dibaoEligible,
    dibaoFamilyMember: dibaoEligible,
    tekun,
    dibaoEdge: edge,
    assistance: { oneOf: ['tekun', 'dibao', 'dibao-edge', 'none'], sql: () => `CASE WHEN ${tekun()} THEN 'tekun' WHEN ${dibaoEligible()} THEN 'dibao' WHEN ${edge()} THEN 'dibao-edge' ELSE 'none' END` },
    institutionDays,
    daysInCare: institutionDays,
    inInstitution: `coalesce(${inInstitution}, false)`,
    voluntary: 'true',
    monthlyCareFee: finance(p, on, 'care_fee'),
    supporters: {
      list: {
        from: `${SUPPORTER_EDGES} AS __se JOIN person __su ON __su.id = __se.supporter_id`,
        where: living('__su', on), key: '__se.person_id', parentKey: `${p}.id`, alias: '__su', orderBy: '__su.id',
        lib: (s, o, sj) => personLib(s, o, sj),
        // A supporter's category and income once per person, not once per person they support.
        entities: {
          from: 'person __su', edges: `${SUPPORTER_EDGES} AS __se`, edgeKey: '__se.person_id', edgeId: '__se.supporter_id',
          rows: (keys, elements) => `${supporterRows(keys, elements)} AS __su`,
          table: 'person',
        },
      },
    },
    children: {
      list: {
        // __cp: the parent, for the fields that compare a child with its parent.
        from: `person_relation __cr JOIN person __c ON __c.id = __cr.related_person_id JOIN person __cp ON __cp.id = __cr.person_id`,
        where: `__cr.kind = 'child' AND ${living('__c', on)}`, key: '__cr.person_id', parentKey: `${p}.id`,
        alias: '__c', orderBy: '__c.id',
        lib: (c, o) => ({
          birthDate: dateText(`${c}.birth_date`),
          age: age(c, o),
          residenceStreet: `left(${c}.residence_community, 9) || '000'`,
          street: `left(${c}.residence_community, 9) || '000'`,
          streetCode: `left(${c}.residence_community, 9) || '000'`,
          sameStreet: `coalesce(left(${c}.residence_community, 9) = left(__cp.residence_community, 9), false)`,
          livesWithParent: `coalesce(${c}.household_id = __cp.household_id, false)`,
        }),
      },
    },
  };
}

/**
 * `membersKey`: the join key of the members list's aggregates when the query reduces that list to
 * aggregates (columns): the size and finance totals are then summed in the same grouped pass over
 * the living members (ListSource.extras) instead of a second one.
 */
function householdLib(h: string, on: string, j: Joins, membersKey?: string): FieldLib {
  const head = `(SELECT __hd.hukou_region FROM person __hd WHERE __hd.household_id = ${h}.id AND __hd.household_relation = 'head' LIMIT 1)`;
  // Size and finance sums of the living members of every household, in one grouped pass (the
  // members list's own, when it has one: membersKey).
  const sums = new Set<'n' | FinanceCol>();
  const totals = (col: 'n' | FinanceCol): string => {
    if (membersKey !== undefined) {
      sums.add(col);
      return `coalesce(${j.alias(membersKey)}.__t_${col}, 0)`;
    }
    return `coalesce(${j.add('member-totals', (a) => `LEFT JOIN ${j.derived(`SELECT __hm.household_id, count(*) AS n,
       sum(${finance('__hm', on, 'income')}) AS income, sum(${finance('__hm', on, 'asset')}) AS asset, sum(${finance('__hm', on, 'vehicles')}) AS vehicles
     FROM person __hm
     WHERE ${living('__hm', on)} GROUP BY __hm.household_id`)} AS ${a} ON ${a}.household_id = ${h}.id`)}.${col}, 0)`;
  };
  // Whether a living member's latest tekun decision is eligible. In a run: a join to a table of
  // the run's own holding those households once each (made before the query, so no aggregate in
  // it). Inline: a hashed membership test, not a DISTINCT joined to every household (the
  // DISTINCT's hash aggregate, fed by parallel workers' partial ones, stalled a rigid-expenditure
  // run on the 13.6 M city for minutes in that node: seen with gdb, 2026-11-28). In a run, the
  // membership test over the table is no option either: its 285,881 households do not fit a hashed
  // subplan in work_mem, and the plain subplan scanned them once per household (a run of minutes).
  const tekunMembers = (distinct: boolean): string => `SELECT ${distinct ? 'DISTINCT ' : ''}__tm.household_id FROM person __tm
       JOIN (${latestDecisions('tianjin/tekun', 'person', on)}) AS __td ON __td.entity_id = __tm.id
     WHERE __td.eligible AND __tm.household_id IS NOT NULL AND ${living('__tm', on)}`;
  const tekunMember = (): string => j.inRun()
    ? `${j.add('tekun-member', (a) => `LEFT JOIN ${j.decisions('tianjin/tekun', tekunMembers(true))} AS ${a} ON ${a}.household_id = ${h}.id`)}.household_id IS NOT NULL`
    : `${h}.id IN (${tekunMembers(false)})`;
  // feed_row.household_id is its person's current household (migration 061, kept by triggers):
  // the same households a join to person gives, without joining 13.6 M rows. out_of_pocket is
  // data.outOfPocket as a generated column, and the medical rows' household index holds it with
  // the date (migration 067): the sums read that index alone, not the whole feed table.
  const medical = (): string => j.add('medical-12m', (a) => `LEFT JOIN ${j.own(`SELECT __r.household_id, sum(__r.out_of_pocket) AS v
     FROM feed_row __r
     WHERE __r.feed_type = 'medical' AND __r.event_date > (${on}::date - interval '${MEDICAL_MONTHS} months')::date AND __r.event_date <= ${on}::date
       AND __r.household_id IS NOT NULL AND ${chunked('__r.household_id')}
     GROUP BY __r.household_id`)} AS ${a} ON ${a}.household_id = ${h}.id`);
  return {
    assistance: { oneOf: ['tekun', 'dibao', 'dibao-edge', 'none'], sql: () => `CASE WHEN ${tekunMember()} THEN 'tekun'
      WHEN ${latestEligible(j, 'tianjin/dibao', 'household', `${h}.id`, on)} THEN 'dibao'
      WHEN ${latestEligible(j, 'tianjin/dibao-edge', 'household', `${h}.id`, on)} THEN 'dibao-edge' ELSE 'none' END` },
    medicalOutOfPocket12m: () => `coalesce(${medical()}.v, 0)`,
    educationSpending12m: '0',
    registeredIn: (ty) => enumHas(ty, 'tianjin') ? `CASE WHEN ${head} LIKE '12%' THEN 'tianjin' ELSE 'other' END` : `coalesce(${head} LIKE '12%', false)`,
    residenceCommunity: `${h}.residence_community`,
    size: () => totals('n'),
    monthlyIncome: () => totals('income'),
    financialAssets: () => totals('asset'),
    vehicles: () => totals('vehicles'),
    members: {
      list: {
        // Grouped by household: made in parts on PostgreSQL (facts.ts, chunked).
        from: 'person __m', where: `${living('__m', on)} AND ${chunked('__m.household_id')}`, key: '__m.household_id', parentKey: `${h}.id`,
        alias: '__m', orderBy: `(__m.household_relation = 'head') DESC, __m.id`,
        lib: (m, o, mj) => ({
          ...personLib(m, o, mj),
          relation: (ty: Ty) => enumHas(ty, 'head') ? `${m}.household_relation`
            : `CASE ${m}.household_relation WHEN 'head' THEN 'applicant' WHEN 'grandparent' THEN 'parent' WHEN 'child-in-law' THEN 'child' ELSE ${m}.household_relation END`,
        }),
        extras: (m, o, mj) => [...sums].map((c) => c === 'n'
          ? { col: '__t_n', elem: '1', agg: 'count(*)' }
          : { col: `__t_${c}`, elem: finance(m, o, c), agg: `sum(__el.__t_${c})` }),
      },
    },
  };
}

/**
 * Builds `jsonb_build_object(...)` with exactly the declared fields, adding the joins they need to
 * `joins` (this level); collects the missing ones.
 */
function project(ty: ObjTy, lib: FieldLib, on: string, path: string, missing: string[], used: Set<string>, joins: Joins): string {
  const parts: string[] = [];
  for (const [name, f] of Object.entries(ty.fields)) {
    const sql = fieldSql(name, f, lib, on, path, missing, used, joins);
    if (sql !== undefined) parts.push(`${sqlQuote(name)}, ${sql}`);
  }
  return `jsonb_build_object(${parts.join(', ')})`;
}

/**
 * The SQL of one declared field as the JSON input holds it (a list of records as jsonb), adding
 * the joins it needs; undefined when the library lacks it (a required one is noted as missing).
 */
function fieldSql(name: string, f: { ty: Ty; optional: boolean }, lib: FieldLib, on: string, path: string, missing: string[], used: Set<string>, joins: Joins): string | undefined {
  const src = lib[name];
  const p = `${path}.${name}`;
  if (src === undefined) {
    if (!f.optional) missing.push(p);
    return undefined;
  }
  if (PLACEHOLDERS[name]) used.add(name);
  if (typeof src === 'string') return src;
  if (typeof src === 'function') return src(f.ty);
  if ('oneOf' in src) return src.sql();
  const elem = f.ty.k === 'list' ? f.ty.of : undefined;
  if (!elem || elem.k !== 'object') { missing.push(`${p} (the registry gives a list of records here)`); return undefined; }
  const l = src.list;
  const innerJoins = joins.child();
  const inner = project(elem, l.lib(l.alias, on, innerJoins), on, `${p}[]`, missing, used, innerJoins);
  const a = joins.add(`list:${p}`, (a) => `LEFT JOIN (SELECT ${l.key} AS key, jsonb_agg(${inner} ORDER BY ${l.orderBy}) AS v
     FROM ${l.from} ${innerJoins.sql()} WHERE ${l.where} GROUP BY ${l.key}) AS ${a} ON ${a}.key = ${l.parentKey}`);
  return `coalesce(${a}.v, '[]'::jsonb)`;
}

/** A field's value as a column of the plan: typed (cast) or as the jsonb the JSON input holds. */
function columnSql(c: ColumnField, sql: string | undefined): string {
  if (sql === undefined) return `NULL::${c.sqlType}`;
  return c.sqlType === 'jsonb' ? `to_jsonb(${sql})` : `(${sql})::${c.sqlType}`;
}

/**
 * What a pruned run (rules `pruning`) needs: the rules' pruning, the row's library over another
 * alias of its table, and the fields it defers (`deferred`: vouched for, and read through joins).
 */
interface PruneContext {
  pruning: Pruning; libAt: (alias: string, j: Joins) => FieldLib; deferred: ReadonlySet<string>;
  /**
   * Whether the row's lists are its own (rules `pruning`'s `ownLists`: a household's members,
   * whose aggregates every household reads): the run is pruned on its deferred fields, over the
   * row's columns and those aggregates.
   */
  ownLists: boolean;
  /** The run's scope over a row alias as SQL without parameters, when it can be written into a table's SQL (PrunedRows). */
  inScope?: ((alias: string) => string) | undefined;
}

/**
 * A pruned run whose rows are read from its own tables (projectColumns): the rows that need the
 * list are the table `keys`, which holds their own columns (every plan field, by column name),
 * and the aggregates of the list are `table`, joined under `alias` in the query's joins; the rows
 * that are decided only because of a bad element are those of `table` whose `__kept` is false.
 */
interface PrunedRows { keys: string; table: string; alias: string; aggregates: readonly string[] }

/**
 * The plan's fields a pruned run may defer (rules `pruning`): required, vouched for by the
 * library (`oneOf`: never NULL, always a value the policy accepts) and read through joins (a
 * person's or a household's assistance category: three sets of stored decisions). A run then
 * joins them only for the rows whose other fields leave them a chance.
 */
function deferrable(plan: ColumnPlan, lib: FieldLib): string[] {
  return plan.fields.filter((f) => {
    const src = lib[f.name];
    return !f.optional && typeof src === 'object' && 'oneOf' in src && vouched(f.ty, src.oneOf);
  }).map((f) => f.name);
}

/** Whether a declared type accepts every value an expression can take (`oneOf`, never NULL). */
const vouched = (ty: Ty, oneOf: readonly string[]): boolean =>
  ty.k === 'string' && !ty.date && (!ty.enum || oneOf.every((v) => ty.enum?.includes(v) ?? false));

/**
 * The SQL of each column over a person row's alias without joins, or undefined when a column needs
 * a join (a decision, a spouse…) and is not vouched for (`vouch`: whether a source may be left out).
 */
function inlineColumns(fields: readonly ColumnField[], libAt: (j: Joins) => FieldLib, on: string, joins: Joins,
  vouch: (c: ColumnField, src: FieldSource | undefined) => boolean): Map<string, string | undefined> | undefined {
  const out = new Map<string, string | undefined>();
  for (const c of fields) {
    const j = joins.scratch();
    const lib = libAt(j);
    const sql = fieldSql(c.name, c, lib, on, '', [], new Set(), j);
    if (j.empty()) out.set(c.col, columnSql(c, sql));
    else if (vouch(c, lib[c.name])) out.set(c.col, undefined);
    else return undefined;
  }
  return out;
}

/**
 * A pruned run's two relations over one table of its own for a list of entities reached through
 * edges (id, household_id, household_relation of the living entities): the parents that need the
 * list (the rules' `needed` over their own columns, in the run's scope) and the entities that
 * would be a bad element (`bad` over their element columns). Each column is computed once per row in a fenced pass, and the
 * test reads the pass's fence column so that PostgreSQL does not push it down into the pass,
 * copying the columns' expressions into it (a bare policy_fence() there is inlined to true
 * first: the test then cost 30 s instead of a few over the 13.6 M-person city).
 * Undefined when a column needs a join (a decision, a spouse…) that is not vouched for.
 */
function pruneTables(prune: PruneContext, plan: ColumnPlan, list: ColumnPlan['lists'][number], l: ListSource & { entities: NonNullable<ListSource['entities']> },
  on: string, joins: Joins): { keys: string; elements: string; withColumns: boolean } | undefined {
  const own = inlineColumns(plan.fields, (j) => prune.libAt('__kp', j), on, joins, () => false);
  const elem = inlineColumns(list.elemFields, (j) => l.lib('__kp', on, j), on, joins,
    (c, src) => typeof src === 'object' && 'oneOf' in src && vouched(c.ty, src.oneOf));
  if (!own || !elem) return undefined;
  const given = (cols: Map<string, string | undefined>): string[] => [...cols].filter(([, sql]) => sql !== undefined).map(([col]) => col);
  // An element column computed the same way as an own column (tekun: the person's income and
  // a supporter's) is read from the own column: computed once per row.
  const sameAs = new Map<string, string>();
  for (const col of given(elem)) {
    const twin = given(own).find((c) => own.get(c) === elem.get(col));
    if (twin !== undefined) sameAs.set(col, twin);
  }
  const bad = prune.pruning.bad(list.name, (col) => (elem.get(col) === undefined ? undefined : `__ky.${sameAs.get(col) ?? col}`));
  if (bad === undefined) return undefined;
  // One pass over the entities' rows for both: the own and element columns computed once per row
  // in a fenced pass, the two tests over its columns, and the rows that pass either kept with
  // their own columns (a run reads those of the rows that need the list from here, PrunedRows,
  // when the run's scope can be written in) and which test they passed. Two passes read the
  // 13.6 M person rows twice (2026-11-29: 25 s and 11 s on the run's machine).
  const cols = new Map([...given(own).map((c) => [c, own.get(c) as string] as const),
    ...given(elem).filter((c) => !sameAs.has(c)).map((c) => [c, elem.get(c) as string] as const)]);
  const withColumns = prune.inScope !== undefined;
  const inScope = withColumns ? (prune.inScope as (a: string) => string)('__kp') : 'true';
  const needed = prune.pruning.needed((col) => `__ky.${col}`);
  const both = joins.own(`SELECT ${['id', 'household_id', 'household_relation', ...(withColumns ? given(own) : []), '__needed', '__bad'].map((c) => `__kx.${c}`).join(', ')}
     FROM (SELECT __ky.*, CASE WHEN __ky.__ky__fence THEN __ky.__in AND (${needed}) END AS __needed, CASE WHEN __ky.__ky__fence THEN ${bad} END AS __bad
       FROM ${fenced(`SELECT __kp.id, __kp.household_id, __kp.household_relation, ${inScope} AS __in,
         ${[...cols].map(([col, sql]) => `${sql} AS ${col}`).join(', ')}
         FROM ${l.entities.table} __kp WHERE ${living('__kp', on)}`, '__ky')}) __kx
     WHERE __kx.__needed OR __kx.__bad`);
  return { keys: `(SELECT * FROM ${both} WHERE __needed)`, elements: `(SELECT * FROM ${both} WHERE __bad)`, withColumns };
}

/**
 * The elements of a pruned list (the edges of the rows that need it or of bad elements), with the
 * element's columns. In a run, when some columns read joins (a supporter's category: three sets of
 * stored decisions) and others do not, the elements and their columns that read the registry
 * only are a table of the run's own, made ahead of the run (facts.ts, registryOnly: it reads the
 * persons and the table of rows that need the list), and only the joins are left for when the
 * decisions are there: finding tekun's 3.3 M supporter rows is half of its aggregates' time and
 * no longer waits for dibao-edge's decisions (2026-11-29).
 */
function prunedElements(l: ListSource & { entities: NonNullable<ListSource['entities']> }, pruned: { keys: string; elements: string },
  elemSql: ReadonlyArray<{ c: ColumnField; sql: string }>, innerJoins: Joins, fromKeys: boolean, on: string, joins: Joins): string {
  const kept = fromKeys ? `${l.alias}.__kept AS __kept, ` : '';
  const whole = `SELECT ${l.alias}.__key AS key, ${kept}${elemSql.map(({ c, sql }) => `${sql} AS ${c.col}`).join(', ')}
     FROM ${l.entities.rows(pruned.keys, pruned.elements)} ${innerJoins.sql()} WHERE ${l.where}`;
  if (!joins.inRun() || innerJoins.empty()) return whole;
  // The columns that read no join, tried on joins of their own.
  const inline = new Set(elemSql.filter(({ c }) => {
    const j = joins.scratch();
    fieldSql(c.name, c, l.lib(l.alias, on, j), on, '', [], new Set(), j);
    return j.empty();
  }).map(({ c }) => c.col));
  if (inline.size === 0 || inline.size === elemSql.length) return whole;
  // The element's own columns that the joined columns and their joins read.
  const joined = [...elemSql.filter(({ c }) => !inline.has(c.col)).map(({ sql }) => sql), innerJoins.sql()].join(' ');
  const raw = [...new Set([...joined.matchAll(new RegExp(`\\b${l.alias}\\.([a-z_][a-z0-9_]*)`, 'g'))].map((m) => m[1] as string))];
  const table = joins.own(`SELECT ${[`${l.alias}.__key AS key`, ...(fromKeys ? [`${l.alias}.__kept AS __kept`] : []),
    ...raw.map((r) => `${l.alias}.${r} AS ${r}`), ...elemSql.filter(({ c }) => inline.has(c.col)).map(({ c, sql }) => `${sql} AS ${c.col}`)].join(', ')}
     FROM ${l.entities.rows(pruned.keys, pruned.elements)} WHERE ${l.where}`);
  return `SELECT ${l.alias}.key AS key, ${kept}${elemSql.map(({ c, sql }) => (inline.has(c.col) ? `${l.alias}.${c.col}` : sql) + ` AS ${c.col}`).join(', ')}
     FROM ${table} ${l.alias} ${innerJoins.sql()}`;
}

/**
 * The select list of a column-shaped input relation (see ColumnPlan in the rules package): each
 * plan field a column, each reduced list the aggregates of one grouped pass over its elements
 * (the same rows its jsonb list would hold), joined to the row. Undefined when a reduced list is
 * not a list of registry records here (then the JSON input is built instead).
 *
 * `prune`: a batch run that stores only eligible and error decisions gives a list of entities
 * reached through edges (tekun's supporters) only to the rows that need it or have an element
 * that could make them an error (rules `pruning`): the edges of the others are never read, and
 * the condition that a row is one of those goes into `rows` (the relation leaves out the others),
 * or, in a run whose scope is written into its tables, the tables it reads those rows from go
 * into `split` (PrunedRows: the relation reads them instead of the entity's table).
 */
function projectColumns(plan: ColumnPlan, lib: FieldLib, on: string, path: string, missing: string[], used: Set<string>, joins: Joins,
  prune?: PruneContext, rows: string[] = [], split: PrunedRows[] = []): string[] | undefined {
  const fieldCols = plan.fields.map((c) => [c.col, columnSql(c, fieldSql(c.name, c, lib, on, path, missing, used, joins))] as const);
  const cols = fieldCols.map(([col, sql]) => `${sql} AS ${col}`);
  // Each column of the row (plan fields, then list aggregates) as SQL over the query's joins.
  const ownRef = new Map<string, string>(fieldCols);
  for (const list of plan.lists) {
    const src = lib[list.name];
    const p = `${path}.${list.name}`;
    if (src === undefined) { missing.push(p); continue; }
    if (typeof src !== 'object' || !('list' in src)) return undefined;
    if (PLACEHOLDERS[list.name]) used.add(list.name);
    const l = src.list;
    const innerJoins = joins.child();
    const elemLib = l.lib(l.alias, on, innerJoins);
    const elemSql = list.elemFields.map((c) => {
      const esrc = elemLib[c.name];
      if (typeof esrc === 'object' && 'list' in esrc) { missing.push(`${p}[].${c.name} (the registry gives a list of records here)`); return { c, sql: 'NULL' }; }
      return { c, sql: columnSql(c, fieldSql(c.name, c, elemLib, on, `${p}[]`, missing, used, innerJoins)) };
    });
    const elemCols = elemSql.map(({ c, sql }) => `${sql} AS ${c.col}`);
    const extras = l.extras?.(l.alias, on, innerJoins) ?? [];
    const columns = [...elemCols, ...extras.map((x) => `${x.elem} AS ${x.col}`)].join(', ');
    // Pruned only when the policy reads the list as a set: the restricted elements keep repeats.
    const pruned = prune && l.entities && list.setLike && extras.length === 0 ? pruneTables(prune, plan, list, { ...l, entities: l.entities }, on, joins) : undefined;
    // Read from the run's own tables (PrunedRows): only one list, whose keys hold every own column.
    const fromKeys = pruned?.withColumns === true && plan.lists.length === 1;
    const elements = l.entities && pruned
      // Few edges: the element's columns per edge (the restricted edges are fewer than the persons).
      ? prunedElements(l as ListSource & { entities: NonNullable<ListSource['entities']> }, pruned, elemSql, innerJoins, fromKeys, on, joins)
      : l.entities
        ? `SELECT ${l.entities.edgeKey} AS key, __x.* FROM ${l.entities.edges}
           JOIN ${fenced(`SELECT ${l.alias}.id AS __id, ${columns} FROM ${l.entities.from} ${innerJoins.sql()} WHERE ${l.where}`, '__x')} ON __x.__id = ${l.entities.edgeId}`
        : `SELECT ${l.key} AS key, ${columns} FROM ${l.from} ${innerJoins.sql()} WHERE ${l.where}`;
    const aggregates = listAggregates(list, elements, [...extras.map((x) => ({ col: x.col, sql: x.agg })),
      // Whether a parent was reached as one that needs the list (else only through a bad element).
      ...(fromKeys ? [{ col: '__kept', sql: 'bool_or(__el.__kept)' }] : [])]);
    // Pruned, the aggregates are a table of the run's own, and the only rows decided are those
    // that need the list or have an element in it (any other is not eligible, without an error,
    // so it would not be stored): the query runs in parallel workers over a sixth of the persons.
    // With own lists the run reads the aggregates again to count its rows (inputRelation's total):
    // a table made once.
    const table = pruned ? joins.own(aggregates) : prune?.ownLists ? joins.stored(aggregates) : joins.derived(aggregates);
    // One IN over a UNION, a semi-join: `IN (…) OR IN (…)` is two subplans scanned per row when
    // the ids do not fit in work_mem (millions here).
    if (pruned && !fromKeys) rows.push(`${l.parentKey} IN (SELECT __r.id FROM ${pruned.keys} __r UNION SELECT __r.key FROM ${table} __r)`);
    const a = joins.add(`aggregates:${p}`, (a) => `LEFT JOIN ${table} AS ${a} ON ${a}.key = ${l.parentKey}`);
    for (const x of list.aggregates) {
      cols.push(`${a}.${x.col} AS ${x.col}`);
      ownRef.set(x.col, `${a}.${x.col}`);
    }
    if (pruned && fromKeys) split.push({ keys: pruned.keys, table, alias: a, aggregates: list.aggregates.map((x) => x.col) });
  }
  if (prune?.ownLists && prune.deferred.size > 0) {
    // Own lists (a household's members): the rows whose own columns and list aggregates leave
    // them a chance are the only ones decided; the joins of the deferred fields (the household's
    // category: three sets of stored decisions) and the compiled conditions then serve those
    // rows only (rigid expenditure: 5.5 M households, see docs/benchmarks.md).
    rows.push(prune.pruning.needed((col) => {
      const sql = ownRef.get(col);
      if (sql === undefined) throw new Error(`input builder: no column ${col} for the pruned run`);
      return sql;
    }));
  } else if (prune && plan.lists.length === 0) {
    // Deferred fields only, or none (rules `pruning`'s `alone`): the rows whose own fields leave
    // them a chance are the only ones decided, a test over the row alone that PostgreSQL applies
    // in the scan, before the joins and the compiled query's stages (disability-living-allowance:
    // 13.6 M persons, ~1 M with a certificate; severe-disability likewise).
    const own = inlineColumns(plan.fields.filter((f) => !prune.deferred.has(f.name)), (j) => prune.libAt('p', j), on, joins, () => false);
    if (own) rows.push(prune.pruning.needed((col) => own.get(col) as string));
  }
  return cols;
}

/** The count of a relation's rows (a pruned run's total), the same text wherever it is asked for (a shared fact). */
const countRows = (from: string, joins: string, where: string): string =>
  `SELECT count(*) AS n FROM ${from} ${joins} WHERE ${where}`;

/**
 * `json`: `(id, input jsonb)`; `columns`: typed columns where the policy allows (ColumnPlan);
 * `kept`: columns for a batch run that stores only eligible and error decisions, which may leave
 * out the rows whose own fields already decide them not eligible without an error (rules
 * `pruning`; InputSql.total then counts every row): the eligible and error rows are exactly those
 * of `columns`.
 */
export type InputShape = 'json' | 'columns' | 'kept';

export interface InputSql {
  sql: string;
  /** Set when `sql` is column-shaped (compile with `{ columns, checked }`); otherwise it yields `(id, input jsonb)`. */
  columns?: ColumnPlan;
  /** The date fields the relation guarantees valid (rules SqlOptions.checked). */
  checked: readonly string[];
  /** The shared-fact tables (facts.ts) `sql` reads: they must exist before it runs (SharedFacts.make). */
  facts: string[];
  /** Those of `facts` that are this query's own (SharedFacts.own): dropped when its run ends. */
  ownFacts: string[];
  /**
   * Set when `sql` leaves out rows that are decided not eligible without an error (shape `kept`):
   * a query counting every row the run decides (its `total`).
   */
  total?: string;
  entity: Entity;
  reads: string[];
  placeholders: Record<string, string>;
}

/**
 * The input relation of a policy over the registry in a scope; values of the scope go into
 * `params`, or into the SQL as quoted literals (`'literal'`). Throws a validation AppError when the
 * policy has no builder or asks for facts the registry cannot supply.
 *
 * `shape: 'columns'` (batch runs): when the policy allows (rules `columnPlan`), the relation gives
 * each declared field as a typed column and each list of records read only through aggregates as
 * those aggregates (one grouped pass over the same rows its jsonb list would hold), and `columns`
 * is set; compiled with it, the query never builds or reads back jsonb for those fields. The
 * values are the same facts the JSON input holds (decisions identical: compared by fingerprint
 * over every decision of a 200,000-person city, 2026-11-27).
 */
export function inputRelation(publicId: string, policy: Policy, on: string, scope: Scope, params: unknown[] | 'literal', shape: InputShape = 'json', facts?: SharedFacts): InputSql {
  const builder = builderFor(publicId, policy);
  if (!builder) {
    throw new AppError('validation', `policy ${publicId} has no registry input builder: it can be evaluated one input at a time, but not batch-run (add one in server/src/modules/policy/inputs.ts)`, { field: 'policy' });
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(on)) throw new AppError('validation', `on: expected a date YYYY-MM-DD`, { field: 'on' });
  const onSql = sqlQuote(on);
  const missing: string[] = [];
  const used = new Set<string>();
  const alias = builder.entity === 'person' ? 'p' : 'h';
  // Columns when asked and the policy can be read from columns (see ColumnPlan), else the JSON input.
  // Every birthDate the libraries build (the row's, and in lists of persons) is dateText.
  const checked = ['birthDate', ...Object.keys(policy.inputType.fields).map((f) => `${f}[].birthDate`)];
  let columns = shape !== 'json' ? columnPlan(policy, on, checked) : undefined;
  // A run may defer the vouched fields read through joins: a person run when the policy has no
  // reduced list (with lists, it prunes on the lists: pruneTables), a household run always, its
  // lists (the members) being its own: every household reads their aggregates.
  const ownLists = builder.entity === 'household' && columns ? columns.lists.map((l) => l.name) : [];
  const deferred = shape === 'kept' && columns && (builder.entity === 'household' || columns.lists.length === 0)
    ? deferrable(columns, builder.entity === 'person' ? personLib('p', onSql, Joins.inline('')) : householdLib('h', onSql, Joins.inline('')))
    : [];
  const scopeValues = params === 'literal' ? (v: readonly string[]): string => `ARRAY[${v.map(sqlQuote).join(', ')}]::text[]` : params;
  // A person run whose conditions read the row alone may leave out the rows they decide not
  // eligible when its rows are counted by a table the family shares anyway (the living persons,
  // counted for tekun and disability-living): alone, the count would be a pass of its own.
  // (Written once: scopeSql adds the scope's values to `params`.)
  const personWhere = builder.entity === 'person' ? `${living('p', onSql)} AND ${scopeSql(scope, 'p.residence_community', 'p.grid_id', scopeValues)}` : '';
  const alone = shape === 'kept' && builder.entity === 'person' && columns !== undefined && columns.lists.length === 0 && deferred.length === 0
    && facts !== undefined && facts.table(countRows('person p', '', personWhere)) !== undefined;
  const pruned = shape === 'kept' && (builder.entity === 'person' || deferred.length > 0) ? pruning(policy, on, checked, deferred, ownLists, alone) : undefined;
  const prune = pruned && {
    pruning: pruned, libAt: (alias: string, j: Joins) => personLib(alias, onSql, j), deferred: new Set(deferred), ownLists: ownLists.length > 0,
    inScope: params === 'literal' ? (a: string) => scopeSql(scope, `${a}.residence_community`, `${a}.grid_id`, scopeValues) : undefined,
  };
  const context = (): JoinContext => ({ n: 0, facts, tables: new Set(), own: new Map(), policy: publicId });
  let ctx = context();
  let joins = new Joins(ctx);
  const membersKey = columns?.lists.some((l) => l.name === 'members') ? `aggregates:${policy.entity}.members` : undefined;
  const libOf = (j: Joins, merged: boolean): FieldLib => (builder.entity === 'person' ? personLib('p', onSql, j) : householdLib('h', onSql, j, merged ? membersKey : undefined));
  const rows: string[] = [];
  const split: PrunedRows[] = [];
  let select = columns ? projectColumns(columns, libOf(joins, true), onSql, policy.entity, missing, used, joins, prune, rows, split) : undefined;
  if (!select) {
    columns = undefined;
    rows.length = 0;
    split.length = 0;
    ctx = context();
    joins = new Joins(ctx);
    missing.length = 0;
    used.clear();
    select = [`jsonb_build_object(${sqlQuote(policy.entity)}, ${project(policy.inputType, libOf(joins, false), onSql, policy.entity, missing, used, joins)}) AS input`];
  }
  if (missing.length > 0) {
    throw new AppError('validation', `the registry cannot supply ${missing.join(', ')} for policy ${publicId}; extend its builder in server/src/modules/policy/inputs.ts`, { field: missing[0], missing });
  }
  // A household is decided when it has a living member: the members list's grouped pass, when
  // the query has one, holds exactly those households (its elements are the living members).
  const hasLiving = membersKey !== undefined && joins.has(membersKey)
    ? `${joins.alias(membersKey)}.key IS NOT NULL`
    : `EXISTS (SELECT 1 FROM person __l WHERE __l.household_id = h.id AND ${living('__l', onSql)})`;
  let where = builder.entity === 'person'
    ? personWhere
    : `${hasLiving} AND ${scopeSql(scope, 'h.residence_community', 'h.grid_id', scopeValues)}`;
  const table = builder.entity === 'person' ? 'person' : 'household';
  let from = `${table} ${alias}`;
  let id = `${alias}.id`;
  let joinsSql = joins.sql();
  let counted = membersKey !== undefined && joins.has(membersKey) ? joins.clause(membersKey) : '';
  // A city-wide household run that reads nothing of the household row but its id reads its rows
  // from the members table alone (the join projectColumns wrote for it, recognised by its shape;
  // facts.test holds that the family's three household policies take this path): its keys are
  // exactly the households with a living member
  // (person.household_id references household), so joining the 5.5 M households to it again
  // (a hash join spilled in 64 batches: ~45 % of dibao's query, 2026-11-29) adds nothing.
  const stored = counted.match(/^LEFT JOIN (policy_facts_\w+) AS (__j\d+) ON \2\.key = h\.id$/);
  if (builder.entity === 'household' && scope.all && stored && membersKey !== undefined
    && ![...select, joins.sql(membersKey), ...rows].some((x) => /\bh\.(?!id\b)/.test(x))) {
    const [, members, m] = stored as RegExpMatchArray & [string, string, string];
    const byKey = (x: string): string => x.replace(/\bh\.id\b/g, `${m}.key`);
    select = select.map(byKey);
    rows.splice(0, rows.length, ...rows.map(byKey));
    joinsSql = byKey(joins.sql(membersKey));
    from = `${members} ${m}`;
    id = `${m}.key`;
    counted = '';
    where = `${m}.key IS NOT NULL`;
  }
  const [kept] = split;
  const sql = kept && columns
    // A pruned run read from its own tables (PrunedRows): the rows that need the list with the
    // own columns computed when the table was made (in the run's scope) and their aggregates,
    // then the few rows decided only because of a bad element, computed from their own rows.
    ? `SELECT __k.id AS id, ${[...columns.fields.map((c) => `__k.${c.col} AS ${c.col}`), ...kept.aggregates.map((c) => `__a.${c} AS ${c}`)].join(', ')}
  FROM ${kept.keys} __k LEFT JOIN ${kept.table} __a ON __a.key = __k.id
  UNION ALL
  SELECT ${id} AS id, ${select.join(',\n    ')} FROM ${from}
  ${joinsSql}
  WHERE ${[where, ...rows, `${kept.alias}.key IS NOT NULL`, `NOT ${kept.alias}.__kept`, `NOT EXISTS (SELECT 1 FROM ${kept.keys} __k WHERE __k.id = ${id})`].join(' AND ')}`
    : `SELECT ${id} AS id, ${select.join(',\n    ')} FROM ${from}
  ${joinsSql}
  WHERE ${[where, ...rows].join(' AND ')}`;
  // The rows a pruned run covers, counted once per family where several policies count the same
  // rows (tekun and disability-living both count the living persons: one pass over the person
  // table instead of two).
  // A household's living members are its members table's rows (hasLiving): the count joins it.
  const total = rows.length > 0 || kept ? `SELECT __t.n FROM ${joins.derived(countRows(from, counted, where))} __t` : undefined;
  return { sql, ...(columns ? { columns } : {}), ...(total ? { total } : {}), checked, facts: [...ctx.tables], ownFacts: [...ctx.own.values()], entity: builder.entity, reads: builder.reads, placeholders: Object.fromEntries([...used].map((k) => [k, PLACEHOLDERS[k] as string])) };
}
