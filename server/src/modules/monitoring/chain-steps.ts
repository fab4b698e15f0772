/**
 * The links of a chain after the warning: the visit (铁脚板摸排: confirm or reject, notes,
 * registry corrections with their reason through the registry service, photos), the household's
 * policies re-evaluated through the policy module's service, the decision, the aid given, the
 * follow-up date. Each link is idempotent by its client action id.
 */
import { PersonPatch } from '@minsheng/contracts';
import type { Decision } from '@minsheng/rules';
import { systemScope, type Scope } from '../../platform/auth/scope.ts';
import { addWorkingDays, beijingDate } from '../../platform/calendar.ts';
import type { Db } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { PolicyCatalogue } from '../policy/catalogue.ts';
import { evaluateOne } from '../policy/service.ts';
import { updatePerson } from '../registry/service.ts';
import { appendAction } from '../workorders/service.ts';
import { appendChain, chainState, getChainRow, MONITORING_ACTOR, type ChainRow } from './chain.ts';
import type { ChainAction } from './chain-derive.ts';
import { inputQuery } from './inputs.ts';
import { loadRules, type RuleSet } from './rule-file.ts';

let catalogue: PolicyCatalogue | undefined;
/** The policies, loaded once per process (the policy module's own catalogue class). */
export const policyCatalogue = (): PolicyCatalogue => (catalogue ??= new PolicyCatalogue());

async function openChainRow(db: Db, scope: Scope, id: number): Promise<ChainRow> {
  const c = await getChainRow(db, scope, id);
  if (c.status === 'closed') throw new AppError('conflict', `chain ${id} is closed`, { field: 'status' });
  return c;
}

async function memberIds(db: Db, c: ChainRow): Promise<number[]> {
  if (c.household_id === null) return [c.person_id!];
  return (await db.query<{ id: number }>('SELECT id FROM person WHERE household_id = $1 ORDER BY id', [c.household_id])).map((r) => r.id);
}

/** The rules whose warnings are in the chain (their SLAs and the policies to re-evaluate). */
async function chainRules(db: Db, chainId: number, rules: RuleSet) {
  const ids = (await db.query<{ rule_id: string }>('SELECT DISTINCT rule_id FROM monitoring_warning WHERE chain_id = $1', [chainId])).map((r) => r.rule_id);
  return rules.rules.filter((r) => ids.includes(r.id));
}

export interface VisitInput {
  workOrderId?: number | undefined;
  outcome: 'confirmed' | 'rejected';
  notes: string;
  corrections?: Array<{ personId: number; patch: PersonPatch }> | undefined;
  photoIds?: number[] | undefined;
  clientActionId: string;
}

export interface StepContext { actor: string; now?: Date; rules?: RuleSet }

/**
 * Records the visit: registry corrections first (each with its reason, by the registry's rules and
 * in the caller's registry scope; a refused correction stops here with nothing recorded), then in
 * one transaction the work order's visit and resolution and the chain's visit link. A confirmed
 * visit re-evaluates the household's policies.
 */
