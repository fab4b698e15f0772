/**
 * Policies as the platform uses them: describe, evaluate one input (with the explanation), run a
 * policy over the registry in one SQL statement and store the decisions, and what-if a parameter
 * change. Errors of the rules package become AppErrors naming the field.
 */
import { compileToSql, SQL_SESSION_SETTINGS, Decimal, evaluate, resolveParameters, RulesError, type Decision, type JsonValue, type Parameter, type ParamValue, type Policy, type Ty } from '@minsheng/rules';
import type { Db } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { isEmptyScope, systemScope, type Scope } from '../../platform/auth/scope.ts';
import type { PolicyCatalogue } from './catalogue.ts';
import { BUILDERS, decisionsSql, inputRelation, runOrder, type InputShape } from './inputs.ts';
import { FactSurvey, SharedFacts, sweepSharedFacts } from './facts.ts';

/** A rules error as an AppError: bad input 422 naming the field, unknown policy 404. */
export function toAppError(e: unknown): unknown {
  if (!(e instanceof RulesError)) return e;
  switch (e.code) {
    case 'unknown_policy': return new AppError('not_found', e.message, { field: 'policy' });
    case 'invalid_input': {
      const path = typeof e.details.path === 'string' && e.details.path ? `input.${e.details.path}` : 'input';
      return new AppError('validation', e.message, { ...e.details, field: path });
    }
    case 'invalid_date':
    case 'not_in_effect':
      return new AppError('validation', `on: ${e.message}`, { ...e.details, field: 'on' });
    case 'evaluation_error':
      return new AppError('validation', `input: ${e.message}`, { ...e.details, field: 'input' });
  }
}

const rethrow = (e: unknown): never => { throw toAppError(e); };

// ---- descriptions ----

function valJson(v: unknown): JsonValue {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Decimal) return v.toNumber();
  if (Array.isArray(v)) return v.map(valJson);
  if (v !== null && typeof v === 'object' && 'text' in v && 'ms' in v) return String((v as { text: string }).text);
  return v as JsonValue;
}

export type TypeInfo = string | { enum: readonly string[] } | { list: TypeInfo } | { object: Record<string, { type: TypeInfo; optional: boolean; description?: string }> };

export function typeInfo(ty: Ty): TypeInfo {
  switch (ty.k) {
    case 'int': return 'int';
    case 'number': return 'number';
    case 'bool': return 'bool';
    case 'timestamp': return 'datetime';
    case 'string': return ty.date ? 'date' : ty.enum ? { enum: ty.enum } : 'string';
    case 'list': return { list: typeInfo(ty.of) };
    case 'object': return { object: Object.fromEntries(Object.entries(ty.fields).map(([k, f]) => [k, { type: typeInfo(f.ty), optional: f.optional, ...(f.description ? { description: f.description } : {}) }])) };
  }
}

const paramValueInfo = (v: ParamValue) => ({
  from: v.from, value: valJson(v.value), display: v.display, example: v.example,
  ...(v.source ? { source: v.source } : {}), ...(v.note ? { note: v.note } : {}),
});
const paramInfo = (p: Parameter) => ({
  name: p.name, type: typeInfo(p.ty), ...(p.unit ? { unit: p.unit } : {}), ...(p.description ? { description: p.description } : {}),
  values: p.values.map(paramValueInfo),
});

export function policySummary(catalogue: PolicyCatalogue, p: Policy) {
  return {
    id: catalogue.publicId(p), policyId: p.id, version: p.version, title: p.title, entity: p.entity,
    effective: p.effective, source: p.source, file: p.file,
    parameters: Object.values(p.parameters).map(paramInfo),
    versions: catalogue.versions(catalogue.publicId(p)).map((v) => ({ version: v.version, effective: v.effective })),
  };
}

