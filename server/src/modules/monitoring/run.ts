/**
 * A monitoring run: every warning rule over the registry on the SQL path, set-based — ONE query
 * per rule selects the persons or households for which the rule's conditions all hold (the rule
 * compiled by packages/rules over an input relation built with its windowed aggregates). Then, per
 * candidate, the suppression window is checked and the warning raised into the household's chain
 * (chain.ts opens the chain and its verification task). A rule file that does not load, or a rule
 * that fails, is reported in the run's problems; the other rules still run.
 */
import { createHash } from 'node:crypto';
import { columnPlan, compileToSql, inEffect, resolveParameters, SQL_SESSION_SETTINGS, type LoadError } from '@minsheng/rules';
import { systemScope, type Scope } from '../../platform/auth/scope.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import type { RaiseInput } from './chain.ts';
import { raiseManyIntoChains } from './chain-batch.ts';
import { readFields, ruleEvidence } from './evidence.ts';
import { inputQuery, type Aggregates } from './inputs.ts';
import { evidenceScale, setInputQuery, usablePlan, type EvidenceScale } from './set-inputs.ts';
import { loadRules, monthsOf, type Aggregate, type MonitoringRule, type RuleSet } from './rule-file.ts';

export interface RuleOutcome { rule: string; candidates: number; raised: number; suppressed: number; errors: number; firstError?: string | undefined; skipped?: string }
export interface MonitoringRunSummary {
  id: number; onDate: string; trigger: 'manual' | 'feed-batch' | 'review'; batchId: number | null; startedBy: string; scope: string[];
  persons: number | null; status: 'running' | 'done' | 'failed'; rules: number; raised: number; suppressed: number;
  problems: Array<LoadError | { rule: string; message: string }>; perRule: RuleOutcome[]; startedAt: string; finishedAt: string | null;
  warningIds?: number[];
}

export interface RunOptions {
  on: string;
  scope?: Scope;
  /** Only these persons (and their households): the run a feed batch or a review triggers. */
  personIds?: readonly number[] | undefined;
  trigger?: MonitoringRunSummary['trigger'];
  batchId?: number | null;
  startedBy: string;
  rules?: RuleSet;
  /** How many rule queries run at once, each on its own connection (default 2). */
  parallel?: number;
}

/** Starts the tasks with at most `n` running at a time; answers their promises in the tasks' order (rejections included, never unhandled). */
function limited<T>(tasks: ReadonlyArray<() => Promise<T>>, n: number): Array<Promise<T>> {
  const out: Array<Promise<T>> = [];
  let next = 0;
  const settle: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }> = [];
  for (let i = 0; i < tasks.length; i++) out.push(new Promise<T>((resolve, reject) => { settle.push({ resolve, reject }); }));
  for (const p of out) p.catch(() => {});
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      try { settle[i]!.resolve(await tasks[i]!()); } catch (e) { settle[i]!.reject(e); }
    }
  };
  for (let k = 0; k < Math.min(n, tasks.length); k++) void worker();
  return out;
}

const ASSISTANCE_ZH: Record<string, string> = { dibao: '低保', tekun: '特困', 'dibao-edge': '低保边缘', none: '未纳入救助' };

/** The reason template with the evidence and parameter values written in. */
export function fillReason(rule: MonitoringRule, input: Record<string, unknown>, on: string): string {
  const params = resolveParameters(rule.policy, on);
  return rule.meta.reason.replace(/\{([^{}]+)\}/g, (_m, raw: string) => {
    const key = raw.trim();
    if (key === 'on') return on;
    const [root, name] = key.split('.') as [string, string];
    if (root === 'params') return params[name]?.value.display ?? key;
    const v = input[name];
    if (typeof v === 'string') return ASSISTANCE_ZH[v] ?? v;
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
    return v === null || v === undefined ? '—' : JSON.stringify(v);
  });
}

