/**
 * What the 24-hour call seat works with: open alarms in the caller's region with the elder's file
 * beside them and the escalation timeline (the work order's action log), the seat's actions
 * (call, acknowledge, dispatch, on-site, resolve with an outcome) and the KPIs.
 */
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { scopeSql, type Scope } from '../../platform/auth/scope.ts';
import { appendAction, findWorkOrder } from '../workorders/service.ts';
import type { ActionKind, WorkOrder } from '../workorders/types.ts';
import { acknowledged, loadAlarm, RULE_LABELS, type AlarmRow } from './escalation.ts';
import { devicesNeedingMaintenance } from './devices.ts';

interface AlarmListRow extends AlarmRow { name: string; community_code: string | null; community_name: string | null; grid_id: string | null; created_at: string }

const ALARM_SELECT = `SELECT a.id, a.person_id, a.rule, a.severity, a.opened_at, a.work_order_id, a.plan, a.workday, a.closed_at, a.outcome, a.created_at,
    p.name, p.residence_community AS community_code, r.name AS community_name, p.grid_id
  FROM eldercare_alarm a JOIN person p ON p.id = a.person_id LEFT JOIN region r ON r.code = p.residence_community`;

export async function findAlarmInScope(db: Queryable, scope: Scope, id: number): Promise<AlarmListRow | undefined> {
  const params: unknown[] = [id];
  const [row] = await db.query<AlarmListRow>(`${ALARM_SELECT} WHERE a.id = $1 AND ${scopeSql(scope, 'p.residence_community', 'p.grid_id', params)}`, params);
  return row;
}

export interface AlarmView {
  id: number; personId: number; elderName: string; communityCode: string | null; communityName: string | null; gridId: string | null;
  rule: string; ruleLabel: string; severity: string; openedAt: string; receivedAt: string; workday: boolean; closedAt: string | null; outcome: string | null;
  workOrderId: number | null; status: string; acknowledgedAt: string | null; currentStep: number;
  plan: AlarmRow['plan'];
  evidence: Array<{ seq: number; rule: string; eventIds: string[]; at: string; explanation: Record<string, unknown> }>;
  timeline: WorkOrder['actions'];
}

const firstAt = (o: WorkOrder | undefined, kind: ActionKind): string | null => o?.actions.find((a) => a.kind === kind)?.at ?? null;

async function view(db: Queryable, a: AlarmListRow, withTimeline: boolean): Promise<AlarmView> {
  const order = a.work_order_id ? await findWorkOrder(db, a.work_order_id) : undefined;
  const evidence = await db.query<{ seq: number; rule: string; event_ids: string[]; at: string; explanation: Record<string, unknown> }>(
    'SELECT seq, rule, event_ids, at, explanation FROM eldercare_alarm_evidence WHERE alarm_id = $1 ORDER BY seq', [a.id]);
  const steps = order?.actions.filter((x) => x.kind === 'escalated').length ?? 0;
  return {
    id: a.id, personId: a.person_id, elderName: a.name, communityCode: a.community_code, communityName: a.community_name, gridId: a.grid_id,
    rule: a.rule, ruleLabel: RULE_LABELS[a.rule] ?? a.rule, severity: a.severity, openedAt: a.opened_at, receivedAt: a.created_at, workday: a.workday,
    closedAt: a.closed_at, outcome: a.outcome, workOrderId: a.work_order_id, status: order?.status ?? 'opening',
    acknowledgedAt: firstAt(order, 'acknowledged'), currentStep: 1 + steps, plan: a.plan,
    evidence: evidence.map((e) => ({ seq: e.seq, rule: e.rule, eventIds: e.event_ids, at: e.at, explanation: e.explanation })),
    timeline: withTimeline ? order?.actions ?? [] : [],
  };
}

