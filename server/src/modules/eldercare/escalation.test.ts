/**
 * The elder's file and the escalation, through the HTTP API and the durable timers: the plan by
 * the working-day calendar (adjusted Saturday, holiday, normal Saturday, Beijing date), each step
 * and timeout as actions on the alarm's work order to the second, a relative's acknowledgement by
 * link stopping the chain, the call seat resolving with an outcome; scope and audit.
 */
import { makeCitizenId } from '@minsheng/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueTimers } from '../../platform/jobs.ts';
import { testApp, type TestApp } from '../../testing/app.ts';
import { staffClient, type Client } from '../../testing/auth.ts';
import { getWorkOrder } from '../workorders/service.ts';
import { acknowledgeByLink, recordGatewayCallback } from '../workorders/webhooks.ts';
import { ingest } from './ingest.ts';
import { acknowledged as acknowledgedIn, registerEscalationTimers } from './escalation.ts';
import { guardParams } from './params.ts';
import { COMMUNITY, event, GRID, OTHER_COMMUNITY, seedElder, type SeededElder } from './test-fixtures.ts';

const TIMEOUT = guardParams().escalation.relativeTimeoutSeconds;

describe('elder file and escalation', () => {
  let t: TestApp;
  let seat: Client; let street: Client; let otherStreet: Client; let admin: Client;
  let elder: SeededElder;
  let n = 0;

  beforeAll(async () => {
    t = await testApp();
    registerEscalationTimers();
    elder = await seedElder(t.ctx.db, { prefix: 'ESC' });
    seat = await staffClient(t.app, t.ctx.db, 'call-seat', '120101001000');
    street = await staffClient(t.app, t.ctx.db, 'street-staff', '120101001000');
    otherStreet = await staffClient(t.app, t.ctx.db, 'street-staff', '120103001000');
    admin = await staffClient(t.app, t.ctx.db, 'city-admin', '120000000000');
  });
  afterAll(async () => { await t.close(); });

  const sos = async (at: string, who = elder) => {
    const r = await ingest(t.ctx.db, { via: 'mqtt', deviceId: who.devices['call-button']!, payload: event(`sos-${++n}`, 'sos', at) });
    if (r.status === 'quarantined' || !r.alarm) throw new Error(JSON.stringify(r));
    return r.alarm.alarmId;
  };
  const orderOf = async (alarmId: number) => {
    const [row] = await t.ctx.db.query<{ work_order_id: number }>('SELECT work_order_id FROM eldercare_alarm WHERE id = $1', [alarmId]);
    return getWorkOrder(t.ctx.db, row!.work_order_id);
  };
  const resolve = (alarmId: number) => seat.inject({ method: 'POST', url: `/api/eldercare/alarms/${alarmId}/actions/resolve`, payload: { outcome: 'false-alarm' } });

  it('enrols a candidate of the latest policy run without a reason, anyone else only with one', async () => {
    // A fresh person decided eligible by a run of tianjin/elder-alone-guard.
    const create = await admin.inject({ method: 'POST', url: '/api/persons', payload: { name: '钱奶奶', citizenId: makeCitizenId('120101', '1944-02-02', 31, 'F'), residenceCommunity: COMMUNITY, gridId: GRID } });
    expect(create.statusCode, create.body).toBe(201);
    const personId = create.json().id as number;
    const [run] = await t.ctx.db.query<{ id: number }>(`INSERT INTO policy_run (policy_id, policy_version, on_date, started_by, status) VALUES ('tianjin/elder-alone-guard', 1, '2026-03-01', 'test', 'done') RETURNING id`);
    await t.ctx.db.query(`INSERT INTO policy_decision (run_id, policy_id, policy_version, on_date, entity, entity_id, eligible) VALUES ($1, 'tianjin/elder-alone-guard', 1, '2026-03-01', 'person', $2, true)`, [run!.id, personId]);
    const candidates = await street.inject('/api/eldercare/candidates');
    expect(candidates.json().items.map((c: { personId: number }) => c.personId)).toEqual([personId]);
    expect((await otherStreet.inject('/api/eldercare/candidates')).json().items).toEqual([]);

    const consent = { by: '本人', at: '2026-03-02T10:00:00+08:00', method: 'verbal-witnessed' };
    const noWitness = await street.inject({ method: 'POST', url: '/api/eldercare/elders', payload: { personId, consent } });
    expect(noWitness.statusCode).toBe(422);
    expect(noWitness.json().error.details.field).toBe('consent.witness');
    const ok = await street.inject({ method: 'POST', url: '/api/eldercare/elders', payload: { personId, consent: { ...consent, witness: '社区主任 刘' } } });
    expect(ok.statusCode, ok.body).toBe(201);
    const file = (await street.inject(`/api/eldercare/elders/${personId}`)).json();
    expect(file).toMatchObject({ candidateSource: 'policy', policyRunId: run!.id, consent: { method: 'verbal-witnessed', witness: '社区主任 刘' } });

    // Not a candidate: the staff must say why.
    const plain = await admin.inject({ method: 'POST', url: '/api/persons', payload: { name: '孙爷爷', citizenId: makeCitizenId('120101', '1944-03-03', 33, 'M'), residenceCommunity: COMMUNITY } });
    const refused = await street.inject({ method: 'POST', url: '/api/eldercare/elders', payload: { personId: plain.json().id, consent: { by: '本人', at: '2026-03-02T10:00:00+08:00', method: 'app' } } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.details.field).toBe('reason');
  });

  it('masks relatives\' phones unless the role has pii.phone, audits every read, and hides other regions as absent', async () => {
    const masked = (await street.inject(`/api/eldercare/elders/${elder.personId}`)).json();
    expect(masked.contacts.map((c: { phone: string }) => c.phone)).toEqual(['138****0001', '138****0002']);
    expect(masked.devices).toHaveLength(4);
    const full = (await seat.inject(`/api/eldercare/elders/${elder.personId}`)).json();
    expect(full.contacts[0].phone).toBe('13800000001');
    const gone = await otherStreet.inject(`/api/eldercare/elders/${elder.personId}`);
    expect(gone.statusCode).toBe(404);
    const rows = await t.ctx.db.query<{ actor_name: string; outcome: string }>(
      `SELECT actor_name, outcome FROM audit_log WHERE action = 'eldercare.read' AND entity_id = $1 ORDER BY id`, [String(elder.personId)]);
    expect(rows).toEqual([{ actor_name: street.username, outcome: 'ok' }, { actor_name: seat.username, outcome: 'ok' }, { actor_name: otherStreet.username, outcome: 'denied' }]);
  });

  it('plans relatives, then the grid worker on a working day or the roster on a non-working day, then the call seat', async () => {
    const plan = async (at: string) => {
      const res = await seat.inject(`/api/eldercare/elders/${elder.personId}/escalation-plan?at=${encodeURIComponent(at)}`);
      expect(res.statusCode, res.body).toBe(200);
      const b = res.json();
      return { workday: b.workday, steps: b.steps.map((s: { responder: string }) => s.responder), body: b };
    };
    // 2026-02-14 is a Saturday made a working day (调休).
    const adjusted = await plan('2026-02-14T09:00:00+08:00');
    expect(adjusted).toMatchObject({ workday: true, steps: ['relative', 'relative', 'grid-worker', 'call-seat'] });
    expect(adjusted.body.steps[0]).toMatchObject({ order: 1, timeoutSeconds: TIMEOUT, contacts: [{ name: '王小明', relation: '儿子', phone: '13800000001' }] });
    expect(adjusted.body.steps[2].contacts).toEqual([expect.objectContaining({ name: '张网格' })]);
    // The Spring Festival holiday, and an ordinary Saturday: the community's roster.
    expect(await plan('2026-02-15T09:00:00+08:00')).toMatchObject({ workday: false, steps: ['relative', 'relative', 'volunteer', 'social-organisation', 'call-seat'] });
    expect(await plan('2026-03-07T09:00:00+08:00')).toMatchObject({ workday: false, steps: ['relative', 'relative', 'volunteer', 'social-organisation', 'call-seat'] });
    expect(await plan('2026-02-13T09:00:00+08:00')).toMatchObject({ workday: true });
    // The Beijing date decides: 2026-02-14 23:30 in Beijing is still the working Saturday; 00:30 is the holiday.
    expect((await plan('2026-02-14T15:30:00Z')).workday).toBe(true);
    expect((await plan('2026-02-14T16:30:00Z')).workday).toBe(false);
    const bad = await seat.inject(`/api/eldercare/elders/${elder.personId}/escalation-plan?at=tomorrow`);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.field).toBe('at');
  });

  it('an SOS on the adjusted Saturday goes relative → relative → grid worker through the timers, each step an action to the second', async () => {
    const alarmId = await sos('2026-02-14T09:00:00+08:00');
    const start = new Date();
    let order = await orderOf(alarmId);
    expect(order).toMatchObject({ type: 'alarm', priority: 'critical', regionCode: COMMUNITY, assignee: { label: '亲属 王小明（儿子）' } });
    expect(order.actions.map((a) => a.kind)).toEqual(['created', 'note']);
    expect(order.actions[1]!.data).toMatchObject({ contactRef: expect.stringMatching(/^elder-contact:\d+$/), phone: '138****0001' });
    // Nothing before the timeout.
    await runDueTimers(t.ctx.db, new Date(start.getTime() + (TIMEOUT - 2) * 1000));
    expect((await orderOf(alarmId)).actions).toHaveLength(2);
    const t1 = new Date(start.getTime() + (TIMEOUT + 1) * 1000);
    await runDueTimers(t.ctx.db, t1);
    const t2 = new Date(t1.getTime() + (TIMEOUT + 1) * 1000);
    await runDueTimers(t.ctx.db, t2);
    order = await orderOf(alarmId);
    expect(order.actions.map((a) => `${a.kind}:${String(a.data?.step ?? '')}`)).toEqual([
      'created:', 'note:1', 'timeout:1', 'escalated:2', 'note:2', 'timeout:2', 'escalated:3', 'note:3']);
    expect(order.assignee).toMatchObject({ role: 'grid-worker', gridId: GRID });
    expect(order.actions[2]!.at).toBe(t1.toISOString());
    expect(order.actions.find((a) => a.kind === 'escalated' && a.data?.step === 3)?.at).toBe(t2.toISOString());
    expect((await resolve(alarmId)).statusCode).toBe(200);
  });

  it('on a holiday the chain reaches the volunteers on the community roster', async () => {
    const alarmId = await sos('2026-02-15T21:00:00+08:00');
    let now = new Date();
    for (let i = 0; i < 2; i++) { now = new Date(now.getTime() + (TIMEOUT + 1) * 1000); await runDueTimers(t.ctx.db, now); }
    const order = await orderOf(alarmId);
    expect(order.assignee).toMatchObject({ role: 'responder', label: '志愿者 李志愿' });
    expect(order.actions.filter((a) => a.kind === 'escalated').map((a) => a.data?.responder)).toEqual(['relative', 'volunteer']);
    const alarm = (await seat.inject(`/api/eldercare/alarms/${alarmId}`)).json();
    expect(alarm).toMatchObject({ workday: false, currentStep: 3, ruleLabel: '一键呼叫' });
    expect((await resolve(alarmId)).statusCode).toBe(200);
  });

  it('a relative acknowledging by link stops the chain; the call seat resolves with an outcome', async () => {
    const alarmId = await sos('2026-02-14T10:00:00+08:00');
    const order = await orderOf(alarmId);
    const ref = String(order.actions[1]!.data?.contactRef);
    expect(await acknowledgeByLink(t.ctx.db, order.id, ref)).toEqual({ recorded: true });
    await runDueTimers(t.ctx.db, new Date(Date.now() + 10 * TIMEOUT * 1000));
    const after = await orderOf(alarmId);
    expect(after.actions.map((a) => a.kind)).toEqual(['created', 'note', 'acknowledged']);
    expect(after.status).toBe('accepted');
    const onSite = await seat.inject({ method: 'POST', url: `/api/eldercare/alarms/${alarmId}/actions/on-site`, payload: { note: '网格员已到场' } });
    expect(onSite.statusCode, onSite.body).toBe(200);
    const noOutcome = await seat.inject({ method: 'POST', url: `/api/eldercare/alarms/${alarmId}/actions/resolve`, payload: {} });
    expect(noOutcome.statusCode).toBe(422);
    const done = await seat.inject({ method: 'POST', url: `/api/eldercare/alarms/${alarmId}/actions/resolve`, payload: { outcome: 'helped-at-home', note: '老人摔倒后已扶起' } });
    expect(done.json()).toMatchObject({ status: 'resolved', outcome: 'helped-at-home', closedAt: expect.any(String) });
    // Out of region: the alarm does not exist for another street.
    expect((await otherStreet.inject(`/api/eldercare/alarms/${alarmId}`)).statusCode).toBe(404);
    const kpis = (await seat.inject('/api/eldercare/kpis')).json();
    expect(kpis.alarms).toBeGreaterThanOrEqual(3);
    expect(kpis.acknowledged).toBeGreaterThanOrEqual(1);
    expect(kpis.onSiteCount).toBe(1);
  });

  it('a volunteer pressing 1 in the voice call (gateway callback) acknowledges; delivery alone never does', async () => {
    const alarmId = await sos('2026-02-16T08:00:00+08:00');
    let now = new Date();
    for (let i = 0; i < 2; i++) { now = new Date(now.getTime() + (TIMEOUT + 1) * 1000); await runDueTimers(t.ctx.db, now); }
    let order = await orderOf(alarmId);
    const call = order.actions.find((a) => a.kind === 'note' && a.data?.step === 3);
    expect(call?.data).toMatchObject({ responder: 'volunteer', contactRef: expect.stringMatching(/^roster:\d+$/) });
    const [voice] = call!.data!.deliveries as number[];
    // Delivered is not acknowledged: the chain goes on.
    await recordGatewayCallback(t.ctx.db, { deliveryId: voice!, event: 'delivered' });
    expect(acknowledgedIn(await orderOf(alarmId))).toBe(false);
    expect(await recordGatewayCallback(t.ctx.db, { deliveryId: voice!, event: 'acknowledged', method: 'key-press', digits: '1' })).toEqual({ recorded: true });
    await runDueTimers(t.ctx.db, new Date(now.getTime() + 3600_000));
    order = await orderOf(alarmId);
    expect(order.actions.filter((a) => a.kind === 'timeout')).toHaveLength(2);
    expect(order.actions.at(-1)).toMatchObject({ kind: 'acknowledged', actor: `gateway:${String(call!.data!.contactRef)}` });
    expect((await resolve(alarmId)).statusCode).toBe(200);
  });

  it('an elder in another region: the other street cannot read the plan', async () => {
    const far = await seedElder(t.ctx.db, { prefix: 'FAR', community: OTHER_COMMUNITY });
    expect((await street.inject(`/api/eldercare/elders/${far.personId}/escalation-plan`)).statusCode).toBe(404);
    expect((await otherStreet.inject(`/api/eldercare/elders/${far.personId}/escalation-plan`)).statusCode).toBe(200);
  });
});