export function policyDetail(catalogue: PolicyCatalogue, p: Policy) {
  const o = p.outcome;
  return {
    ...policySummary(catalogue, p),
    ...(p.description ? { description: p.description } : {}),
    inputs: typeInfo(p.inputType),
    conditions: p.conditions.map((c) => ({ id: c.id, expr: c.text.trim(), reason: c.reason, ...(c.expected ? { expected: c.expected } : {}), params: c.params })),
    outcome: o.kind === 'eligibility'
      ? { kind: o.kind, amount: o.amount?.text.trim() ?? null, rounding: o.rounding }
      : { kind: o.kind, cases: o.cases.map((c) => ({ outcome: c.outcome, when: c.when.text.trim(), amount: c.amount?.text.trim() ?? null, ...(c.reason ? { reason: c.reason } : {}) })), otherwise: o.otherwise, eligibleOutcomes: o.eligibleOutcomes, rounding: o.rounding },
    outcomes: o.kind === 'eligibility' ? ['eligible', 'ineligible'] : [...new Set([...o.cases.map((c) => c.outcome), o.otherwise])],
    tests: p.tests.map((t) => ({ name: t.name, on: t.on, input: t.input, expect: t.expect })),
  };
}

// ---- one input ----

/** Evaluates one input; the answer names the policy by its public id. */
export function evaluateOne(catalogue: PolicyCatalogue, id: string, on: string, input: unknown): Decision {
  try {
    const policy = catalogue.get(id, on);
    return { ...evaluate(policy, input, on), policy: catalogue.publicId(policy) };
  } catch (e) {
    return rethrow(e);
  }
}

/** The public answer of the CLI (the API adds the trace). */
export const publicDecision = (d: Decision) => ({
  policy: d.policy, version: d.version, on: d.on, outcome: d.outcome, eligible: d.eligible, amount: d.amount, currency: d.currency, reasons: d.reasons,
});

// ---- batch runs ----

export interface RunSummary {
  id: number; policyId: string; policyVersion: number; onDate: string; startedAt: string; finishedAt: string | null; startedBy: string;
  scope: string[]; total: number | null; eligible: number | null; errors: number | null; amountTotal: number | null;
  parameters: Record<string, JsonValue>; status: 'running' | 'done' | 'failed'; failure: string | null;
  /** The run's first data error (the smallest message, then the smallest id) with the entity it concerns ("household 42: invalid input"), null without errors. */
  firstError: string | null;
  placeholders?: Record<string, string>; reads?: string[];
}

const RUN_COLS = `id, policy_id AS "policyId", policy_version AS "policyVersion", on_date AS "onDate", started_at AS "startedAt",
  finished_at AS "finishedAt", started_by AS "startedBy", scope, total, eligible, errors, amount_total AS "amountTotal", parameters, status, failure, first_error AS "firstError"`;

const scopeText = (scope: Scope): string[] => (scope.all ? [] : [...scope.prefixes.map((p) => `${p}*`), ...scope.gridIds.map((g) => `grid:${g}`)]);

function usedParameters(policy: Policy, on: string): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, r] of Object.entries(resolveParameters(policy, on))) out[k] = { value: valJson(r.value.value), from: r.value.from, example: r.value.example };
  return out;
}

/**
 * The policy's batch query over the registry. `kept` (batch runs): the input relation gives typed
 * columns (inputs.ts, ColumnPlan) instead of a jsonb input when the policy allows, and leaves out
 * the lists a row does not need when only eligible and error decisions are stored (same stored
 * decisions, much faster); a what-if compiles a changed policy over the same relation and keeps
 * the jsonb input, whose SQL does not depend on the parameters.
 */
function compiled(catalogue: PolicyCatalogue, id: string, on: string, scope: Scope, params: unknown[] | 'literal', policyOverride?: Policy, shape: InputShape = 'json', facts?: SharedFacts) {
  let policy: Policy;
  try { policy = catalogue.get(id, on); } catch (e) { return rethrow(e); }
  const publicId = catalogue.publicId(policy);
  const input = inputRelation(publicId, policy, on, scope, params, policyOverride ? 'json' : shape, facts);
  let sql: string;
  try { sql = compileToSql(policyOverride ?? policy, on, { inputRelation: input.sql, ...(input.columns ? { columns: input.columns, checked: input.checked } : {}) }); } catch (e) { return rethrow(e); }
  return { policy, publicId, input, sql };
}