/** JSON with sorted keys, so equal evidence hashes equally. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

export function evidenceHash(rule: MonitoringRule, input: Record<string, unknown>): string {
  const picked = rule.meta.evidence ? Object.fromEntries(rule.meta.evidence.map((k) => [k, input[k] ?? null])) : input;
  return createHash('sha256').update(`${rule.id}@${rule.policy.version}:${stable(picked)}`).digest('hex');
}

const scopeText = (scope: Scope): string[] => (scope.all ? [] : [...scope.prefixes.map((p) => `${p}*`), ...scope.gridIds.map((g) => `grid:${g}`)]);

function aggregatesOf(rule: MonitoringRule, on: string): Aggregates {
  const conv = (block: Record<string, Aggregate> | undefined): Aggregates['own'] =>
    Object.fromEntries(Object.entries(block ?? {}).map(([k, a]) => [k, { agg: a, months: monthsOf(rule, a, on) }]));
  return { own: conv(rule.meta.aggregates), members: conv(rule.meta.memberAggregates) };
}

/**
 * How a rule's input relation is built: `per-entity` — every field a correlated look-up of its row
 * (inputs.ts; what a run over a feed batch's persons uses, and the oracle of the set-based path);
 * `set` — facts computed once per query and joined (set-inputs.ts), over the entities with evidence
 * when evidence.ts proves the others cannot raise. Default: `set` for a run without a person list.
 */
export type InputPath = 'set' | 'per-entity';

/** Whether a whole-registry run of the rule reads few entities (looked up per row) or many (set-based passes). */
export async function ruleScale(db: Db, rule: MonitoringRule, on: string): Promise<EvidenceScale> {
  return evidenceScale(db, rule.policy.entity === 'household' ? 'household' : 'person', on, aggregatesOf(rule, on), ruleEvidence(rule, on));
}

/** One rule's candidates: (entity id, input) where all conditions hold; rows the rule could not decide are counted. One query. */
export async function ruleCandidates(db: Db, rule: MonitoringRule, opts: RunOptions, scope: Scope, path?: InputPath, scale?: EvidenceScale): Promise<{ rows: Array<{ id: number; input: Record<string, unknown> }>; errors: number; firstError?: string }> {
  const usePath = path ?? (opts.personIds ? 'per-entity' : 'set');
  if (usePath === 'set' && opts.personIds) throw new Error('the set-based input path runs over the registry (scope), not a person list');
  const aggs = aggregatesOf(rule, opts.on);
  type Row = { id: number; eligible: boolean | null; error: string | null; input?: Record<string, Record<string, unknown>> | null };
  const finish = (rows: Row[], inputs: Map<number, Record<string, unknown>>): Awaited<ReturnType<typeof ruleCandidates>> => {
    const errs = rows.filter((r) => r.error !== null);
    return {
      rows: rows.filter((r) => r.eligible && inputs.has(r.id)).map((r) => ({ id: r.id, input: inputs.get(r.id)! })),
      errors: errs.length, ...(errs[0]?.error ? { firstError: errs[0].error } : {}),
    };
  };
  const missing = (q: { missing: string[] }): void => { if (q.missing.length > 0) throw new Error(`the registry and feeds cannot supply ${q.missing.join(', ')}`); };
  /** The JSON inputs of these rows, as the warnings store them. */
  const jsonRun = async (tx: Queryable, q: { sql: string }, params: unknown[]): Promise<Row[]> => {
    const compiled = compileToSql(rule.policy, opts.on, { inputRelation: 'SELECT id, input FROM __inp' });
    return tx.query<Row>(`WITH __inp AS MATERIALIZED (${q.sql})
      SELECT __d.id::bigint AS id, __d.eligible, __d.error, CASE WHEN __d.eligible THEN __inp.input END AS input
      FROM (${compiled}) AS __d JOIN __inp ON __inp.id = __d.id WHERE __d.eligible OR __d.error IS NOT NULL`, params);
  };
  const inputsOf = (rows: Row[]): Map<number, Record<string, unknown>> =>
    new Map(rows.filter((r) => r.eligible && r.input).map((r) => [r.id, r.input![rule.policy.entity] ?? {}]));

  if (usePath === 'per-entity') {
    const params: unknown[] = [];
    const q = inputQuery(rule.policy, opts.on, aggs, { scope, personIds: opts.personIds }, params);
    missing(q);
    const rows = await db.transaction(async (tx) => { for (const s of SQL_SESSION_SETTINGS) await tx.exec(s); return jsonRun(tx, q, params); });
    return finish(rows, inputsOf(rows));
  }
  const evidence = ruleEvidence(rule, opts.on);
  const entity = rule.policy.entity === 'household' ? 'household' : 'person';
  const howMany = scale ?? await evidenceScale(db, entity, opts.on, aggs, evidence);
  const plan = usablePlan(columnPlan(rule.policy, opts.on));
  return db.transaction(async (tx) => {
    // Both queries of a column run read one snapshot.
    await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const params: unknown[] = [];
    const read = readFields(rule.policy);
    const unread = new Set(Object.keys(rule.policy.inputType.fields).filter((f) => read !== null && !read.has(f)));
    const q = setInputQuery(rule.policy, opts.on, aggs, { scope }, params, evidence, howMany, plan ? { columns: plan, unread } : {});
    missing(q);
    for (const s of [...SQL_SESSION_SETTINGS, ...q.settings]) await tx.exec(s);
    if (!plan) {
      const rows = await jsonRun(tx, q, params);
      return finish(rows, inputsOf(rows));
    }
    // Columns: the conditions over typed columns for every entity (fields no formula reads as
    // constants); then the candidates decided again on their JSON input, built by id as the per-row
    // path builds it (what the warning stores: evidence, reason). A field no formula reads can only
    // make a row invalid: such an error shows for a candidate, not for a row another condition drops.
    const compiled = compileToSql(rule.policy, opts.on, { inputRelation: q.sql, columns: plan });
    const found = await tx.query<Row>(`SELECT __d.id::bigint AS id, __d.eligible, __d.error FROM (${compiled}) AS __d WHERE __d.eligible OR __d.error IS NOT NULL`, params);
    const ids = found.filter((r) => r.eligible).map((r) => Number(r.id));
    const errors = found.filter((r) => !r.eligible);
    if (ids.length === 0) return finish(errors, new Map());
    const params2: unknown[] = [];
    const q2 = setInputQuery(rule.policy, opts.on, aggs, { scope }, params2, evidence, 'few', { ids });
    missing(q2);
    await tx.exec('SET LOCAL enable_nestloop = on');
    for (const s of q2.settings) await tx.exec(s);
    const rows = [...errors, ...await jsonRun(tx, q2, params2)].map((r) => ({ ...r, id: Number(r.id) }));
    return finish(rows, inputsOf(rows));
  });
}

