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
import { ackLink, sendWebhook } from '../workorders/webhooks.ts';
import { contactRef, type EscalationPlan, type EscalationStep } from './plan.ts';
import type { Firing, Severity } from './rules.ts';
import { findElderUnscoped } from './repo.ts';
import { guardParams } from './params.ts';

export const ALARM_ORDER_TYPE = 'alarm';
export const STEP_TIMER = 'eldercare.alarm-step';
const SYSTEM = 'system:eldercare';

/** Where acknowledgement links point (PUBLIC_BASE_URL); set when the background work starts. */
let publicBaseUrl: string | undefined;
export function setPublicBaseUrl(url: string | undefined): void { publicBaseUrl = url; }

interface StepContext {
  alarm: AlarmRow; orderId: number; elderName: string; communityCode: string; gridId: string | null;
}

export const RULE_LABELS: Record<string, string> = {
  sos: '一键呼叫', fall: '跌倒', 'still-after-fall': '跌倒后无活动', inactivity: '长时间无活动',
  'door-not-opened': '门长时间未开', 'door-open-night': '夜间门未关',
};

const RESPONDER_ZH: Record<string, string> = { relative: '亲属', 'grid-worker': '网格员', volunteer: '志愿者', 'social-organisation': '社会组织', 'call-seat': '24小时坐席' };

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

/**
 * Alerts a step's contacts and arms the step's timer. A contact with a phone gets a voice call and
 * an SMS through the gateway (webhooks.ts) with a signed acknowledgement link; the gateway's 2xx
 * adds the 'notified' action, the link or a key press the 'acknowledged' one. Contacts without a
 * phone (the call seat, a grid worker with an account only) are alerted in the console.
 */
async function beginStep(tx: Queryable, c: StepContext, step: EscalationStep, repeat: number, now: Date): Promise<void> {
  const at = now.toISOString();
  const { alarm, orderId } = c;
  if (step.order > 1 && repeat === 0) {
    await appendAction(tx, orderId, {
      kind: 'escalated', actor: SYSTEM, at, clientActionId: `step-${step.order}-escalated`, assignee: assigneeOf(step, c.communityCode, c.gridId),
      data: { level: step.order, step: step.order, responder: step.responder }, note: `升级到第${step.order}步：${RESPONDER_ZH[step.responder] ?? step.responder}`,
    });
  }
  const label = RULE_LABELS[alarm.rule] ?? alarm.rule;
  for (const [i, contact] of step.contacts.entries()) {
    const ref = contactRef(contact);
    const phone = contact.phone?.replace(/[^\d+]/g, '') ?? '';
    if (!ref || !phone) continue;
    const link = await ackLink(tx, orderId, ref, { baseUrl: publicBaseUrl, now });
    const message = `【民生守护】${c.elderName}触发“${label}”报警，请立即联系或上门查看。确认收到请按1，或打开 ${link}`;
    const queued = [];
    for (const channel of ['voice', 'sms'] as const) {
      queued.push(await sendWebhook(tx, { workOrderId: orderId, channel, contactRef: ref, to: { name: contact.name, phone }, message, ackUrl: link,
        clientKey: `eldercare.alarm:${alarm.id}:step:${step.order}:${repeat}:${i}:${channel}` }));
    }
    await appendAction(tx, orderId, {
      kind: 'note', actor: SYSTEM, at, clientActionId: `step-${step.order}-call-${i}-${repeat}`,
      note: `呼叫${contact.name}${contact.relation ? `（${contact.relation}）` : ''}：语音与短信已交网关发送`,
      data: { step: step.order, responder: step.responder, contact: contact.name, contactRef: ref, phone: maskPhone(phone), deliveries: queued.map((d) => d.id), repeat },
    });
  }
  if (step.contacts.every((x) => !x.phone)) {
    await appendAction(tx, orderId, {
      kind: 'notified', actor: SYSTEM, at, clientActionId: `step-${step.order}-console-${repeat}`,
      note: `${assigneeOf(step, c.communityCode, c.gridId).label ?? step.responder}：控制台报警（声音提示）`,
      data: { step: step.order, responder: step.responder, channel: 'console', repeat },
    });
  }
  await scheduleTimer(tx, { kind: STEP_TIMER, key: stepKey(alarm.id, step.order, repeat), runAt: new Date(now.getTime() + step.timeoutSeconds * 1000),
    payload: { alarmId: alarm.id, step: step.order, repeat }, maxAttempts: 20 });
}

/** Creates the alarm's work order and begins step 1; idempotent (the recovery sweep may repeat it). */
export async function onAlarmOpened(db: Db, alarmId: number): Promise<void> {
  const alarm = await loadAlarm(db, alarmId);
  if (!alarm || alarm.work_order_id !== null) return;
  const elder = await findElderUnscoped(db, alarm.person_id);
  await withTransaction(db, (tx) => openAlarmOrder(tx, alarm, elder));
}

/**
 * The work order of a just-opened alarm and its step 1 (the first contacts' calls and SMS queued,
 * the step's timer armed), in the caller's transaction: recordFiring runs it in the one that
 * inserts the alarm, so an alarm commits with its work order or not at all (one commit instead of
 * three). Idempotent: the work order by its client key, the claim by `work_order_id IS NULL`.
 */
export async function openAlarmOrder(tx: Queryable, alarm: AlarmRow, elder: { name: string; community_code: string | null; grid_id: string | null } | undefined): Promise<void> {
  if (alarm.work_order_id !== null) return;
  if (!elder?.community_code) { console.error(`[eldercare] alarm ${alarm.id}: elder ${alarm.person_id} has no community; the call seat sees it in the console`); return; }
  const first = alarm.plan.steps[0];
  if (!first) return;
  const now = new Date();
  const order = await createWorkOrder(tx, {
    type: ALARM_ORDER_TYPE, subject: { kind: 'person', id: String(alarm.person_id) }, regionCode: elder.community_code, gridId: elder.grid_id,
    title: `${RULE_LABELS[alarm.rule] ?? alarm.rule} — ${elder.name}`, priority: alarm.severity === 'critical' ? 'critical' : 'high',
    assignee: assigneeOf(first, elder.community_code, elder.grid_id), due: null, escalation: 'none',
    payload: { alarmId: alarm.id, rule: alarm.rule, severity: alarm.severity, openedAt: alarm.opened_at, workday: alarm.workday },
    clientKey: `eldercare.alarm:${alarm.id}`, actor: SYSTEM,
  });
  const [claimed] = await tx.query('UPDATE eldercare_alarm SET work_order_id = $2 WHERE id = $1 AND work_order_id IS NULL RETURNING id', [alarm.id, order.id]);
  if (!claimed) return;
  await beginStep(tx, { alarm, orderId: order.id, elderName: elder.name, communityCode: elder.community_code, gridId: elder.grid_id }, first, 0, now);
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
    data: { step: stepNo, responder: step.responder, timeoutSeconds: step.timeoutSeconds, repeat }, note: `第${stepNo}步（${RESPONDER_ZH[step.responder] ?? step.responder}）${step.timeoutSeconds}秒内无人确认`,
  });
  const elder = await findElderUnscoped(tx, alarm.person_id);
  const c: StepContext = { alarm, orderId: order.id, elderName: elder?.name ?? '', communityCode: order.regionCode, gridId: order.gridId };
  const next = alarm.plan.steps[stepNo];
  if (next) await beginStep(tx, c, next, 0, env.now);
  else if (repeat < guardParams().escalation.callSeatRepeats) await beginStep(tx, c, step, repeat + 1, env.now);
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