/** A run's statement, compiled before it starts (runFamily compiles every policy's first). */
export type RunStatement = ReturnType<typeof compiled>;

/**
 * The statement of a batch run with the family's shared facts (its own tables registered there).
 * The scope goes into the SQL as literals: CREATE TABLE … AS takes no parameters.
 */
export function runStatement(catalogue: PolicyCatalogue, id: string, on: string, scope: Scope, facts: SharedFacts): RunStatement {
  return compiled(catalogue, id, on, scope, 'literal', undefined, 'kept', facts);
}

/**
 * A run whose row is written (status running) and whose statement is ready: `execute()` runs the
 * statement, records the totals (status done) or the failure (status failed, then rethrows).
 * Everything that can be refused before work starts (unknown policy, no builder, inputs the registry
 * cannot supply, a date outside the policy's period) is thrown by `prepareRun` itself.
 */
export interface PreparedRun {
  runId: number;
  placeholders: Record<string, string>;
  reads: string[];
  execute(): Promise<RunSummary>;
}

/**
 * The statement that makes a run's decisions: the temporary table policy_run_decisions (dropped at
 * commit), one row: `total`, every decision counted, and `kept`, the decisions to store
 * (policy_run_row[], migration 064), from one pass. CREATE TABLE … AS may run in parallel workers
 * (an INSERT … SELECT always runs on one core); each worker collects its own part. `total`: a
 * query counting the decisions when `sql` leaves out rows it decides not eligible (InputSql.total).
 */
export function decisionTable(sql: string, total?: string): string {
  return `CREATE TEMP TABLE policy_run_decisions ON COMMIT DROP AS
    SELECT ${total ? `(${total})` : 'count(*)'} AS total,
      policy_collect(ROW(x.id, x.eligible, x.outcome, x.amount, x.failed_rules, x.error)::policy_run_row) FILTER (WHERE x.eligible OR x.error IS NOT NULL) AS kept
    FROM (${sql}) AS x`;
}

/**
 * `facts`: the shared facts of the family run this run belongs to (facts.ts): the derived tables
 * it shares with the family's other policies are read from there, made by the first that needs them.
 * A run alone shares nothing; either way, the tables that are the run's own (SharedFacts.own:
 * rigid's medical sums, the stored decisions it reads, tekun's supporter aggregates) are made
 * before its query and dropped when it ends.
 */