export async function listAlarms(db: Queryable, scope: Scope, opts: { open: boolean; personId?: number; limit: number }): Promise<AlarmView[]> {
  const params: unknown[] = [opts.limit];
  let where = scopeSql(scope, 'p.residence_community', 'p.grid_id', params);
  if (opts.open) where += ' AND a.closed_at IS NULL';
  if (opts.personId !== undefined) { params.push(opts.personId); where += ` AND a.person_id = $${params.length}`; }
  const rows = await db.query<AlarmListRow>(`${ALARM_SELECT} WHERE ${where} ORDER BY a.closed_at IS NULL DESC, a.severity = 'critical' DESC, a.id DESC LIMIT $1`, params);
  return Promise.all(rows.map((r) => view(db, r, false)));
}

export async function getAlarm(db: Queryable, scope: Scope, id: number): Promise<AlarmView> {
  const row = await findAlarmInScope(db, scope, id);
  if (!row) throw notFound('alarm');
  return view(db, row, true);
}

export const SeatAction = ['call', 'acknowledge', 'dispatch', 'on-site', 'resolve'] as const;
export type SeatAction = (typeof SeatAction)[number];
const KIND: Record<SeatAction, ActionKind> = { call: 'note', acknowledge: 'acknowledged', dispatch: 'dispatched', 'on-site': 'on-site', resolve: 'resolved' };

export async function seatAction(db: Db, scope: Scope, id: number, action: SeatAction, input: { actor: string; note: string; outcome?: string; clientActionId?: string; to?: string }): Promise<AlarmView> {
  const row = await findAlarmInScope(db, scope, id);
  if (!row) throw notFound('alarm');
  if (!row.work_order_id) throw new AppError('conflict', 'the alarm is still opening; try again in a moment');
  if (action === 'resolve' && !input.outcome) throw new AppError('validation', 'outcome: say how the alarm ended', { field: 'outcome' });
  await db.transaction(async (tx) => {
    await appendAction(tx, row.work_order_id!, {
      kind: KIND[action], actor: input.actor, note: input.note || undefined,
      ...(input.clientActionId ? { clientActionId: input.clientActionId } : {}),
      data: { via: 'call-seat-console', ...(action === 'call' ? { call: input.to ?? null } : {}), ...(action === 'dispatch' ? { to: input.to ?? null } : {}), ...(input.outcome ? { outcome: input.outcome } : {}) },
    });
    if (action === 'resolve') await tx.query('UPDATE eldercare_alarm SET closed_at = now(), outcome = $2 WHERE id = $1 AND closed_at IS NULL', [id, input.outcome]);
  });
  return getAlarm(db, scope, id);
}

/** Mirrors a resolution made elsewhere (the work-order pages) into the alarm row. */
export async function mirrorResolution(db: Queryable, order: { id: number; status: string; payload: Record<string, unknown> }, outcome: unknown): Promise<void> {
  if (order.status !== 'resolved' && order.status !== 'closed') return;
  const alarmId = Number(order.payload.alarmId);
  if (!Number.isInteger(alarmId)) return;
  const o = typeof outcome === 'string' && ['false-alarm', 'helped-at-home', 'to-hospital', 'deceased', 'no-answer-resolved', 'other'].includes(outcome) ? outcome : 'other';
  await db.query('UPDATE eldercare_alarm SET closed_at = now(), outcome = coalesce(outcome, $2) WHERE id = $1 AND closed_at IS NULL', [alarmId, o]);
}

export interface Kpis {
  from: string; to: string; alarms: number; acknowledged: number;
  ackWithin60s: number | null; ackWithin180s: number | null;
  onSiteMedianSeconds: number | null; onSiteCount: number;
  falseAlarmByDevice: Array<{ deviceId: string; alarms: number; falseAlarms: number; rate: number }>;
  falseAlarmByElder: Array<{ personId: number; name: string; alarms: number; falseAlarms: number; rate: number }>;
  silentDevicesNow: Array<{ id: string; kind: string; personId: number; elderName: string; lastSeenAt: string | null }>;
}

