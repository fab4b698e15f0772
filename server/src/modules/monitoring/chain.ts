/**
 * 一户一条闭环救助链: one open chain per household (a person without a household has their own).
 * A raised warning joins the household's open chain (or opens one) and, unless the chain already
 * has an open verification task, creates one for the household's grid worker (work order type
 * 'verification', due in the rule's working days). Links are appended, never changed; the chain's
 * state is derived (chain-derive.ts).
 */
import type { Scope } from '../../platform/auth/scope.ts';
import { scopeSql } from '../../platform/auth/scope.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { appendAction, createWorkOrder, findWorkOrder } from '../workorders/service.ts';
import { deriveChain, type ChainAction, type ChainActionKind, type ChainState, type TaskStatus } from './chain-derive.ts';
import type { MonitoringRule } from './rule-file.ts';

export const MONITORING_ACTOR = 'monitoring';
export const VERIFICATION = 'verification';

export interface RaiseInput {
  runId: number; rule: MonitoringRule; onDate: string; reason: string; evidence: Record<string, unknown>; evidenceHash: string;
  subject: { subjectKey: string; personId: number | null; householdId: number | null; regionCode: string; gridId: string | null };
}

/** Appends one link; idempotent by client action id (the existing link is answered). */
export async function appendChain(tx: Queryable, chainId: number, a: { kind: ChainActionKind; actor: string; note?: string | null; data?: Record<string, unknown>; clientActionId?: string | undefined }): Promise<ChainAction> {
  if (a.clientActionId) {
    const [dup] = await tx.query<ChainAction>(`SELECT seq, kind, actor, at, note, data FROM monitoring_chain_action WHERE chain_id = $1 AND client_action_id = $2`, [chainId, a.clientActionId]);
    if (dup) return dup;
  }
  const [row] = await tx.query<ChainAction>(
    `INSERT INTO monitoring_chain_action (chain_id, seq, kind, actor, client_action_id, note, data)
     VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM monitoring_chain_action WHERE chain_id = $1), $2, $3, $4, $5, $6::jsonb)
     RETURNING seq, kind, actor, at, note, data`,
    [chainId, a.kind, a.actor, a.clientActionId ?? null, a.note ?? null, JSON.stringify(a.data ?? {})]);
  if (a.kind === 'closed') await tx.query(`UPDATE monitoring_chain SET status = 'closed', closed_at = now() WHERE id = $1`, [chainId]);
  return row!;
}

async function openChain(tx: Queryable, s: RaiseInput['subject']): Promise<{ id: number; created: boolean }> {
  const [made] = await tx.query<{ id: number }>(
    `INSERT INTO monitoring_chain (subject_key, household_id, person_id, region_code, grid_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (subject_key) WHERE status = 'open' DO NOTHING RETURNING id`,
    [s.subjectKey, s.householdId, s.householdId === null ? s.personId : null, s.regionCode, s.gridId]);
  if (made) return { id: made.id, created: true };
  const [open] = await tx.query<{ id: number }>(`SELECT id FROM monitoring_chain WHERE subject_key = $1 AND status = 'open' FOR UPDATE`, [s.subjectKey]);
  return { id: open!.id, created: false };
}

async function chainActions(db: Queryable, chainId: number): Promise<ChainAction[]> {
  return db.query<ChainAction>(`SELECT seq, kind, actor, at, note, data FROM monitoring_chain_action WHERE chain_id = $1 ORDER BY seq`, [chainId]);
}

/** The verification work orders of a chain with their current status. */
async function taskStatuses(db: Queryable, actions: readonly ChainAction[]): Promise<Map<number, TaskStatus>> {
  const out = new Map<number, TaskStatus>();
  for (const a of actions) {
    if (a.kind !== 'task') continue;
    const id = Number(a.data.workOrderId);
    if (out.has(id)) continue;
    const o = await findWorkOrder(db, id);
    if (o) out.set(id, { id, status: o.status, dueAt: o.dueAt, resolvedAt: o.resolvedAt, overdue: o.overdue, assignee: o.assignee });
  }
  return out;
}

export async function chainState(db: Queryable, chainId: number, now = new Date()): Promise<ChainState> {
  const actions = await chainActions(db, chainId);
  return deriveChain(actions, await taskStatuses(db, actions), now);
}