export async function prepareRun(db: Db, catalogue: PolicyCatalogue, id: string, on: string, scope: Scope, startedBy: string, family?: SharedFacts,
  statement?: RunStatement): Promise<PreparedRun> {
  const facts = family ?? new SharedFacts(new Set());
  // A run covers its recorded scope, and an empty list records the whole city: a run over nothing
  // would claim "not eligible" for everyone (ADR 0004).
  if (!scope.all && isEmptyScope(scope)) throw new AppError('forbidden', 'scope: you may run policies over no region', { field: 'scope' });
  const { policy, publicId, input, sql } = statement ?? runStatement(catalogue, id, on, scope, facts);
  const [run] = await db.query<{ id: number }>(
    `INSERT INTO policy_run (policy_id, policy_version, on_date, started_by, scope, parameters) VALUES ($1, $2, $3, $4, $5::text[], $6::jsonb) RETURNING id`,
    [publicId, policy.version, on, startedBy, scopeText(scope), JSON.stringify(usedParameters(policy, on))]);
  const runId = (run as { id: number }).id;
  const execute = async (): Promise<RunSummary> => {
    let adopt: string | undefined;
    try {
      // The family's shared facts this run is the first to need, and the run's own, committed
      // before the run starts. A run's own tables left by a process that died go after a day.
      if (!family && input.ownFacts.length > 0) await sweepSharedFacts(db);
      await facts.ensure(db, input.facts, SQL_SESSION_SETTINGS);
      await db.transaction(async (tx) => {
        // Held until this transaction ends, also when the process dies: a 'running' run whose lock
        // is free is no longer running anywhere (reapInterruptedRuns).
        await tx.query(`SELECT pg_advisory_xact_lock(${RUN_LOCK_KEY})`, [runId]);
        // JIT compilation makes these wide generated queries slower, not faster (measured 2x).
        for (const setting of SQL_SESSION_SETTINGS) await tx.exec(setting);
        // Only eligible and error decisions are stored (ADR 0004): an entity the run covers without
        // a row was decided not eligible; `total` counts every decision (decisionTable).
        await tx.exec(decisionTable(sql, input.total));
        // In id order: both indexes of policy_decision then grow at their right edge.
        await tx.query(
          `INSERT INTO policy_decision (run_id, policy_id, policy_version, on_date, entity, entity_id, eligible, outcome, amount, failed_rules, error)
           SELECT $1::bigint, $2::text, $3::int, $4::date, $5::text, k.id, k.eligible, k.outcome, k.amount, k.failed_rules, k.error
           FROM policy_run_decisions d CROSS JOIN LATERAL unnest(d.kept) AS k ORDER BY k.id`,
          [runId, publicId, policy.version, on, input.entity]);
        // The family's table of this policy's latest decisions, for the policies that read them
        // after it: a city-wide run covers every entity (its recorded scope is empty), so the
        // latest decisions on its date are its own rows, made here from them instead of read back
        // through policy_latest_verdicts (dibao-edge's 988,367: 3.6 s alone, on the family's path).
        adopt = family && scope.all ? family.pending(decisionsSql(publicId, input.entity, on)) : undefined;
        if (adopt) {
          await tx.exec(`CREATE UNLOGGED TABLE ${adopt} AS SELECT k.id AS entity_id, k.eligible FROM policy_run_decisions d CROSS JOIN LATERAL unnest(d.kept) AS k`);
          await tx.exec(`ANALYZE ${adopt}`);
        }
        const [t] = await tx.query<{ total: number; eligible: number; errors: number; amount: number | null; first_error: string | null }>(
          `SELECT d.total::int AS total, count(k.id) FILTER (WHERE k.eligible)::int AS eligible, count(k.id) FILTER (WHERE k.error IS NOT NULL)::int AS errors,
             sum(k.amount) FILTER (WHERE k.eligible) AS amount,
             (array_agg($1::text || ' ' || k.id || ': ' || k.error ORDER BY k.error, k.id) FILTER (WHERE k.error IS NOT NULL))[1] AS first_error
           FROM policy_run_decisions d LEFT JOIN LATERAL unnest(d.kept) AS k ON true GROUP BY d.total`, [input.entity]);
        const r = t as { total: number; eligible: number; errors: number; amount: number | null; first_error: string | null };
        await tx.query(`UPDATE policy_run SET total = $2, eligible = $3, errors = $4, amount_total = $5, first_error = $6, status = 'done', finished_at = clock_timestamp() WHERE id = $1`,
          [runId, r.total, r.eligible, r.errors, r.amount ?? 0, r.first_error]);
      });
      if (adopt) facts.adopted(adopt);
      const summary = await getRun(db, runId);
      return { ...summary, placeholders: input.placeholders, reads: input.reads };
    } catch (e) {
      await db.query(`UPDATE policy_run SET status = 'failed', failure = $2, finished_at = clock_timestamp() WHERE id = $1`, [runId, (e as Error).message.slice(0, 2000)]);
      throw e;
    } finally {
      // A table that cannot be dropped now (the connection failed) is swept after a day; the
      // run's own outcome, or its error, is what the caller hears.
      await facts.dropTables(db, input.ownFacts).catch(() => undefined);
    }
  };
  return { runId, placeholders: input.placeholders, reads: input.reads, execute };
}

/** Runs a policy over the registry (in the scope) in one pass, stores its eligible and error decisions; waits for the end. */
export async function runPolicy(db: Db, catalogue: PolicyCatalogue, id: string, on: string, scope: Scope, startedBy: string, facts?: SharedFacts,
  statement?: RunStatement): Promise<RunSummary> {
  return (await prepareRun(db, catalogue, id, on, scope, startedBy, facts, statement)).execute();
}