interface Subject { entityId: number; subjectKey: string; personId: number | null; householdId: number | null; regionCode: string; gridId: string | null }

async function subjectsOf(db: Db, entity: 'person' | 'household', ids: number[]): Promise<Map<number, Subject>> {
  const rows = entity === 'person'
    ? await db.query<{ id: number; household_id: number | null; region: string | null; grid: string | null }>(
      `SELECT p.id, p.household_id, coalesce(h.residence_community, p.residence_community) AS region, coalesce(h.grid_id, p.grid_id) AS grid
       FROM person p LEFT JOIN household h ON h.id = p.household_id WHERE p.id = ANY ($1::bigint[])`, [ids])
    : await db.query<{ id: number; household_id: number | null; region: string | null; grid: string | null }>(
      `SELECT h.id, h.id AS household_id, h.residence_community AS region, h.grid_id AS grid FROM household h WHERE h.id = ANY ($1::bigint[])`, [ids]);
  return new Map(rows.map((r) => [r.id, {
    entityId: r.id, personId: entity === 'person' ? r.id : null, householdId: r.household_id,
    subjectKey: r.household_id !== null ? `household:${r.household_id}` : `person:${r.id}`, regionCode: r.region ?? '', gridId: r.grid,
  }]));
}

export async function runMonitoring(db: Db, opts: RunOptions): Promise<MonitoringRunSummary> {
  const ruleSet = opts.rules ?? loadRules();
  const scope = opts.scope ?? systemScope();
  const [run] = await db.query<{ id: number }>(
    `INSERT INTO monitoring_run (on_date, trigger, batch_id, started_by, scope, persons, problems) VALUES ($1, $2, $3, $4, $5::text[], $6, $7::jsonb) RETURNING id`,
    [opts.on, opts.trigger ?? 'manual', opts.batchId ?? null, opts.startedBy, scopeText(scope), opts.personIds?.length ?? null, JSON.stringify(ruleSet.errors)]);
  const runId = run!.id;
  const problems: MonitoringRunSummary['problems'] = [...ruleSet.errors];
  const perRule: RuleOutcome[] = [];
  const warningIds: number[] = [];
  if (opts.personIds && opts.personIds.length === 0) {
    await db.query(`UPDATE monitoring_run SET status = 'done', finished_at = clock_timestamp() WHERE id = $1`, [runId]);
    return { ...(await getRunSummary(db, runId)), warningIds };
  }
  // The rule queries run on up to `parallel` connections at once (they are independent reads); the
  // warnings are raised rule by rule, each rule's in one batch, as its query ends. Over the registry,
  // the rules over many entities (a feed most of the city appears in) are queried first and raised
  // last, each group in the rules' order: their long queries then overlap the other rules' queries
  // and raising. (The order decides which of a household's warnings of one run opens its task.)
  const active = ruleSet.rules.map((rule) => ({ rule, skipped: inEffect(rule.policy, opts.on) ? undefined : `not in effect on ${opts.on}` }));
  const many = await Promise.all(active.map(async ({ rule, skipped }) => !skipped && !opts.personIds && (await ruleScale(db, rule, opts.on)) === 'many'));
  const order = (manyFirst: boolean): number[] => active.map((_a, i) => i).sort((a, b) => (Number(many[b]) - Number(many[a])) * (manyFirst ? 1 : -1) || a - b);
  const queryOrder = order(true);
  const started = limited(queryOrder.map((i) => () => (active[i]!.skipped ? Promise.resolve(null) : ruleCandidates(db, active[i]!.rule, opts, scope, undefined, opts.personIds ? undefined : many[i] ? 'many' : 'few'))), Math.max(1, opts.parallel ?? 2));
  const queries = new Map(queryOrder.map((i, k) => [i, started[k]!]));
  perRule.push(...active.map(({ rule }): RuleOutcome => ({ rule: rule.id, candidates: 0, raised: 0, suppressed: 0, errors: 0 })));
  for (const i of order(false)) {
    const { rule, skipped } = active[i]!;
    const outcome = perRule[i]!;
    if (skipped) { outcome.skipped = skipped; continue; }
    try {
      const found = (await queries.get(i)!)!;
      outcome.candidates = found.rows.length;
      outcome.errors = found.errors;
      outcome.firstError = found.firstError;
      if (found.rows.length === 0) continue;
      const entity = rule.policy.entity === 'household' ? 'household' : 'person';
      const subjects = await subjectsOf(db, entity, found.rows.map((r) => r.id));
      // Suppression: the latest warning of this rule per household, one query for all candidates.
      const latest = await db.query<{ subject_key: string; evidence_hash: string; on_date: string }>(
        `SELECT DISTINCT ON (subject_key) subject_key, evidence_hash, to_char(on_date, 'YYYY-MM-DD') AS on_date FROM monitoring_warning
         WHERE rule_id = $1 AND subject_key = ANY ($2::text[]) ORDER BY subject_key, on_date DESC, id DESC`,
        [rule.id, [...new Set([...subjects.values()].map((s) => s.subjectKey))]]);
      const last = new Map(latest.map((l) => [l.subject_key, l]));
      const windowStart = new Date(Date.parse(`${opts.on}T00:00:00Z`) - rule.meta.suppressionDays * 86_400_000).toISOString().slice(0, 10);
      const raisedNow = new Set<string>();
      const raise: RaiseInput[] = [];
      for (const row of found.rows) {
        const subject = subjects.get(row.id);
        if (!subject) continue;
        const hash = evidenceHash(rule, row.input);
        const prev = last.get(subject.subjectKey);
        // Two members of one household meeting a person rule in one run: one warning per household and evidence.
        const dupKey = `${subject.subjectKey}:${hash}`;
        if ((prev && prev.on_date > windowStart && prev.evidence_hash === hash) || raisedNow.has(dupKey)) { outcome.suppressed++; continue; }
        raisedNow.add(dupKey);
        raise.push({ runId, rule, subject, onDate: opts.on, reason: fillReason(rule, row.input, opts.on), evidence: row.input, evidenceHash: hash });
      }
      const ids = await raiseManyIntoChains(db, raise);
      warningIds.push(...ids);
      outcome.raised = ids.length;
    } catch (e) {
      problems.push({ rule: rule.id, message: (e as Error).message });
    }
  }
  const raised = perRule.reduce((s, r) => s + r.raised, 0);
  const suppressed = perRule.reduce((s, r) => s + r.suppressed, 0);
  await db.query(
    `UPDATE monitoring_run SET status = 'done', rules = $2, raised = $3, suppressed = $4, problems = $5::jsonb, per_rule = $6::jsonb, finished_at = clock_timestamp() WHERE id = $1`,
    [runId, ruleSet.rules.length, raised, suppressed, JSON.stringify(problems), JSON.stringify(perRule)]);
  return { ...(await getRunSummary(db, runId)), warningIds };
}

export async function getRunSummary(db: Db, id: number): Promise<MonitoringRunSummary> {
  const [r] = await db.query<MonitoringRunSummary>(
    `SELECT id, to_char(on_date, 'YYYY-MM-DD') AS "onDate", trigger, batch_id AS "batchId", started_by AS "startedBy", scope, persons, status, rules, raised, suppressed,
       problems, per_rule AS "perRule", started_at AS "startedAt", finished_at AS "finishedAt" FROM monitoring_run WHERE id = $1`, [id]);
  return r!;
}