/** Stores a warning in the household's chain and makes sure a verification task is open for it. */
export async function raiseIntoChain(db: Db, r: RaiseInput): Promise<number> {
  return db.transaction(async (tx) => {
    const chain = await openChain(tx, r.subject);
    if (chain.created) await appendChain(tx, chain.id, { kind: 'opened', actor: MONITORING_ACTOR, data: { subjectKey: r.subject.subjectKey } });
    const [w] = await tx.query<{ id: number }>(
      `INSERT INTO monitoring_warning (run_id, rule_id, rule_version, severity, subject_key, person_id, household_id, region_code, grid_id, on_date, reason, evidence, evidence_hash, chain_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14) RETURNING id`,
      [r.runId, r.rule.id, r.rule.policy.version, r.rule.meta.severity, r.subject.subjectKey, r.subject.personId, r.subject.householdId,
        r.subject.regionCode, r.subject.gridId, r.onDate, r.reason, JSON.stringify(r.evidence), r.evidenceHash, chain.id]);
    const warningId = w!.id;
    await appendChain(tx, chain.id, { kind: 'warning', actor: MONITORING_ACTOR, note: r.reason, data: { warningId, ruleId: r.rule.id, severity: r.rule.meta.severity, title: r.rule.policy.title.zh } });
    const state = await chainState(tx, chain.id);
    const open = state.openTasks[0];
    if (open !== undefined) {
      await appendAction(tx, open, { kind: 'note', actor: MONITORING_ACTOR, clientActionId: `warning:${warningId}`, note: `新预警：${r.reason}`, data: { warningId } });
      return warningId;
    }
    if (!/^\d{12}$/.test(r.subject.regionCode)) return warningId; // not placed in a community: no one to send
    const subject = r.subject.householdId !== null ? { kind: 'household', id: String(r.subject.householdId) } : { kind: 'person', id: String(r.subject.personId) };
    const order = await createWorkOrder(tx, {
      type: VERIFICATION, subject, regionCode: r.subject.regionCode, gridId: r.subject.gridId,
      title: `入户核查：${r.rule.policy.title.zh}`, priority: r.rule.meta.severity === 'high' ? 'high' : 'normal',
      assignee: r.subject.gridId ? { role: 'grid-worker', regionCode: r.subject.regionCode, gridId: r.subject.gridId } : { role: 'community-worker', regionCode: r.subject.regionCode },
      due: { workingDays: r.rule.meta.sla.verificationDays },
      payload: { chainId: chain.id, warningId, ruleId: r.rule.id, reason: r.reason },
      clientKey: `monitoring-warning:${warningId}`, actor: MONITORING_ACTOR,
    });
    await appendChain(tx, chain.id, { kind: 'task', actor: MONITORING_ACTOR, data: { workOrderId: order.id, warningId, dueAt: order.dueAt, assignee: order.assignee } });
    return warningId;
  });
}

// ---- reading ----

export interface ChainRow {
  id: number; subject_key: string; household_id: number | null; person_id: number | null; region_code: string; grid_id: string | null;
  status: 'open' | 'closed'; opened_at: string; closed_at: string | null;
}

export async function findChain(db: Queryable, scope: Scope, id: number): Promise<ChainRow | undefined> {
  const params: unknown[] = [id];
  const [row] = await db.query<ChainRow>(`SELECT id, subject_key, household_id, person_id, region_code, grid_id, status, opened_at, closed_at FROM monitoring_chain c
    WHERE c.id = $1 AND ${scopeSql(scope, 'c.region_code', 'c.grid_id', params)}`, params);
  return row;
}

export async function getChainRow(db: Queryable, scope: Scope, id: number): Promise<ChainRow> {
  const row = await findChain(db, scope, id);
  if (!row) throw notFound(`chain ${id}`);
  return row;
}

export interface ChainView {
  id: number; subjectKey: string; householdId: number | null; personId: number | null; regionCode: string; regionName: string | null; gridId: string | null;
  openedAt: string; closedAt: string | null; household: { householdNo: string; headName: string | null; address: string | null } | null;
  members: Array<{ personId: number; name: string; relation: string | null }>;
  warnings: Array<{ id: number; ruleId: string; severity: string; reason: string; onDate: string; raisedAt: string; evidence: Record<string, unknown> }>;
  tasks: TaskStatus[];
  state: ChainState;
}

export async function chainView(db: Queryable, scope: Scope, id: number, now = new Date()): Promise<ChainView> {
  const c = await getChainRow(db, scope, id);
  const actions = await chainActions(db, id);
  const tasks = await taskStatuses(db, actions);
  const [hh] = c.household_id === null ? [] : await db.query<{ household_no: string; head: string | null; address: string | null }>(
    `SELECT h.household_no, (SELECT name FROM person WHERE id = h.head_person_id) AS head, h.address FROM household h WHERE h.id = $1`, [c.household_id]);
  const members = await db.query<{ personId: number; name: string; relation: string | null }>(
    `SELECT id AS "personId", name, household_relation AS relation FROM person WHERE ${c.household_id === null ? 'id = $1' : 'household_id = $1'} ORDER BY (household_relation = 'head') DESC NULLS LAST, id`,
    [c.household_id ?? c.person_id]);
  const warnings = await db.query<ChainView['warnings'][number]>(
    `SELECT id, rule_id AS "ruleId", severity, reason, to_char(on_date, 'YYYY-MM-DD') AS "onDate", raised_at AS "raisedAt", evidence FROM monitoring_warning WHERE chain_id = $1 ORDER BY id`, [id]);
  const [region] = await db.query<{ name: string }>('SELECT name FROM region WHERE code = $1', [c.region_code]);
  return {
    id: c.id, subjectKey: c.subject_key, householdId: c.household_id, personId: c.person_id, regionCode: c.region_code, regionName: region?.name ?? null,
    gridId: c.grid_id, openedAt: c.opened_at, closedAt: c.closed_at,
    household: hh ? { householdNo: hh.household_no, headName: hh.head, address: hh.address } : null,
    members, warnings, tasks: [...tasks.values()], state: deriveChain(actions, tasks, now),
  };
}

/** Closing: refused (409) while a verification task is open. */
export async function closeChain(db: Db, scope: Scope, id: number, input: { note?: string | undefined; clientActionId?: string | undefined }, actor: string): Promise<ChainAction> {
  return db.transaction(async (tx) => {
    const c = await getChainRow(tx, scope, id);
    await tx.query('SELECT id FROM monitoring_chain WHERE id = $1 FOR UPDATE', [id]);
    if (c.status === 'closed') throw new AppError('conflict', `chain ${id} is already closed`, { field: 'status' });
    const state = await chainState(tx, id);
    if (state.openTasks.length > 0) {
      throw new AppError('conflict', `chain ${id} cannot be closed: verification task ${state.openTasks.map((t) => `#${t}`).join(', ')} is still open; record the visit (or resolve the task) first`, { field: 'openTasks', openTasks: state.openTasks });
    }
    return appendChain(tx, id, { kind: 'closed', actor, note: input.note ?? null, clientActionId: input.clientActionId });
  });
}