/** What the builder of a stored run's policy reads and which placeholders it uses (no database). */
export function runInputs(catalogue: PolicyCatalogue, run: RunSummary): { placeholders: Record<string, string>; reads: string[] } {
  try {
    const policy = catalogue.get(run.policyId, run.onDate);
    const { placeholders, reads } = inputRelation(run.policyId, policy, run.onDate, systemScope(), []);
    return { placeholders, reads };
  } catch {
    return { placeholders: {}, reads: [] };
  }
}

export interface FamilyRun { on: string; order: string[]; runs: RunSummary[]; failed: { policy: string; message: string } | null }

/**
 * How many policies of a family run at once on each kind of database (runFamily). PostgreSQL: two,
 * so that the parts of a run that one process does alone (a grouping finished by the leader, a
 * merge join, writing the decisions, analysing a table) overlap with another policy's work; a
 * run's query itself already uses the parallel workers the server allows. PGlite is one process:
 * one at a time.
 */
export const FAMILY_CONCURRENCY: Record<Db['kind'], number> = { postgres: 2, pglite: 1 };

/**
 * Runs policies in dependency order (`runOrder`): each starts once the others of the list whose
 * decisions its builder reads have finished, and reads what they stored; policies that do not
 * read each other run side by side, up to `concurrency` at once (FAMILY_CONCURRENCY). After the
 * first failure no further policy starts (later ones would read stale decisions); the ones
 * already running finish. `onRun` hears each summary as it ends; `runs` lists them in run order.
 * The registry facts that several of them derive the same way are derived once for the whole
 * family (facts.ts: one snapshot, dropped at the end).
 */
export async function runFamily(db: Db, catalogue: PolicyCatalogue, ids: readonly string[], on: string, scope: Scope, startedBy: string,
  onRun: (s: RunSummary) => void = () => undefined, concurrency: number = FAMILY_CONCURRENCY[db.kind]): Promise<FamilyRun> {
  const order = runOrder(ids);
  const inFamily = new Set(order);
  const needs = new Map(order.map((id) => [id, (BUILDERS[id]?.reads ?? []).filter((r) => r !== id && inFamily.has(r))]));
  const done = new Map<string, RunSummary>();
  const started = new Set<string>();
  let failed: FamilyRun['failed'] = null;
  await sweepSharedFacts(db);
  const facts = familyFacts(catalogue, order, on, scope);
  // Every statement compiled first (a policy that cannot be compiled fails when its turn comes,
  // as it would alone), so that the tables that read only the registry are known from the start.
  const statements = new Map<string, RunStatement>();
  for (const id of order) {
    try { statements.set(id, runStatement(catalogue, id, on, scope, facts)); } catch { /* its run throws the same */ }
  }
  // Ahead: those tables (a household's members, tekun's persons that need their supporters,
  // rigid expenditure's medical sums) are made in a lane of their own from the start, in run
  // order, beside the runs, when more than one statement may run at once: a run that needs one
  // waits for it, or makes it itself when the lane has not come to it. A table the lane cannot
  // make is left to its run, which then fails with the error.
  const ahead = concurrency > 1 ? facts.registryOnly([...statements.values()].flatMap((x) => x.input.facts)) : [];
  const lane = (async () => {
    for (const table of ahead) {
      if (failed) break;
      await facts.ensure(db, [table], SQL_SESSION_SETTINGS, false).catch(() => undefined);
    }
  })();
  try {
    await new Promise<void>((resolve) => {
      let running = 0;
      const next = (): void => {
        for (const id of order) {
          if (failed || running >= Math.max(1, concurrency)) break;
          if (started.has(id) || !(needs.get(id) ?? []).every((r) => done.has(r))) continue;
          started.add(id);
          running++;
          (async () => {
            const s = await runPolicy(db, catalogue, id, on, scope, startedBy, facts, statements.get(id));
            done.set(id, s);
            onRun(s);
          })().catch((e: unknown) => {
            failed ??= { policy: id, message: (e as Error).message };
          }).finally(() => {
            running--;
            next();
            if (running === 0) resolve();
          });
        }
      };
      next();
      if (running === 0) resolve();
    });
    return { on, order, runs: order.flatMap((id) => done.get(id) ?? []), failed };
  } finally {
    await lane;
    await facts.drop(db);
  }
}

