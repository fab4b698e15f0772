/**
 * Batched ingest gives every message the outcome it would get alone: good events stored once,
 * bad ones quarantined with their reason, and one message the database refuses (a NUL character)
 * quarantined without failing the rest of its batch. The micro-batcher really batches concurrent
 * deliveries, and an SOS among them opens its alarm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../testing/app.ts';
import { ingest, type IncomingMessage, type IngestResult } from './ingest.ts';
import { ingestBatch } from './ingest-batch.ts';
import { IngestBatcher } from './batcher.ts';
import { event, seedElder, type SeededElder } from './test-fixtures.ts';

const outcome = (r: IngestResult): string => (r.status === 'quarantined' ? `quarantined: ${r.reason}` : r.status);

describe('batched ingest', () => {
  let t: TestApp;
  let elder: SeededElder;
  beforeAll(async () => {
    t = await testApp();
    elder = await seedElder(t.ctx.db, { prefix: 'BAT' });
  });
  afterAll(async () => { await t.close(); });

  it('each message of a batch gets its own outcome; a value the database refuses fails only its own message', async () => {
    const presence = elder.devices['presence']!;
    const door = elder.devices['door']!;
    const at = '2026-03-03T09:00:00+08:00';
    const later = '2026-03-03T09:05:00+08:00';
    await ingest(t.ctx.db, { via: 'mqtt', deviceId: presence, payload: event('bt-earlier', 'presence', at, true) });
    const m = (deviceId: string | null, payload: string): IncomingMessage => ({ via: 'mqtt', deviceId, payload });
    const batch = [
      m(presence, event('bt-1', 'presence', at, true)),
      m(presence, '{"id": "bt-x"'),
      m('NO-SUCH-DEVICE', event('bt-2', 'heartbeat', at)),
      // jsonb cannot hold \u0000: PostgreSQL refuses this one row (SQLSTATE 22P05).
      m(presence, JSON.stringify({ id: 'bt-nul', type: 'presence', at, value: 'a\u0000b' })),
      m(door, event('bt-3', 'battery', later, 41)),
      m(presence, event('bt-1', 'presence', at, true)), // the same event twice in one batch
      m(presence, event('bt-earlier', 'presence', at, true)), // a redelivery of an earlier batch's event
      m(door, event('bt-earlier', 'presence', at, true)), // another device reusing that id
      m(presence, event('bt-4', 'heartbeat', later)),
      m(presence, 'bt-raw\u0000 not json'), // a raw NUL: text columns cannot hold it either
    ];
    const results = await ingestBatch(t.ctx.db, batch);
    expect(results.map(outcome)).toEqual([
      'stored', 'quarantined: payload is not JSON', 'quarantined: unknown device NO-SUCH-DEVICE',
      expect.stringMatching(/^quarantined: the database refused the event \(22P05\)/),
      'stored', 'duplicate', 'duplicate', expect.stringMatching(/^quarantined: event id bt-earlier was already used by device /), 'stored',
      'quarantined: payload is not JSON']);
    const stored = await t.ctx.db.query<{ event_id: string }>(`SELECT event_id FROM eldercare_event WHERE event_id LIKE 'bt-%' ORDER BY event_id`);
    expect(stored.map((r) => r.event_id)).toEqual(['bt-1', 'bt-3', 'bt-4', 'bt-earlier']);
    const quarantined = await t.ctx.db.query<{ payload: string; reason: string }>(`SELECT payload, reason FROM eldercare_quarantine WHERE payload LIKE '%bt-%' ORDER BY id`);
    expect(quarantined.map((q) => q.reason.slice(0, 30))).toHaveLength(5);
    // The raw NUL is kept visible (as U+FFFD) rather than losing the quarantine row.
    expect(quarantined.map((q) => q.payload)).toContain('bt-raw\uFFFD not json');
    // Devices moved once each, to their latest event, with the battery level.
    const devs = await t.ctx.db.query<{ id: string; last_seen_at: string; battery_percent: number | null }>(
      'SELECT id, last_seen_at, battery_percent FROM eldercare_device WHERE id = ANY($1::text[]) ORDER BY id', [[presence, door]]);
    expect(Object.fromEntries(devs.map((d) => [d.id, [d.last_seen_at, d.battery_percent]]))).toEqual({
      [presence]: [new Date(later).toISOString(), null], [door]: [new Date(later).toISOString(), 41] });
  });

  it('the batcher writes concurrent deliveries together, and an SOS among them opens its alarm at once', async () => {
    const b = new IngestBatcher(t.ctx.db);
    const presence = elder.devices['presence']!;
    const at = (i: number): string => new Date(Date.parse('2026-03-04T09:00:00+08:00') + i * 1000).toISOString();
    const pending = Array.from({ length: 60 }, (_, i) => b.submit({ via: 'mqtt', deviceId: presence, payload: event(`bb-${i}`, 'heartbeat', at(i)) }));
    pending.push(b.submit({ via: 'mqtt', deviceId: elder.devices['call-button']!, payload: event('bb-sos', 'sos', at(61)) }));
    const results = await Promise.all(pending);
    expect(results.slice(0, 60).every((r) => r.status === 'stored')).toBe(true);
    expect(results[60]).toMatchObject({ status: 'stored', alarm: { kind: expect.stringMatching(/opened|attached/) } });
    expect(b.stats.fastPath).toBe(1);
    expect(b.stats.messages).toBe(60);
    expect(b.stats.batches).toBeLessThan(5);
    const [n] = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM eldercare_event WHERE event_id LIKE 'bb-%'`);
    expect(n?.n).toBe(61);
  });
});