/** KPIs over alarms received in [from, to): human acknowledgement within 60/180 s of receipt, time to on-site, false alarms. */
export async function kpis(db: Queryable, scope: Scope, from: string, to: string, now = new Date()): Promise<Kpis> {
  const params: unknown[] = [from, to];
  const rows = await db.query<AlarmListRow & { device_id: string | null }>(
    `${ALARM_SELECT.replace('SELECT a.id,', `SELECT (SELECT ev.device_id FROM eldercare_alarm_evidence x JOIN eldercare_event ev ON ev.event_id = x.event_ids[1] WHERE x.alarm_id = a.id ORDER BY x.seq LIMIT 1) AS device_id, a.id,`)}
     WHERE a.created_at >= $1 AND a.created_at < $2 AND ${scopeSql(scope, 'p.residence_community', 'p.grid_id', params)} ORDER BY a.id LIMIT 5000`, params);
  let acked = 0; let in60 = 0; let in180 = 0;
  const onSite: number[] = [];
  const byDevice = new Map<string, { alarms: number; falseAlarms: number }>();
  const byElder = new Map<number, { name: string; alarms: number; falseAlarms: number }>();
  for (const a of rows) {
    const order = a.work_order_id ? await findWorkOrder(db, a.work_order_id) : undefined;
    const received = Date.parse(a.created_at);
    // A human acknowledgement: any 'acknowledged' action (the system never writes one).
    const ack = firstAt(order, 'acknowledged');
    if (ack && order && acknowledged(order)) {
      acked += 1;
      const s = (Date.parse(ack) - received) / 1000;
      if (s <= 60) in60 += 1;
      if (s <= 180) in180 += 1;
    }
    const site = firstAt(order, 'on-site');
    if (site) onSite.push((Date.parse(site) - received) / 1000);
    const isFalse = a.outcome === 'false-alarm' ? 1 : 0;
    if (a.device_id) { const d = byDevice.get(a.device_id) ?? { alarms: 0, falseAlarms: 0 }; d.alarms += 1; d.falseAlarms += isFalse; byDevice.set(a.device_id, d); }
    const e = byElder.get(a.person_id) ?? { name: a.name, alarms: 0, falseAlarms: 0 }; e.alarms += 1; e.falseAlarms += isFalse; byElder.set(a.person_id, e);
  }
  onSite.sort((x, y) => x - y);
  const share = (n: number): number | null => (rows.length === 0 ? null : Math.round((n / rows.length) * 1000) / 1000);
  const silent = (await devicesNeedingMaintenance(db, now)).filter((d) => d.reason === 'silent');
  const vp: unknown[] = [silent.map((d) => d.personId)];
  const visible = new Set((await db.query<{ person_id: number }>(
    `SELECT e.person_id FROM eldercare_elder e JOIN person p ON p.id = e.person_id WHERE e.person_id = ANY($1::bigint[]) AND ${scopeSql(scope, 'p.residence_community', 'p.grid_id', vp)}`,
    vp)).map((r) => r.person_id));
  return {
    from, to, alarms: rows.length, acknowledged: acked, ackWithin60s: share(in60), ackWithin180s: share(in180),
    onSiteMedianSeconds: onSite.length ? Math.round(onSite[Math.floor((onSite.length - 1) / 2)]!) : null, onSiteCount: onSite.length,
    falseAlarmByDevice: [...byDevice].map(([deviceId, d]) => ({ deviceId, ...d, rate: Math.round((d.falseAlarms / d.alarms) * 1000) / 1000 })).sort((x, y) => y.rate - x.rate || y.alarms - x.alarms).slice(0, 50),
    falseAlarmByElder: [...byElder].map(([personId, e]) => ({ personId, ...e, rate: Math.round((e.falseAlarms / e.alarms) * 1000) / 1000 })).sort((x, y) => y.rate - x.rate || y.alarms - x.alarms).slice(0, 50),
    silentDevicesNow: silent.filter((d) => visible.has(d.personId)).map((d) => ({ id: d.id, kind: d.kind, personId: d.personId, elderName: d.elderName, lastSeenAt: d.lastSeenAt })),
  };
}

export { loadAlarm };
