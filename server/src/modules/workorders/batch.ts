/**
 * Many work orders at once (a monitoring run raising thousands of verification tasks): the same
 * records createWorkOrder writes — the order with its state derived from its one 'created' action,
 * that action, the overdue timer, the assignees' notifications, the after-commit events — written
 * with one statement per table instead of one transaction per order. Due times are computed once
 * per SLA (all orders of a batch are created at the same instant, so on the same Beijing date).
 * Idempotent by clientKey like createWorkOrder: an existing key (or a key repeated in the batch)
 * answers the order that has it. Runs in the caller's transaction, or opens one.
 */
import { z } from 'zod';
import type { Db, Queryable } from '../../platform/db.ts';
import { scheduleTimers, withTransaction } from '../../platform/jobs.ts';
import { parseInput } from '../../platform/validate.ts';
import { deriveState } from './derive.ts';
import { assigneeNotice, notifyMany, usersOfAssignees } from './notify.ts';
import * as repo from './repo.ts';
import { dueTime, emitAfterCommit, NewWorkOrderSchema, OVERDUE_TIMER, overdueTimerKey } from './service.ts';
import type { NewWorkOrder, WorkOrder, WorkOrderSummary } from './types.ts';

/** createWorkOrder for each input, in order; answers the orders (with their action logs) in the same order. */
export async function createWorkOrders(db: Queryable | Db, inputs: readonly NewWorkOrder[]): Promise<WorkOrder[]> {
  if (inputs.length === 0) return [];
  const parsed = parseInput(z.array(NewWorkOrderSchema), inputs, 'workOrders'); // an error names the order: "1.regionCode: …"
  const now = new Date();
  return withTransaction(db, async (tx) => {
    const existing = await repo.orderIdsByClientKeys(tx, [...new Set(parsed.flatMap((o) => (o.clientKey ? [o.clientKey] : [])))]);
    // Which inputs make a new order: the first of each client key not stored yet, and every one without a key.
    const fresh = parsed.flatMap((o, i) => {
      if (!o.clientKey) return [i];
      if (existing.has(o.clientKey)) return [];
      existing.set(o.clientKey, -1 - i); // taken by this input; later repeats answer its order
      return [i];
    });
    const ids = await repo.nextOrderIds(tx, fresh.length);
    const dues = new Map<string, Promise<string | null>>();
    const rows = await Promise.all(fresh.map(async (i, k) => {
      const o = parsed[i]!;
      const key = JSON.stringify(o.due);
      if (!dues.has(key)) dues.set(key, dueTime(tx, o.due, now));
      const dueAt = await dues.get(key)!;
      const assignee = { ...o.assignee };
      const sla = o.due !== null && 'workingDays' in o.due ? { workingDays: o.due.workingDays } : {};
      const created = { kind: 'created' as const, at: now.toISOString(), assignee, data: { dueAt, ...sla } };
      return {
        index: i, created,
        insert: {
          id: ids[k]!, type: o.type, subjectKind: o.subject.kind, subjectId: o.subject.id, regionCode: o.regionCode, gridId: o.gridId ?? null,
          title: o.title, priority: o.priority ?? 'normal', payload: o.payload ?? {}, clientKey: o.clientKey ?? null, createdBy: o.actor,
          autoEscalate: (o.escalation ?? 'chain') === 'chain', state: deriveState([created]),
        },
      };
    }));
    const inserted = await repo.insertOrders(tx, rows.map((r) => r.insert));
    const made = rows.filter((r) => inserted.has(r.insert.id));
    await repo.insertActions(tx, made.map((r) => ({
      orderId: r.insert.id, seq: 1, kind: 'created', actor: r.insert.createdBy, at: r.created.at, note: null, assignee: r.created.assignee,
      data: r.created.data, clientActionId: 'created',
    })));
    await scheduleTimers(tx, made.filter((r) => r.created.data.dueAt !== null && r.insert.autoEscalate)
      .map((r) => ({ kind: OVERDUE_TIMER, key: overdueTimerKey(r.insert.id), runAt: r.created.data.dueAt!, payload: { orderId: r.insert.id } })));
    // A key another caller stored between the look-up and the insert: answer theirs, as createWorkOrder does.
    const lost = rows.filter((r) => !inserted.has(r.insert.id) && r.insert.clientKey !== null);
    const raced = await repo.orderIdsByClientKeys(tx, lost.map((r) => r.insert.clientKey!));
    const rowOf = new Map(rows.map((r) => [r.index, r]));
    const idOf = (i: number): number => {
      const key = parsed[i]!.clientKey;
      const row = rowOf.get(i);
      if (row && inserted.has(row.insert.id)) return row.insert.id;
      if (!key) throw new Error('work order insert returned no id');
      const id = raced.get(key) ?? existing.get(key)!;
      return id >= 0 ? id : idOf(-1 - id);
    };
    const answerIds = parsed.map((_o, i) => idOf(i));
    const records = new Map((await repo.findOrders(tx, [...new Set(answerIds)])).map((r) => [r.id, r]));
    const logs = await repo.loadActionsOf(tx, [...records.keys()]);
    const orders = new Map<number, WorkOrder>([...records].map(([id, r]) => {
      const { lastActionSeq: _s, autoEscalate: _a, ...summary } = r;
      return [id, { ...summary, actions: logs.get(id) ?? [] }];
    }));
    // Notifications of the new orders, as notifyAssignee sends them, in one look-up and one insert.
    const created = made.map((r) => { const order = orders.get(r.insert.id)!; return { order, action: order.actions[0]! }; });
    const users = await usersOfAssignees(tx, created.map((c) => ({ assignee: c.action.assignee ?? c.order.assignee, order: c.order })));
    await notifyMany(tx, created.flatMap((c, k) => { const n = users[k]!.length > 0 ? assigneeNotice(c.order, c.action) : undefined; return n ? [{ ...n, userIds: users[k]! }] : []; }));
    for (const c of created) emitAfterCommit(tx, c.order, c.action);
    return answerIds.map((id) => orders.get(id)!);
  });
}

/** Many orders without their action logs, by id (the system's view, no scope); ids not found are absent. */
export async function findWorkOrderSummaries(db: Queryable, ids: readonly number[]): Promise<Map<number, WorkOrderSummary>> {
  const rows = await repo.findOrders(db, [...new Set(ids)]);
  return new Map(rows.map(({ lastActionSeq: _s, autoEscalate: _a, ...summary }) => [summary.id, summary]));
}