/**
 * The shared facts of a family run (facts.ts): the derived tables that two or more of the
 * policies' batch queries read in the same shape. A policy that cannot be prepared (no builder,
 * missing inputs) counts for none; its run fails as it would alone.
 */
export function familyFacts(catalogue: PolicyCatalogue, ids: readonly string[], on: string, scope: Scope): SharedFacts {
  const survey = new FactSurvey();
  for (const id of ids) {
    const seen = new SharedFacts();
    try {
      compiled(catalogue, id, on, scope, 'literal', undefined, 'kept', seen);
    } catch {
      continue;
    }
    survey.add(seen.seen);
  }
  return new SharedFacts(survey.shared());
}

/** The advisory lock key of a run (one bigint), with the run id as $1. */
const RUN_LOCK_KEY = `hashtextextended('minsheng.policy_run:' || $1::bigint, 0)`;
/** A run older than this with its lock free was interrupted; younger ones may not have taken it yet. */
const INTERRUPTED_AFTER_SECONDS = 60;

/**
 * Marks as failed the runs left 'running' by a process that stopped (killed, crashed, restarted)
 * mid-run: their row was committed before the run's transaction, which died with the process and
 * released the run's lock. Safe with several server processes: a live run holds its lock.
 */
export async function reapInterruptedRuns(db: Db): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `UPDATE policy_run SET status = 'failed', finished_at = clock_timestamp(),
       failure = 'interrupted: the process running it stopped before it finished (start it again)'
     WHERE status = 'running' AND started_at < clock_timestamp() - make_interval(secs => $1)
       AND pg_try_advisory_xact_lock(hashtextextended('minsheng.policy_run:' || id, 0))
     RETURNING id`, [INTERRUPTED_AFTER_SECONDS]);
  return rows.length;
}

export async function getRun(db: Db, runId: number): Promise<RunSummary> {
  const [row] = await db.query<RunSummary>(`SELECT ${RUN_COLS} FROM policy_run WHERE id = $1`, [runId]);
  if (!row) throw new AppError('not_found', `policy run ${runId} not found`);
  return row;
}

/** The runs a scope may see: staff bound below the city see the runs over their own region (or inside it). */
function visibleRuns(scope: Scope, params: unknown[]): string {
  if (scope.all) return 'true';
  params.push(scopeText(scope).map((s) => s.replace(/\*$/, '')));
  // A run is visible when every prefix it covered lies inside one of the caller's prefixes.
  return `cardinality(scope) > 0 AND NOT EXISTS (SELECT 1 FROM unnest(scope) AS s(p) WHERE NOT EXISTS (SELECT 1 FROM unnest($${params.length}::text[]) AS c(p) WHERE rtrim(s.p, '*') LIKE c.p || '%'))`;
}

/** Recent runs of a policy the scope may see. */
export async function listRuns(db: Db, policyId: string, scope: Scope, limit = 50): Promise<RunSummary[]> {
  await reapInterruptedRuns(db);
  const params: unknown[] = [policyId, limit];
  const where = `policy_id = $1 AND ${visibleRuns(scope, params)}`;
  return db.query<RunSummary>(`SELECT ${RUN_COLS} FROM policy_run WHERE ${where} ORDER BY started_at DESC, id DESC LIMIT $2`, params);
}

/** One run of a policy, if the scope may see it (else not found, as for a run that does not exist). */
export async function getVisibleRun(db: Db, policyId: string, runId: number, scope: Scope): Promise<RunSummary> {
  await reapInterruptedRuns(db);
  const params: unknown[] = [policyId, runId];
  const [row] = await db.query<RunSummary>(`SELECT ${RUN_COLS} FROM policy_run WHERE policy_id = $1 AND id = $2 AND ${visibleRuns(scope, params)}`, params);
  if (!row) throw new AppError('not_found', `policy ${policyId} has no run ${runId}`, { field: 'runId' });
  return row;
}

// ---- what-if ----

