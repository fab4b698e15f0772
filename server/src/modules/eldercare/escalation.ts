/**
 * Running an alarm's escalation. The alarm IS a work order of type 'alarm' (workorders module);
 * every step, notification, timeout and acknowledgement is an action on it, to the second. Each
 * step arms a durable timer (platform/jobs.ts) in the same transaction as its actions, so a
 * restart loses nothing: the timer fires in whichever process claims it. When it fires and nobody
 * has acknowledged, a 'timeout' action is appended and the next step begins; the call seat, last,
 * is re-alerted until someone acknowledges. Delivery ('notified') is never acknowledgement.
 * Every action carries a clientActionId, so a repeated handler run stores nothing twice.
 */
import type { Db, Queryable } from '../../platform/db.ts';
import { registerTimerHandler, scheduleTimer, withTransaction, type Timer, type TimerEnv } from '../../platform/jobs.ts';
import { appendAction, createWorkOrder, findWorkOrder } from '../workorders/service.ts';
import type { Assignee, WorkOrder } from '../workorders/types.ts';
import { maskPhone } from '../registry/masking.ts';
import type { EscalationPlan, EscalationStep } from './plan.ts';
import type { Firing, Severity } from './rules.ts';
import { findElderUnscoped } from './repo.ts';
import { guardParams } from './params.ts';

export const ALARM_ORDER_TYPE = 'alarm';
export const STEP_TIMER = 'eldercare.alarm-step';
const SYSTEM = 'system:eldercare';

export const RULE_LABELS: Record<string, string> = {
  sos: '一键呼叫', fall: '跌倒', 'still-after-fall': '跌倒后无活动', inactivity: '长时间无活动',
  'door-not-opened': '门长时间未开', 'door-open-night': '夜间门未关',
};

export interface AlarmRow {
  id: number; person_id: number; rule: string; severity: Severity; opened_at: string; work_order_id: number | null;
  plan: EscalationPlan; workday: boolean; closed_at: string | null; outcome: string | null;
}

export async function loadAlarm(db: Queryable, id: number): Promise<AlarmRow | undefined> {
  const [row] = await db.query<AlarmRow>('SELECT id, person_id, rule, severity, opened_at, work_order_id, plan, workday, closed_at, outcome FROM eldercare_alarm WHERE id = $1', [id]);
  return row;
}

function assigneeOf(step: EscalationStep, communityCode: string, gridId: string | null): Assignee {
  const names = step.contacts.map((c) => c.name).join('、');
  switch (step.responder) {
    case 'relative': return { label: `亲属 ${names}${step.contacts[0]?.relation ? `（${step.contacts[0].relation}）` : ''}` };
    case 'grid-worker': return { role: 'grid-worker', regionCode: communityCode, ...(gridId ? { gridId } : {}), ...(names ? { label: `网格员 ${names}` } : {}) };
    case 'volunteer': return { role: 'responder', regionCode: communityCode, label: `志愿者 ${names || '（名册为空）'}` };
    case 'social-organisation': return { role: 'responder', regionCode: communityCode, label: `社会组织 ${names}` };
    case 'call-seat': return { role: 'call-seat', regionCode: communityCode, label: '24小时人工坐席' };
  }
}

export const acknowledged = (o: WorkOrder): boolean => o.actions.some((a) => a.kind === 'acknowledged');
const finished = (o: WorkOrder): boolean => o.status === 'resolved' || o.status === 'closed';
const stepKey = (alarmId: number, order: number, repeat: number): string => `eldercare.alarm:${alarmId}:step:${order}:${repeat}`;

/** Alerts a step's contacts (one 'notified' action each) and arms the step's timer. */
async function beginStep(tx: Queryable, alarm: AlarmRow, orderId: number, step: EscalationStep, repeat: number, now: Date, communityCode: string, gridId: string | null): Promise<void> {
  const at = now.toISOString();
  if (step.order > 1 && repeat === 0) {
    await appendAction(tx, orderId, {
      kind: 'escalated', actor: SYSTEM, at, clientActionId: `step-${step.order}-escalated`, assignee: assigneeOf(step, communityCode, gridId),
      data: { level: step.order, step: step.order, responder: step.responder }, note: `升级到第${step.order}步：${step.responder}`,
    });
  }
  const contacts = step.contacts.length > 0 ? step.contacts : [{ name: assigneeOf(step, communityCode, gridId).label ?? step.responder, phone: null }];
  for (const [i, c] of contacts.entries()) {
    await appendAction(tx, orderId, {
      kind: 'notified', actor: SYSTEM, at, clientActionId: `step-${step.order}-notify-${i}-${repeat}`,
      data: { step: step.order, responder: step.responder, contact: c.name, relation: 'relation' in c ? c.relation ?? null : null,
        phone: maskPhone(c.phone ?? null), channel: c.phone ? 'voice+sms' : 'console', repeat },
    });
  }
  await scheduleTimer(tx, { kind: STEP_TIMER, key: stepKey(alarm.id, step.order, repeat), runAt: new Date(now.getTime() + step.timeoutSeconds * 1000),
    payload: { alarmId: alarm.id, step: step.order, repeat }, maxAttempts: 20 });
}

