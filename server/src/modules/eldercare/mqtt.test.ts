/**
 * MQTT ingest end to end: the embedded broker (aedes) with a persistent session, `mosquitto_pub`
 * as an outside client when installed, and a real Mosquitto (MINSHENG_TEST_MQTT_URL) where two
 * subscribers share one subscription and each message is handled once.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMqtt, type MqttHandle } from '../../platform/mqtt.ts';
import type { AppContext } from '../../platform/context.ts';
import { testApp, type TestApp } from '../../testing/app.ts';
import { startSubscriber } from './background.ts';
import type { IngestResult } from './ingest.ts';
import { event, seedElder, type SeededElder } from './test-fixtures.ts';

const run = promisify(execFile);
const externalUrl = process.env.MINSHENG_TEST_MQTT_URL;
const hasMosquittoPub = await run('which', ['mosquitto_pub']).then(() => true, () => false);
const topic = (deviceId: string): string => `minsheng/v1/devices/${deviceId}/events`;

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await check()) return; await new Promise((r) => setTimeout(r, 50)); }
  throw new Error('timed out waiting');
}

describe('MQTT ingest', () => {
  let t: TestApp;
  let broker: MqttHandle;
  let elder: SeededElder;
  const ctxFor = (url: string, mode: 'embedded' | 'external'): AppContext => ({ ...t.ctx, mqtt: { mode, url } });
  const stored = async (ids: string[]): Promise<number> =>
    Number((await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM eldercare_event WHERE event_id = ANY($1::text[])', [ids]))[0]?.n);

  beforeAll(async () => {
    t = await testApp();
    broker = await startMqtt({ url: undefined, port: 0 });
    elder = await seedElder(t.ctx.db, { prefix: `MQ${randomBytes(2).toString('hex')}` });
  });
  afterAll(async () => { await broker.close(); await t.close(); });

  it('embedded broker: stores good messages, quarantines bad ones, and keeps going', async () => {
    const handled: IngestResult[] = [];
    const sub = await startSubscriber(ctxFor(broker.url, 'embedded'), { clientId: 'test-embedded-1', onHandled: (r) => handled.push(r) });
    try {
      const pub = await mqtt.connectAsync(broker.url);
      const dev = elder.devices['presence']!;
      await pub.publishAsync(topic(dev), '{broken', { qos: 1 });
      await pub.publishAsync(topic('UNKNOWN-DEV'), event('mq-u', 'presence', '2026-03-02T09:00:00+08:00', true), { qos: 1 });
      await pub.publishAsync(topic(dev), event('mq-1', 'presence', '2026-03-02T09:00:00+08:00', true), { qos: 1 });
      await pub.publishAsync(topic(dev), event('mq-1', 'presence', '2026-03-02T09:00:00+08:00', true), { qos: 1 });
      await until(async () => handled.length === 4);
      expect(handled.map((r) => r.status)).toEqual(['quarantined', 'quarantined', 'stored', 'duplicate']);
      await pub.endAsync();
    } finally { await sub.endAsync(); }
  });

  it('embedded broker: a persistent session gets what was published while the subscriber was away', async () => {
    const first = await startSubscriber(ctxFor(broker.url, 'embedded'), { clientId: 'test-persistent' });
    await first.endAsync();
    const pub = await mqtt.connectAsync(broker.url);
    const ids = ['mq-away-1', 'mq-away-2', 'mq-away-3'];
    for (const id of ids) await pub.publishAsync(topic(elder.devices['door']!), event(id, 'door', '2026-03-02T09:00:00+08:00', 'closed'), { qos: 1 });
    await pub.endAsync();
    expect(await stored(ids)).toBe(0);
    const back = await startSubscriber(ctxFor(broker.url, 'embedded'), { clientId: 'test-persistent' });
    try { await until(async () => (await stored(ids)) === 3); } finally { await back.endAsync(); }
  });

  it.skipIf(!hasMosquittoPub)('any MQTT client: mosquitto_pub publishes an SOS that opens an alarm', async () => {
    const sub = await startSubscriber(ctxFor(broker.url, 'embedded'), { clientId: 'test-mosquitto-pub' });
    try {
      const u = new URL(broker.url);
      await run('mosquitto_pub', ['-h', u.hostname, '-p', u.port, '-q', '1', '-t', topic(elder.devices['call-button']!), '-m', event('mq-pub-sos', 'sos', '2026-02-14T09:00:00+08:00')]);
      await until(async () => (await t.ctx.db.query(`SELECT 1 FROM eldercare_alarm_evidence WHERE dedupe_key = 'sos:mq-pub-sos'`)).length === 1);
    } finally { await sub.endAsync(); }
  });

  it.skipIf(!externalUrl)('real Mosquitto: two processes share one subscription and each message is handled once', async () => {
    const url = externalUrl ?? '';
    const tag = randomBytes(3).toString('hex');
    // Our own share group: offline members other processes left on this broker would hold a share.
    process.env.MINSHENG_MQTT_SHARE_GROUP = `test-${tag}`;
    const a: IngestResult[] = [];
    const b: IngestResult[] = [];
    const subA = await startSubscriber(ctxFor(url, 'external'), { clientId: `test-share-a-${tag}`, onHandled: (r) => a.push(r) });
    const subB = await startSubscriber(ctxFor(url, 'external'), { clientId: `test-share-b-${tag}`, onHandled: (r) => b.push(r) });
    try {
      const pub = await mqtt.connectAsync(url);
      const ids = Array.from({ length: 40 }, (_, i) => `share-${tag}-${i}`);
      for (const id of ids) await pub.publishAsync(topic(elder.devices['presence']!), event(id, 'heartbeat', '2026-03-02T09:00:00+08:00'), { qos: 1 });
      await pub.endAsync();
      // Only this test's events count: other test files publish on the same broker, and the
      // subscription takes every device's topic (minsheng/v1/devices/+/events).
      const mine = new Set(ids);
      const ours = (rs: IngestResult[]): string[] => rs.flatMap((r) => (r.status !== 'quarantined' && mine.has(r.eventId) ? [r.eventId] : []));
      await until(async () => ours(a).length + ours(b).length >= ids.length);
      await new Promise((r) => setTimeout(r, 300));
      // Each of ours handled exactly once, by one of the two.
      expect([...ours(a), ...ours(b)].sort()).toEqual([...ids].sort());
      expect(ours(a).length).toBeGreaterThan(0);
      expect(ours(b).length).toBeGreaterThan(0);
      expect(await stored(ids)).toBe(ids.length);
      if (hasMosquittoPub) {
        const u = new URL(url);
        await run('mosquitto_pub', ['-h', u.hostname, '-p', u.port || '1883', '-q', '1', '-t', topic(elder.devices['presence']!), '-m', event(`share-${tag}-pub`, 'presence', '2026-03-02T09:00:00+08:00', true)]);
        await until(async () => (await stored([`share-${tag}-pub`])) === 1);
      }
    } finally {
      // Remove the persistent sessions from the shared broker.
      for (const s of [subA, subB]) await s.endAsync();
      for (const id of [`test-share-a-${tag}`, `test-share-b-${tag}`]) await (await mqtt.connectAsync(url, { clientId: id, clean: true })).endAsync();
      delete process.env.MINSHENG_MQTT_SHARE_GROUP;
    }
  });
});
