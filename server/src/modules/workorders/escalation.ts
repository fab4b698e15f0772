/**
 * Overdue escalation (逐级上报): when an order with the 'chain' escalation passes its due time,
 * its durable timer fires and the order goes one level up the chain of its type (table
 * work_order_escalation: grid worker → community worker → street staff by default), with an
 * 'escalated' action naming from and to, and a new due time of the level's grace working days.
 * At the top of the chain a 'timeout' action records that nobody above is left.
 */
import type { Queryable } from '../../platform/db.ts';
import { registerTimerHandler, type Timer, type TimerEnv } from '../../platform/jobs.ts';
import type { Role } from '../../platform/auth/roles.ts';
import * as repo from './repo.ts';
import { appendAction, dueTime, OVERDUE_TIMER } from './service.ts';
import type { Assignee } from './types.ts';

/** Where the current assignee stands on the chain (-1: not on it, e.g. a named user without such a role). */
async function chainPosition(tx: Queryable, assignee: Assignee, chain: ReadonlyArray<{ role: string }>): Promise<number> {
  if (assignee.role !== undefined) return chain.findIndex((c) => c.role === assignee.role);
  if (assignee.userId !== undefined) {
    const roles = new Set(await repo.rolesOfUser(tx, assignee.userId));
    return chain.reduce((best, c, i) => (roles.has(c.role) ? i : best), -1);
  }
  return -1;
}

export async function escalateOverdue(tx: Queryable, orderId: number, now: Date): Promise<'escalated' | 'top' | 'not-due'> {
  const order = await repo.lockOrder(tx, orderId);
  if (!order || !order.autoEscalate || (order.status !== 'open' && order.status !== 'accepted') || order.dueAt === null) return 'not-due';
  if (Date.parse(order.dueAt) > now.getTime()) return 'not-due';
  const chain = await repo.escalationChain(tx, order.type);
  const position = await chainPosition(tx, order.assignee, chain);
  const next = chain[position + 1];
  if (!next) {
    await appendAction(tx, orderId, {
      kind: 'timeout', actor: 'system', at: now.toISOString(), clientActionId: `overdue-top:${order.dueAt}`,
      note: '已超期，升级链已到最高一级', data: { reason: 'overdue', dueAt: order.dueAt, topOfChain: true },
    });
    return 'top';
  }
  const to: Assignee = {
    role: next.role as Role, regionCode: order.regionCode,
    ...(next.role === 'grid-worker' && order.gridId ? { gridId: order.gridId } : {}),
  };
  const dueAt = next.graceWorkingDays > 0 ? await dueTime(tx, { workingDays: next.graceWorkingDays }, now) : null;
  await appendAction(tx, orderId, {
    kind: 'escalated', actor: 'system', at: now.toISOString(), clientActionId: `escalate:${next.level}:${order.dueAt}`,
    note: '超期未办结，自动升级', assignee: to,
    data: { reason: 'overdue', from: order.assignee, to, level: next.level, previousDueAt: order.dueAt, dueAt },
  });
  return 'escalated';
}

async function onOverdueTimer(tx: Queryable, timer: Timer, env: TimerEnv): Promise<void> {
  const orderId = Number(timer.payload.orderId);
  if (!Number.isInteger(orderId)) throw new Error(`overdue timer ${timer.key} without an order id`);
  await escalateOverdue(tx, orderId, env.now);
}

export function registerEscalationHandler(): void {
  registerTimerHandler(OVERDUE_TIMER, onOverdueTimer);
}
