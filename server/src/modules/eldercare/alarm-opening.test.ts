/**
 * Opening an alarm as one commit, and the recovery paths around it:
 *   - an SOS's alarm, its work order, step 1 (calls and SMS queued, timer armed) and the event's
 *     "processed" mark become visible together;
 *   - an event stored by a process that died before opening its alarm is opened by the recovery
 *     sweep exactly once, even with two sweeps at once and a redelivery of the same message;
 *   - a failure while creating the work order does not lose the alarm: it is recorded, and the
 *     recovery sweep creates its work order, once;
 *   - a burst of alarms larger than the connection pool does not deadlock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../testing/app.ts';
import { findWorkOrder } from '../workorders/service.ts';
import { ingest, recoverUnprocessed } from './ingest.ts';
import { recoverAlarms } from './escalation.ts';
import { event, seedElder, type SeededElder } from './test-fixtures.ts';

describe('opening an alarm', () => {
  let t: TestApp;
  const q = <T extends object>(sql: string, params: unknown[] = []): Promise<T[]> => t.ctx.db.query<T>(sql, params);
  const alarmsOf = (eventId: string): Promise<Array<{ id: number; work_order_id: number | null }>> =>
    q(`SELECT a.id, a.work_order_id FROM eldercare_alarm a JOIN eldercare_alarm_evidence e ON e.alarm_id = a.id WHERE $1 = ANY(e.event_ids)`, [eventId]);
  const ordersOf = async (alarmId: number): Promise<number> =>
    Number((await q<{ n: number }>(`SELECT count(*)::int AS n FROM work_order WHERE client_key = $1`, [`eldercare.alarm:${alarmId}`]))[0]?.n);
  const close = async (): Promise<void> => { await q('UPDATE eldercare_alarm SET closed_at = now() WHERE closed_at IS NULL'); };
  let a: SeededElder; let b: SeededElder; let c: SeededElder;

  beforeAll(async () => {
    t = await testApp();
    a = await seedElder(t.ctx.db, { prefix: 'AO1', relatives: 1 });
    b = await seedElder(t.ctx.db, { prefix: 'AO2', relatives: 1 });
    c = await seedElder(t.ctx.db, { prefix: 'AO3', relatives: 1 });
  });
  afterAll(async () => { await t.close(); });

  it('an SOS commits its alarm with the work order, step 1 and the event marked processed', async () => {
    const r = await ingest(t.ctx.db, { via: 'mqtt', deviceId: a.devices['call-button']!, payload: event('ao-1', 'sos', '2026-03-02T10:00:00+08:00') });
    expect(r).toMatchObject({ status: 'stored', alarm: { kind: 'opened' } });
    const [alarm] = await alarmsOf('ao-1');
    expect(alarm?.work_order_id).not.toBeNull();
    const order = await findWorkOrder(t.ctx.db, alarm!.work_order_id!);
    expect(order?.actions.map((x) => x.kind)).toEqual(['created', 'note']);
    expect((await q<{ n: number }>(`SELECT count(*)::int AS n FROM notification_delivery WHERE work_order_id = $1`, [order!.id]))[0]?.n).toBe(2);
    expect((await q<{ n: number }>(`SELECT count(*)::int AS n FROM timer WHERE key LIKE $1`, [`eldercare.alarm:${alarm!.id}:step:1:%`]))[0]?.n).toBe(1);
    expect((await q<{ p: string | null }>(`SELECT processed_at AS p FROM eldercare_event WHERE event_id = 'ao-1'`))[0]?.p).not.toBeNull();
    await close();
  });

  it('a burst of SOS larger than the connection pool opens every alarm (no transaction waits for a second connection)', async () => {
    // Found by the bench: the acknowledgement-link key was read through the pool from inside the
    // alarm transaction, and 10 alarms at once (the pool's size) waited for each other forever.
    const burst: SeededElder[] = [];
    for (let i = 0; i < 14; i++) burst.push(await seedElder(t.ctx.db, { prefix: `AOB${i}`, relatives: 1, birthDate: '1941-05-05' }));
    const results = await Promise.all(burst.map((e, i) =>
      ingest(t.ctx.db, { via: 'mqtt', deviceId: e.devices['call-button']!, payload: event(`ao-burst-${i}`, 'sos', '2026-03-02T10:30:00+08:00') })));
    expect(results.every((r) => r.status === 'stored' && r.alarm?.kind === 'opened')).toBe(true);
    for (let i = 0; i < burst.length; i++) expect((await alarmsOf(`ao-burst-${i}`))[0]?.work_order_id).not.toBeNull();
    await close();
  }, 120_000);

  it('an event stored by a process that died before its alarm: the sweep opens it exactly once', async () => {
    // What a SIGKILL right after the event's INSERT leaves: the row, unprocessed, no alarm.
    await q(`INSERT INTO eldercare_event (event_id, device_id, person_id, type, at, via, received_at)
             VALUES ('ao-2', $1, $2, 'sos', '2026-03-02T11:00:00+08:00', 'mqtt', now() - interval '1 minute')`, [b.devices['call-button'], b.personId]);
    expect(await alarmsOf('ao-2')).toHaveLength(0);
    // Two processes' sweeps at once, then the broker's redelivery of the unacknowledged message.
    await Promise.all([recoverUnprocessed(t.ctx.db), recoverUnprocessed(t.ctx.db)]);
    const again = await ingest(t.ctx.db, { via: 'mqtt', deviceId: b.devices['call-button']!, payload: event('ao-2', 'sos', '2026-03-02T11:00:00+08:00') });
    expect(again).toMatchObject({ status: 'duplicate' });
    expect(await recoverUnprocessed(t.ctx.db)).toBe(0);
    const alarms = await alarmsOf('ao-2');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.work_order_id).not.toBeNull();
    expect(await ordersOf(alarms[0]!.id)).toBe(1);
    expect((await findWorkOrder(t.ctx.db, alarms[0]!.work_order_id!))?.actions.filter((x) => x.kind === 'note')).toHaveLength(1);
    await close();
  });

  it('a failure while creating the work order keeps the alarm; the recovery sweep creates the work order once', async () => {
    await t.ctx.db.exec(`CREATE FUNCTION ao_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'test: work orders refused'; END $$;
      CREATE TRIGGER ao_refuse BEFORE INSERT ON work_order FOR EACH ROW EXECUTE FUNCTION ao_refuse();`);
    let r;
    try {
      r = await ingest(t.ctx.db, { via: 'mqtt', deviceId: c.devices['call-button']!, payload: event('ao-3', 'sos', '2026-03-02T12:00:00+08:00') });
    } finally {
      await t.ctx.db.exec('DROP TRIGGER ao_refuse ON work_order; DROP FUNCTION ao_refuse();');
    }
    expect(r).toMatchObject({ status: 'stored', alarm: { kind: 'opened' } });
    const [alarm] = await alarmsOf('ao-3');
    expect(alarm).toBeDefined();
    expect(alarm!.work_order_id).toBeNull();
    expect((await q<{ p: string | null }>(`SELECT processed_at AS p FROM eldercare_event WHERE event_id = 'ao-3'`))[0]?.p).not.toBeNull();
    // The sweep takes alarms older than a few seconds; make this one so.
    await q(`UPDATE eldercare_alarm SET created_at = created_at - interval '1 minute' WHERE id = $1`, [alarm!.id]);
    await Promise.all([recoverAlarms(t.ctx.db), recoverAlarms(t.ctx.db)]);
    await recoverAlarms(t.ctx.db);
    const [after] = await alarmsOf('ao-3');
    expect(after!.work_order_id).not.toBeNull();
    expect(await ordersOf(alarm!.id)).toBe(1);
    expect((await findWorkOrder(t.ctx.db, after!.work_order_id!))?.actions.map((x) => x.kind)).toEqual(['created', 'note']);
    await close();
  });
});