/** Creates the alarm's work order and begins step 1; idempotent (the recovery sweep may repeat it). */
export async function onAlarmOpened(db: Db, alarmId: number, now = new Date()): Promise<void> {
  const alarm = await loadAlarm(db, alarmId);
  if (!alarm || alarm.work_order_id !== null) return;
  const elder = await findElderUnscoped(db, alarm.person_id);
  if (!elder?.community_code) { console.error(`[eldercare] alarm ${alarmId}: elder ${alarm.person_id} has no community; the call seat sees it in the console`); return; }
  const first = alarm.plan.steps[0];
  if (!first) return;
  const order = await createWorkOrder(db, {
    type: ALARM_ORDER_TYPE, subject: { kind: 'person', id: String(alarm.person_id) }, regionCode: elder.community_code, gridId: elder.grid_id,
    title: `${RULE_LABELS[alarm.rule] ?? alarm.rule} — ${elder.name}`, priority: alarm.severity === 'critical' ? 'critical' : 'high',
    assignee: assigneeOf(first, elder.community_code, elder.grid_id), due: null, escalation: 'none',
    payload: { alarmId, rule: alarm.rule, severity: alarm.severity, openedAt: alarm.opened_at, workday: alarm.workday },
    clientKey: `eldercare.alarm:${alarmId}`, actor: SYSTEM,
  });
  await withTransaction(db, async (tx) => {
    const [claimed] = await tx.query('UPDATE eldercare_alarm SET work_order_id = $2 WHERE id = $1 AND work_order_id IS NULL RETURNING id', [alarmId, order.id]);
    if (!claimed) return;
    await beginStep(tx, alarm, order.id, first, 0, now, elder.community_code!, elder.grid_id);
  });
}

/** Evidence joining an open alarm is written on its work order as a note. */
export async function onEvidenceAdded(db: Db, alarmId: number, f: Firing, raised: boolean): Promise<void> {
  const alarm = await loadAlarm(db, alarmId);
  if (!alarm?.work_order_id) return;
  const order = await findWorkOrder(db, alarm.work_order_id);
  if (!order || finished(order)) return;
  await appendAction(db, alarm.work_order_id, {
    kind: 'note', actor: SYSTEM, clientActionId: `evidence-${f.dedupeKey}`.slice(0, 200),
    note: `${f.explanation.zh}${raised ? `（级别升为 ${f.severity}）` : ''}`, data: { rule: f.rule, eventIds: f.eventIds, severity: f.severity, raised },
  });
}

/** A step's timer: nobody acknowledged in time -> timeout, then the next step (or the call seat again). */
export async function onStepTimeout(tx: Queryable, timer: Timer, env: TimerEnv): Promise<void> {
  const alarmId = Number(timer.payload.alarmId);
  const stepNo = Number(timer.payload.step);
  const repeat = Number(timer.payload.repeat ?? 0);
  const alarm = await loadAlarm(tx, alarmId);
  if (!alarm?.work_order_id) return;
  const order = await findWorkOrder(tx, alarm.work_order_id);
  if (!order || finished(order) || acknowledged(order)) return;
  const step = alarm.plan.steps[stepNo - 1];
  if (!step) return;
  const at = env.now.toISOString();
  await appendAction(tx, order.id, {
    kind: 'timeout', actor: SYSTEM, at, clientActionId: `step-${stepNo}-timeout-${repeat}`,
    data: { step: stepNo, responder: step.responder, timeoutSeconds: step.timeoutSeconds, repeat }, note: `第${stepNo}步（${step.responder}）${step.timeoutSeconds}秒内无人确认`,
  });
  const next = alarm.plan.steps[stepNo];
  if (next) await beginStep(tx, alarm, order.id, next, 0, env.now, order.regionCode, order.gridId);
  else if (repeat < guardParams().escalation.callSeatRepeats) await beginStep(tx, alarm, order.id, step, repeat + 1, env.now, order.regionCode, order.gridId);
}

let registered = false;
export function registerEscalationTimers(): void {
  if (registered) return;
  registered = true;
  registerTimerHandler(STEP_TIMER, onStepTimeout);
}

/** Alarms whose work order was never created (a process died right after opening): start them. */
export async function recoverAlarms(db: Db): Promise<number> {
  const rows = await db.query<{ id: number }>(`SELECT id FROM eldercare_alarm WHERE work_order_id IS NULL AND closed_at IS NULL AND created_at < clock_timestamp() - interval '5 seconds' ORDER BY id LIMIT 200`);
  for (const r of rows) await onAlarmOpened(db, r.id);
  return rows.length;
}