export async function recordVisit(db: Db, scope: Scope, registryScope: Scope, chainId: number, v: VisitInput, ctx: StepContext): Promise<ChainAction> {
  const c = await openChainRow(db, scope, chainId);
  const now = ctx.now ?? new Date();
  const [dup] = await db.query<ChainAction>(`SELECT seq, kind, actor, at, note, data FROM monitoring_chain_action WHERE chain_id = $1 AND client_action_id = $2`, [chainId, v.clientActionId]);
  if (dup) return dup;
  const state = await chainState(db, chainId, now);
  const task = v.workOrderId ?? state.openTasks[0];
  if (task === undefined || !state.openTasks.includes(task)) {
    throw new AppError('conflict', `chain ${chainId} has ${v.workOrderId === undefined ? 'no open verification task' : `no open verification task #${v.workOrderId}`}: the visit belongs to an open task`, { field: 'workOrderId' });
  }
  const members = await memberIds(db, c);
  for (const [i, corr] of (v.corrections ?? []).entries()) {
    if (!members.includes(corr.personId)) throw new AppError('validation', `corrections.${i}.personId: person ${corr.personId} is not a member of this household`, { field: `corrections.${i}.personId` });
  }
  if (v.photoIds && v.photoIds.length > 0) {
    const found = await db.query<{ id: number }>('SELECT id FROM monitoring_photo WHERE chain_id = $1 AND id = ANY ($2::bigint[])', [chainId, v.photoIds]);
    const missing = v.photoIds.find((p) => !found.some((f) => f.id === p));
    if (missing !== undefined) throw new AppError('validation', `photoIds: photo ${missing} was not uploaded to this chain`, { field: 'photoIds' });
  }
  const corrected: Array<{ personId: number; fields: string[]; reason: string }> = [];
  for (const corr of v.corrections ?? []) {
    await updatePerson(db, registryScope, corr.personId, corr.patch, { name: ctx.actor });
    corrected.push({ personId: corr.personId, fields: Object.keys(corr.patch).filter((k) => k !== 'reason'), reason: corr.patch.reason });
  }
  const rules = await chainRules(db, chainId, ctx.rules ?? loadRules());
  const decisionDays = Math.max(1, ...rules.map((r) => r.meta.sla.decisionDays));
  const link = await db.transaction(async (tx) => {
    await appendAction(tx, task, { kind: 'visit', actor: ctx.actor, clientActionId: `visit:${v.clientActionId}`, note: v.notes, data: { outcome: v.outcome, chainId } });
    await appendAction(tx, task, { kind: 'resolved', actor: ctx.actor, clientActionId: `resolved:${v.clientActionId}`, note: v.outcome === 'confirmed' ? '核实属实' : '核实不属实' });
    const decisionDue = `${await addWorkingDays(tx, beijingDate(now), decisionDays)}T10:00:00.000Z`;
    return appendChain(tx, chainId, {
      kind: 'visit', actor: ctx.actor, note: v.notes, clientActionId: v.clientActionId,
      data: { outcome: v.outcome, workOrderId: task, corrections: corrected, photoIds: v.photoIds ?? [], ...(v.outcome === 'confirmed' ? { decisionDueAt: decisionDue } : {}) },
    });
  });
  if (v.outcome === 'confirmed') await reevaluate(db, scope, chainId, { ...ctx, now });
  return link;
}

export interface PolicyResult {
  policy: string; title: string; entity: 'person' | 'household'; entityId: number; name: string | null;
  eligible: boolean | null; outcome: string | null; amount: number | null; failed: Array<{ rule: string; reason: string }>; error?: string;
}

/** Re-evaluates the policies the chain's rules name, for the household (or each member), and records the recommendation. */
export async function reevaluate(db: Db, scope: Scope, chainId: number, ctx: StepContext): Promise<ChainAction> {
  const c = await openChainRow(db, scope, chainId);
  const now = ctx.now ?? new Date();
  const on = beijingDate(now);
  const rules = await chainRules(db, chainId, ctx.rules ?? loadRules());
  const ids = [...new Set(rules.flatMap((r) => r.meta.reevaluate))];
  const cat = policyCatalogue();
  const results: PolicyResult[] = [];
  for (const id of ids) {
    let policy;
    try { policy = cat.get(id, on); } catch (e) {
      results.push({ policy: id, title: id, entity: 'household', entityId: c.household_id ?? c.person_id!, name: null, eligible: null, outcome: null, amount: null, failed: [], error: (e as Error).message });
      continue;
    }
    const entity = policy.entity === 'household' || policy.entity === 'family' ? 'household' : 'person';
    if (entity === 'household' && c.household_id === null) continue;
    const params: unknown[] = [];
    const q = inputQuery(policy, on, { own: {}, members: {} }, entity === 'household' ? { scope: systemScope(), householdId: c.household_id! } : c.household_id !== null ? { scope: systemScope(), householdId: c.household_id } : { scope: systemScope(), personIds: [c.person_id!] }, params);
    const base: Omit<PolicyResult, 'entityId'> = { policy: id, title: policy.title.zh, entity, name: null, eligible: null, outcome: null, amount: null, failed: [] };
    if (q.missing.length > 0) {
      results.push({ ...base, entityId: c.household_id ?? c.person_id!, error: `登记信息不足，无法测算：缺少 ${q.missing.join('、')}` });
      continue;
    }
    const rows = await db.query<{ id: number; input: Record<string, Record<string, unknown>> }>(`SELECT * FROM (${q.sql}) AS __q ORDER BY id`, params);
    const names = new Map((await db.query<{ id: number; name: string }>('SELECT id, name FROM person WHERE id = ANY ($1::bigint[])', [rows.map((r) => r.id)])).map((r) => [r.id, r.name]));
    for (const row of rows) {
      const name = entity === 'person' ? names.get(row.id) ?? null : null;
      let d: Decision;
      try { d = evaluateOne(cat, id, on, row.input); } catch (e) {
        results.push({ ...base, entityId: row.id, name, error: (e as Error).message });
        continue;
      }
      const reasonOf = new Map(policy.conditions.map((k) => [k.id, k.reason.zh]));
      results.push({ ...base, entityId: row.id, name, eligible: d.eligible, outcome: d.outcome, amount: d.amount, failed: d.reasons.filter((r) => !r.passed).map((r) => ({ rule: r.rule, reason: reasonOf.get(r.rule) ?? r.rule })) });
    }
  }
  const recommended = results.filter((r) => r.eligible).map((r) => ({ policy: r.policy, title: r.title, entityId: r.entityId, name: r.name, amount: r.amount }));
  return db.transaction((tx) => appendChain(tx, chainId, { kind: 'reevaluated', actor: ctx.actor, data: { on, results, recommended } }));
}

export type SimpleStep =
  | { kind: 'decision'; decision: 'approved' | 'refused' | 'no-assistance'; policies?: string[] | undefined; note?: string | undefined; clientActionId: string }
  | { kind: 'aid'; aid: string; amount?: number | undefined; note?: string | undefined; clientActionId: string }
  | { kind: 'follow-up'; date: string; note?: string | undefined; clientActionId: string }
  | { kind: 'note'; note: string; clientActionId: string };

/** A decision, aid given, a follow-up date or a note. A decision needs a visit first. */
export async function recordStep(db: Db, scope: Scope, chainId: number, s: SimpleStep, ctx: StepContext): Promise<ChainAction> {
  await openChainRow(db, scope, chainId);
  return db.transaction(async (tx) => {
    const [dup] = await tx.query<ChainAction>(`SELECT seq, kind, actor, at, note, data FROM monitoring_chain_action WHERE chain_id = $1 AND client_action_id = $2`, [chainId, s.clientActionId]);
    if (dup) return dup;
    const state = await chainState(tx, chainId, ctx.now);
    if ((s.kind === 'decision' || s.kind === 'aid') && state.visitOutcome === null) {
      throw new AppError('conflict', `chain ${chainId}: a ${s.kind} needs the verification visit first`, { field: 'kind' });
    }
    if (s.kind === 'follow-up' && s.date < beijingDate(ctx.now ?? new Date())) throw new AppError('validation', `date: the follow-up date ${s.date} is in the past`, { field: 'date' });
    const { kind, clientActionId, note, ...data } = s;
    return appendChain(tx, chainId, { kind, actor: ctx.actor, note: note ?? null, data, clientActionId });
  });
}

export { MONITORING_ACTOR };
