/**
 * Work orders (工单): the contract other modules use (types.ts). Every change is one appended
 * action; the order's state is deriveState(actions), stored beside the order in the same
 * transaction. Both creating (by clientKey) and acting (by clientActionId) are idempotent, so a
 * client or a timer retrying after a lost answer does no harm.
 *
 * Due times: `{ workingDays: n }` is the end of the working day (18:00 Beijing time, when offices
 * close) n working days after today's Beijing date, on the official calendar with overrides; 0
 * means today. `{ at }` is an exact instant (alarms count in seconds, not days).
 */
import { z } from 'zod';
import { addWorkingDays, beijingDate } from '../../platform/calendar.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { afterCommit, cancelTimer, scheduleTimer, withTransaction } from '../../platform/jobs.ts';
import { parseInput } from '../../platform/validate.ts';
import { Role } from '../../platform/auth/roles.ts';
import { applyAction, deriveState } from './derive.ts';
import * as repo from './repo.ts';
import { notifyAssignee } from './notify.ts';
import {
  ActionKind, type NewAction, type NewWorkOrder, type WorkOrder, type WorkOrderAction, type WorkOrderFilter, type WorkOrderSummary,
} from './types.ts';
import type { WorkOrderScope } from './visibility.ts';

export type { Viewer, WorkOrderScope } from './visibility.ts';
export { viewerOf } from './visibility.ts';

/** Offices close at 18:00: a due date in working days ends then (China Standard Time). */
export const WORKDAY_END_BEIJING = '18:00:00+08:00';
/** Kind of the durable timer that escalates an overdue order (escalation.ts handles it). */
export const OVERDUE_TIMER = 'workorders.overdue';
export const overdueTimerKey = (orderId: number): string => `workorders.overdue:${orderId}`;

const IsoInstant = z.string().datetime({ offset: true });
const AssigneeSchema = z.object({
  userId: z.number().int().positive().optional(),
  role: z.enum(Role).optional(),
  regionCode: z.string().regex(/^\d{12}$/).optional(),
  gridId: z.string().min(1).max(80).optional(),
  label: z.string().min(1).max(200).optional(),
}).refine((a) => a.userId !== undefined || a.role !== undefined || a.label !== undefined, 'an assignee needs a userId, a role or a label');

export const NewWorkOrderSchema = z.object({
  type: z.string().regex(/^[a-z][a-z0-9.-]{1,40}$/, 'lower-case letters, digits, dots and dashes'),
  subject: z.object({ kind: z.string().min(1).max(40), id: z.string().min(1).max(80) }),
  regionCode: z.string().regex(/^\d{12}$/, 'expected a 12-digit division code'),
  gridId: z.string().min(1).max(80).nullish(),
  title: z.string().trim().min(1).max(300),
  priority: z.enum(['low', 'normal', 'high', 'critical']).optional(),
  assignee: AssigneeSchema,
  due: z.union([z.object({ workingDays: z.number().int().min(0).max(365) }), z.object({ at: IsoInstant }), z.null()]),
  payload: z.record(z.string(), z.unknown()).optional(),
  clientKey: z.string().min(1).max(200).optional(),
  actor: z.string().min(1).max(100),
  escalation: z.enum(['chain', 'none']).optional(),
});

const NewActionSchema = z.object({
  kind: z.enum(ActionKind),
  actor: z.string().min(1).max(100),
  clientActionId: z.string().min(1).max(200).optional(),
  note: z.string().max(4000).optional(),
  assignee: AssigneeSchema.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  at: IsoInstant.optional(),
});

/** The due instant of an SLA, counted from `now`. */
export async function dueTime(db: Queryable, due: NewWorkOrder['due'], now: Date = new Date()): Promise<string | null> {
  if (due === null) return null;
  if ('at' in due) return new Date(due.at).toISOString();
  const day = await addWorkingDays(db, beijingDate(now), due.workingDays);
  return new Date(`${day}T${WORKDAY_END_BEIJING}`).toISOString();
}

// ---- events ----------------------------------------------------------------------------------