function paramFromJson(p: Parameter, raw: unknown, field: string): ParamValue['value'] {
  const bad = (why: string): never => { throw new AppError('validation', `${field}: ${why} (got ${JSON.stringify(raw)})`, { field }); };
  const conv = (ty: Ty, v: unknown): ParamValue['value'] => {
    switch (ty.k) {
      case 'int': return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : bad('must be a whole number');
      case 'number': {
        if (typeof v === 'number' && Number.isFinite(v)) return Decimal.fromNumber(v);
        const d = typeof v === 'string' ? Decimal.parse(v) : undefined;
        return d ?? bad('must be a number');
      }
      case 'bool': return typeof v === 'boolean' ? v : bad('must be true or false');
      case 'string':
        if (typeof v !== 'string') return bad('must be text');
        if (ty.date && !/^\d{4}-\d{2}-\d{2}$/.test(v)) return bad('must be a date YYYY-MM-DD');
        if (ty.enum && !ty.enum.includes(v)) return bad(`must be one of ${ty.enum.join(', ')}`);
        return v;
      case 'list': return Array.isArray(v) ? v.map((x) => conv(ty.of, x)) : bad('must be a list');
      default: return bad('this parameter type cannot be changed in a what-if');
    }
  };
  return conv(p.ty, raw);
}

/** The policy with some parameters replaced from `on` (for what-if). */
export function withParameters(policy: Policy, on: string, set: Record<string, unknown>): Policy {
  const parameters = { ...policy.parameters };
  for (const [name, raw] of Object.entries(set)) {
    const p = policy.parameters[name];
    if (!p) throw new AppError('validation', `set.${name}: policy ${policy.id} has no parameter ${name} (it has ${Object.keys(policy.parameters).join(', ')})`, { field: `set.${name}` });
    const value = paramFromJson(p, raw, `set.${name}`);
    parameters[name] = { ...p, values: [...p.values.filter((v) => v.from < on), { from: on, value, display: JSON.stringify(raw), example: true, note: 'what-if' }] };
  }
  return { ...policy, parameters };
}

export interface WhatIf {
  policy: string; version: number; on: string; entity: 'person' | 'household'; set: Record<string, unknown>;
  total: number; changed: number; becameEligible: number; becameIneligible: number;
  monthlyBudgetBefore: number; monthlyBudgetAfter: number; difference: number;
}

export async function whatIf(db: Db, catalogue: PolicyCatalogue, id: string, on: string, set: Record<string, unknown>, scope: Scope): Promise<WhatIf> {
  if (Object.keys(set).length === 0) throw new AppError('validation', 'set: name at least one parameter to change', { field: 'set' });
  const params: unknown[] = [];
  const before = compiled(catalogue, id, on, scope, params);
  const changedPolicy = withParameters(before.policy, on, set);
  let afterSql: string;
  try { afterSql = compileToSql(changedPolicy, on, { inputRelation: before.input.sql }); } catch (e) { return rethrow(e); }
  const [r] = await db.query<{ total: number; changed: number; up: number; down: number; before: number | null; after: number | null }>(
    `SELECT count(*)::int AS total,
       count(*) FILTER (WHERE a.outcome IS DISTINCT FROM b.outcome)::int AS changed,
       count(*) FILTER (WHERE b.eligible AND NOT coalesce(a.eligible, false))::int AS up,
       count(*) FILTER (WHERE a.eligible AND NOT coalesce(b.eligible, false))::int AS down,
       coalesce(sum(a.amount) FILTER (WHERE a.eligible), 0) AS before,
       coalesce(sum(b.amount) FILTER (WHERE b.eligible), 0) AS after
     FROM (${before.sql}) AS a JOIN (${afterSql}) AS b ON b.id = a.id`, params);
  const row = r as NonNullable<typeof r>;
  const b = Number(row.before ?? 0);
  const a = Number(row.after ?? 0);
  return {
    policy: before.publicId, version: before.policy.version, on, entity: before.input.entity, set,
    total: row.total, changed: row.changed, becameEligible: row.up, becameIneligible: row.down,
    monthlyBudgetBefore: b, monthlyBudgetAfter: a, difference: Math.round((a - b) * 100) / 100,
  };
}
