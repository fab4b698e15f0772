/**
 * Ingest and the time-based rules: quarantine with reasons (and the server keeps going),
 * idempotency by event id, the vendors' signed HTTP push, correlation (a fall and no presence
 * afterwards is one alarm), absences suppressing inactivity, silent devices and missed visits
 * opening work orders once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../testing/app.ts';
import { staffClient, type Client } from '../../testing/auth.ts';
import { getWorkOrder, listWorkOrders } from '../workorders/service.ts';
import { ingest } from './ingest.ts';
import { sweepAlarms } from './sweep.ts';
import { sweepMaintenance } from './maintenance.ts';
import { guardParams } from './params.ts';
import { signPush } from './routes-alarms.ts';
import { event, seedElder, type SeededElder } from './test-fixtures.ts';

describe('device ingest and rules', () => {
  let t: TestApp;
  let admin: Client; let street: Client;
  let elder: SeededElder;
  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await t.ctx.db.query<{ n: number }>(sql, params))[0]?.n ?? 0);

  beforeAll(async () => {
    t = await testApp();
    elder = await seedElder(t.ctx.db, { prefix: 'ING' });
    admin = await staffClient(t.app, t.ctx.db, 'city-admin', '120000000000');
    street = await staffClient(t.app, t.ctx.db, 'street-staff', '120101001000');
  });
  afterAll(async () => { await t.close(); });

  it('quarantines what it cannot store, with the reason, and keeps taking good messages', async () => {
    const dev = elder.devices['presence']!;
    const results = [
      await ingest(t.ctx.db, { via: 'mqtt', deviceId: dev, payload: '{"id": "x"' }),
      await ingest(t.ctx.db, { via: 'mqtt', deviceId: 'NO-SUCH-DEVICE', payload: event('q2', 'sos', '2026-03-02T09:00:00+08:00') }),
      await ingest(t.ctx.db, { via: 'mqtt', deviceId: dev, payload: event('q3', 'smoke', '2026-03-02T09:00:00+08:00') }),
      await ingest(t.ctx.db, { via: 'mqtt', deviceId: dev, payload: JSON.stringify({ id: 'q4', type: 'door', at: '2026-03-02T09:00:00+08:00', value: 'ajar' }) }),
      await ingest(t.ctx.db, { via: 'mqtt', deviceId: dev, payload: JSON.stringify({ id: 'q5', type: 'presence', at: 'yesterday' }) }),
      await ingest(t.ctx.db, { via: 'mqtt', deviceId: null, topic: 'minsheng/v1/devices/x/y', payload: '{}' }),
      await ingest(t.ctx.db, { via: 'mqtt', deviceId: dev, payload: event('q-ok', 'presence', '2026-03-02T09:00:00+08:00', true) }),
    ];
    expect(results.map((r) => (r.status === 'quarantined' ? r.reason : r.status))).toEqual([
      'payload is not JSON', 'unknown device NO-SUCH-DEVICE', expect.stringMatching(/^type: /), expect.stringMatching(/^value: a door event/),
      expect.stringMatching(/^at: expected an ISO-8601/), expect.stringMatching(/^topic does not match/), 'stored']);
    const list = await admin.inject('/api/eldercare/quarantine');
    expect(list.json().items.map((q: { reason: string }) => q.reason)).toContain('unknown device NO-SUCH-DEVICE');
    // A street sees only its own devices' quarantined messages, never unknown devices.
    expect((await street.inject('/api/eldercare/quarantine')).json().items.every((q: { deviceId: string }) => q.deviceId === dev)).toBe(true);
  });

  it('stores an event once by id: a redelivered SOS opens one alarm', async () => {
    const msg = { via: 'mqtt' as const, deviceId: elder.devices['call-button']!, payload: event('dup-1', 'sos', '2026-03-02T10:00:00+08:00') };
    const first = await ingest(t.ctx.db, msg);
    const again = await ingest(t.ctx.db, msg);
    expect(first).toMatchObject({ status: 'stored', alarm: { kind: 'opened' } });
    expect(again).toMatchObject({ status: 'duplicate' });
    expect(await count(`SELECT count(*)::int AS n FROM eldercare_event WHERE event_id = 'dup-1'`)).toBe(1);
    // An event id reused by another device is not silently merged.
    const stolen = await ingest(t.ctx.db, { ...msg, deviceId: elder.devices['door']! });
    expect(stolen).toMatchObject({ status: 'quarantined', reason: expect.stringContaining('already used by device') });
    const alarmId = first.status === 'stored' ? first.alarm!.alarmId : 0;
    await street.inject({ method: 'POST', url: `/api/eldercare/alarms/${alarmId}/actions/resolve`, payload: { outcome: 'false-alarm' } });
  });

  it('a fall and no presence afterwards is one alarm with two pieces of evidence, not two alarms', async () => {
    const elder = await seedElder(t.ctx.db, { prefix: 'FAL' });
    const fallAt = new Date(Date.now() - 3_600_000);
    await ingest(t.ctx.db, { via: 'mqtt', deviceId: elder.devices['presence']!, payload: event('fall-0', 'presence', new Date(fallAt.getTime() - 60_000).toISOString(), true) });
    const r = await ingest(t.ctx.db, { via: 'mqtt', deviceId: elder.devices['fall-radar']!, payload: event('fall-1', 'fall', fallAt.toISOString()) });
    expect(r).toMatchObject({ status: 'stored', alarm: { kind: 'opened' } });
    const alarmId = r.status === 'stored' ? r.alarm!.alarmId : 0;
    const still = new Date(fallAt.getTime() + guardParams().rules.stillAfterFallMinutes * 60_000 + 1000);
    const s1 = await sweepAlarms(t.ctx.db, still, elder.personId);
    const s2 = await sweepAlarms(t.ctx.db, new Date(still.getTime() + 60_000), elder.personId);
    expect(s1.firings.map((f) => f.rule)).toContain('still-after-fall');
    expect(s1.opened).toBe(0);
    expect(s2.firings).toEqual([]);
    const alarm = (await street.inject(`/api/eldercare/alarms/${alarmId}`)).json();
    expect(alarm.evidence.map((e: { rule: string }) => e.rule)).toEqual(['fall', 'still-after-fall']);
    expect(alarm.evidence[1].eventIds).toEqual(['fall-1']);
    expect(alarm.timeline.filter((a: { kind: string }) => a.kind === 'note').map((a: { note: string }) => a.note)).toContain(`跌倒后${guardParams().rules.stillAfterFallMinutes}分钟内未检测到活动`);
    expect(await count('SELECT count(*)::int AS n FROM eldercare_alarm WHERE person_id = $1 AND closed_at IS NULL', [elder.personId])).toBe(1);
    await street.inject({ method: 'POST', url: `/api/eldercare/alarms/${alarmId}/actions/resolve`, payload: { outcome: 'helped-at-home' } });
  });

  it('inactivity in the daytime opens an alarm; a hospital stay suppresses it', async () => {
    const other = await seedElder(t.ctx.db, { prefix: 'INA' });
    const lastSeen = '2026-03-03T07:30:00+08:00';
    await ingest(t.ctx.db, { via: 'mqtt', deviceId: other.devices['presence']!, payload: event('ina-p', 'presence', lastSeen, true) });
    await ingest(t.ctx.db, { via: 'mqtt', deviceId: other.devices['door']!, payload: event('ina-d', 'door', lastSeen, 'open') });
    const at = new Date(Date.parse(lastSeen) + (guardParams().rules.inactivityHours + 0.5) * 3_600_000);
    const hosp = await street.inject({ method: 'POST', url: `/api/eldercare/elders/${other.personId}/absences`, payload: { kind: 'hospital', startsAt: '2026-03-03T08:00:00+08:00', endsAt: '2026-03-04T12:00:00+08:00' } });
    expect(hosp.statusCode, hosp.body).toBe(201);
    expect((await sweepAlarms(t.ctx.db, at, other.personId)).firings).toEqual([]);
    const after = new Date('2026-03-04T13:00:00+08:00');
    const s = await sweepAlarms(t.ctx.db, after, other.personId);
    expect(s.firings.map((f) => f.rule).sort()).toEqual(['door-not-opened', 'inactivity']);
    expect(s.opened).toBe(1);
    expect(s.attached).toBe(1);
  });

  it('accepts a vendor push only with a valid HMAC signature and a fresh timestamp', async () => {
    await t.ctx.db.query(`INSERT INTO eldercare_vendor (id, name, hmac_secret) VALUES ('acme', 'ACME 平台', 'a-very-long-vendor-secret')`);
    const body = JSON.stringify({ deviceId: elder.devices['presence']!, events: [{ id: 'push-1', type: 'presence', at: '2026-03-02T11:00:00+08:00', value: true }, { id: 'push-2', type: 'heartbeat', at: '2026-03-02T11:00:00+08:00' }] });
    const ts = new Date().toISOString();
    const send = (headers: Record<string, string>, payload = body) => t.app.inject({ method: 'POST', url: '/api/eldercare/push/acme', payload, headers: { 'content-type': 'application/json', ...headers } });
    const ok = await send({ 'x-minsheng-timestamp': ts, 'x-minsheng-signature': signPush('a-very-long-vendor-secret', ts, body) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().results.map((r: { status: string }) => r.status)).toEqual(['stored', 'stored']);
    const forged = await send({ 'x-minsheng-timestamp': ts, 'x-minsheng-signature': signPush('wrong-secret-of-16+', ts, body) });
    expect(forged.statusCode).toBe(401);
    const stale = new Date(Date.now() - 10 * 60_000).toISOString();
    expect((await send({ 'x-minsheng-timestamp': stale, 'x-minsheng-signature': signPush('a-very-long-vendor-secret', stale, body) })).statusCode).toBe(401);
    expect(await count(`SELECT count(*)::int AS n FROM eldercare_quarantine WHERE via = 'http' AND reason = 'bad signature'`)).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM eldercare_event WHERE event_id IN ('push-1', 'push-2') AND via = 'http'`)).toBe(2);
    // A vendor speaks only for its own devices.
    await t.ctx.db.query(`INSERT INTO eldercare_vendor (id, name, hmac_secret) VALUES ('other', '别家平台', 'another-long-vendor-secret')`);
    const theirs = JSON.stringify({ deviceId: elder.devices['presence']!, events: [{ id: 'push-3', type: 'sos', at: '2026-03-02T11:00:00+08:00' }] });
    const res = await t.app.inject({ method: 'POST', url: '/api/eldercare/push/other', payload: theirs, headers: { 'content-type': 'application/json', 'x-minsheng-timestamp': ts, 'x-minsheng-signature': signPush('another-long-vendor-secret', ts, theirs) } });
    expect(res.json().results).toEqual([{ status: 'quarantined', reason: `device ${elder.devices['presence']!} belongs to another vendor` }]);
  });

  it('a silent device and a missed visit each open one work order, however often the sweep runs', async () => {
    const quiet = await seedElder(t.ctx.db, { prefix: 'SIL' });
    const now = new Date(Date.now() + 40 * 86_400_000);
    await sweepMaintenance(t.ctx.db, now);
    await sweepMaintenance(t.ctx.db, new Date(now.getTime() + 60_000));
    const orders = await listWorkOrders(t.ctx.db, { type: 'device-maintenance', limit: 100 });
    const mine = orders.items.filter((o) => String(o.payload.personId) === String(quiet.personId));
    expect(mine.map((o) => o.subject.id).sort()).toEqual(Object.values(quiet.devices).sort());
    const order = await getWorkOrder(t.ctx.db, mine[0]!.id);
    expect(order).toMatchObject({ assignee: { role: guardParams().devices.maintenance.assigneeRole }, dueAt: new Date(now.getTime() + guardParams().devices.maintenance.deadlineHours * 3_600_000).toISOString() });
    const visits = await listWorkOrders(t.ctx.db, { type: 'missed-visit', subject: { kind: 'person', id: String(quiet.personId) } });
    expect(visits.total).toBe(1);
    // A visit logged resets the plan.
    const v = await street.inject({ method: 'POST', url: `/api/eldercare/elders/${quiet.personId}/visits`, payload: { visitedAt: new Date().toISOString(), kind: 'home', note: '身体尚可' } });
    expect(v.statusCode, v.body).toBe(201);
    const file = (await street.inject(`/api/eldercare/elders/${quiet.personId}`)).json();
    expect(file.visitPlan).toMatchObject({ overdue: false, everyDays: guardParams().visits.tiers.high!.days });
  });
});