export type WorkOrderActionHandler = (order: WorkOrderSummary, action: WorkOrderAction) => void | Promise<void>;
const listeners: Array<{ type: string; handler: WorkOrderActionHandler }> = [];

/**
 * Calls `handler` after each new action on orders of `type` ('*' for all), once the action's
 * transaction has committed (when the service opened it, or the timer runner did; inside a
 * caller's own transaction, right after the action is written). In-process and not durable: for
 * anything that must happen, schedule a timer in the same transaction instead. Errors are logged.
 * Returns a function that removes the handler.
 */
export function onWorkOrderAction(type: string, handler: WorkOrderActionHandler): () => void {
  const entry = { type, handler };
  listeners.push(entry);
  return () => { const i = listeners.indexOf(entry); if (i >= 0) listeners.splice(i, 1); };
}

export function emitAfterCommit(tx: Queryable, order: WorkOrderSummary, action: WorkOrderAction): void {
  const targets = listeners.filter((l) => l.type === '*' || l.type === order.type);
  if (targets.length === 0) return;
  afterCommit(tx, async () => {
    for (const l of targets) {
      try { await l.handler(order, action); } catch (err) { console.error(`[workorders] ${order.type} handler failed:`, err); }
    }
  });
}

// ---- reading ---------------------------------------------------------------------------------

const strip = (r: repo.OrderRecord): WorkOrderSummary => {
  const { lastActionSeq: _s, autoEscalate: _a, ...summary } = r;
  return summary;
};

/** The order with its action log, if visible in `scope` (no scope: the system sees all). */
export async function findWorkOrder(db: Queryable, id: number, scope?: WorkOrderScope): Promise<WorkOrder | undefined> {
  const row = await repo.findOrder(db, id, scope);
  if (!row) return undefined;
  return { ...strip(row), actions: await repo.loadActions(db, id) };
}

/** Like findWorkOrder; absent or outside the scope -> AppError not_found. */
export async function getWorkOrder(db: Queryable, id: number, scope?: WorkOrderScope): Promise<WorkOrder> {
  const order = await findWorkOrder(db, id, scope);
  if (!order) throw notFound(`work order ${id}`);
  return order;
}

export async function listWorkOrders(db: Queryable, filter: WorkOrderFilter, scope?: WorkOrderScope): Promise<{ items: WorkOrderSummary[]; total: number }> {
  const { items, total } = await repo.listOrders(db, filter, scope);
  return { items: items.map(strip), total };
}

// ---- writing ---------------------------------------------------------------------------------

export async function createWorkOrder(db: Queryable | Db, input: NewWorkOrder): Promise<WorkOrder> {
  const o = parseInput(NewWorkOrderSchema, input, 'workOrder');
  if (o.clientKey) {
    const existing = await repo.orderIdByClientKey(db, o.clientKey);
    if (existing !== undefined) return getWorkOrder(db, existing);
  }
  const now = new Date();
  const dueAt = await dueTime(db, o.due, now);
  const assignee = { ...o.assignee };
  const sla = o.due !== null && 'workingDays' in o.due ? { workingDays: o.due.workingDays } : {};
  const created = { kind: 'created' as const, at: now.toISOString(), assignee, data: { dueAt, ...sla } };
  const state = deriveState([created]);
  return withTransaction(db, async (tx) => {
    const id = await repo.insertOrder(tx, {
      type: o.type, subjectKind: o.subject.kind, subjectId: o.subject.id, regionCode: o.regionCode, gridId: o.gridId ?? null,
      title: o.title, priority: o.priority ?? 'normal', payload: o.payload ?? {}, clientKey: o.clientKey ?? null, createdBy: o.actor,
      autoEscalate: (o.escalation ?? 'chain') === 'chain', state,
    });
    if (id === undefined) {
      // Another caller created the same clientKey concurrently; ON CONFLICT waited for it to commit.
      const existing = o.clientKey ? await repo.orderIdByClientKey(tx, o.clientKey) : undefined;
      if (existing === undefined) throw new Error('work order insert returned no id');
      return getWorkOrder(tx, existing);
    }
    await repo.insertAction(tx, id, { seq: 1, kind: 'created', actor: o.actor, at: created.at, note: null, assignee, data: created.data, clientActionId: 'created' });
    const order = await getWorkOrder(tx, id);
    if (dueAt !== null && (o.escalation ?? 'chain') === 'chain') {
      await scheduleTimer(tx, { kind: OVERDUE_TIMER, key: overdueTimerKey(id), runAt: dueAt, payload: { orderId: id } });
    }
    const action = order.actions[0];
    if (action) {
      await notifyAssignee(tx, order, action);
      emitAfterCommit(tx, order, action);
    }
    return order;
  });
}

/**
 * Appends an action. The same (order, clientActionId) is stored once: a repeat returns the order
 * as it is. An action the current state does not allow is refused with 'conflict'.
 */
export async function appendAction(db: Queryable | Db, id: number, input: NewAction, scope?: WorkOrderScope): Promise<WorkOrder> {
  const a = parseInput(NewActionSchema, input, 'action');
  return withTransaction(db, async (tx) => {
    if (scope !== undefined && !(await repo.findOrder(tx, id, scope))) throw notFound(`work order ${id}`);
    const locked = await repo.lockOrder(tx, id);
    if (!locked) throw notFound(`work order ${id}`);
    if (a.clientActionId && await repo.hasClientAction(tx, id, a.clientActionId)) return getWorkOrder(tx, id);
    const actions = await repo.loadActions(tx, id);
    const at = a.at ? new Date(a.at).toISOString() : new Date().toISOString();
    const data = a.kind === 'reopened' ? await withFreshDeadline(tx, actions, a.data, new Date(at)) : a.data;
    const facts = { kind: a.kind, at, assignee: a.assignee ?? null, data: data ?? null };
    const next = applyAction(deriveState(actions), facts);
    const seq = locked.lastActionSeq + 1;
    await repo.insertAction(tx, id, { seq, kind: a.kind, actor: a.actor, at, note: a.note ?? null, assignee: a.assignee ?? null, data: data ?? null, clientActionId: a.clientActionId ?? null });
    await repo.writeState(tx, id, next, seq);
    await keepOverdueTimer(tx, id, locked, next);
    const order = await getWorkOrder(tx, id);
    const action = order.actions[order.actions.length - 1];
    if (action) {
      if (a.kind === 'assigned' || a.kind === 'escalated') await notifyAssignee(tx, order, action);
      emitAfterCommit(tx, order, action);
    }
    return order;
  });
}

/**
 * A reopened order gets its SLA again from the reopening (its working days, as created), unless
 * the caller sets data.dueAt: otherwise it would be overdue, and escalate, the moment it reopens.
 */
async function withFreshDeadline(tx: Queryable, actions: readonly WorkOrderAction[], data: Record<string, unknown> | undefined, at: Date): Promise<Record<string, unknown> | undefined> {
  if (data && 'dueAt' in data) return data;
  const days = actions[0]?.data?.workingDays;
  if (typeof days !== 'number') return data;
  return { ...(data ?? {}), dueAt: await dueTime(tx, { workingDays: days }, at) };
}

/** The overdue timer follows the order: re-armed when the due time moves, cancelled once done. */
async function keepOverdueTimer(tx: Queryable, id: number, before: repo.OrderRecord, after: ReturnType<typeof deriveState>): Promise<void> {
  if (!before.autoEscalate) return;
  const waiting = after.status === 'open' || after.status === 'accepted';
  if (!waiting || after.dueAt === null) {
    if (before.status === 'open' || before.status === 'accepted') await cancelTimer(tx, overdueTimerKey(id));
    return;
  }
  const wasWaiting = before.status === 'open' || before.status === 'accepted';
  if (!wasWaiting || after.dueAt !== before.dueAt) {
    await scheduleTimer(tx, { kind: OVERDUE_TIMER, key: overdueTimerKey(id), runAt: after.dueAt, payload: { orderId: id } });
  }
}

export { AppError };
