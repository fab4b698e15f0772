/**
 * A broker restart is survived (issue 6, Reliability). A private Mosquitto (never the one on 1883)
 * with persistence is started for this file, the guard's ingest subscribes to it as in production
 * (two persistent members of a shared subscription, plus one clean-session subscriber as a
 * throwaway server on a random port has), and the broker is stopped with SIGTERM and started again
 * on the same port and persistence directory. Afterwards: the subscribers reconnected and receive
 * by themselves, every SOS published after the restart — and those a persistent publisher queued
 * while the broker was down — is handled exactly once with one alarm evidence each, nothing
 * crashed, and /api/health answers. Skipped when the `mosquitto` binary is not installed.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMqtt, type MqttHandle } from '../../platform/mqtt.ts';
import type { AppContext } from '../../platform/context.ts';
import { testApp, type TestApp } from '../../testing/app.ts';
import { EVENTS_TOPIC, sharedTopic, startSubscriber } from './background.ts';
import type { IngestResult } from './ingest.ts';
import { startSentinel, type Sentinel } from './sentinel.ts';
import { mosquittoBin, PrivateBroker, until } from './private-broker.ts';
import { event, seedElder, type SeededElder } from './test-fixtures.ts';

describe.skipIf(!mosquittoBin)('a restart of the MQTT broker is survived (skipped without the mosquitto binary)', () => {
  const tag = randomBytes(3).toString('hex');
  let broker: PrivateBroker;
  let t: TestApp;
  let elder: SeededElder;
  let platform: MqttHandle | undefined;
  const clients: MqttClient[] = [];
  const shared: Array<{ client: string; result: IngestResult }> = [];
  const cleanSeen: IngestResult[] = [];
  const shareGroupBefore = process.env.MINSHENG_MQTT_SHARE_GROUP;

  beforeAll(async () => {
    broker = await PrivateBroker.create(['persistence true', 'max_queued_messages 0']);
    await broker.start();
    t = await testApp();
    elder = await seedElder(t.ctx.db, { prefix: `BR${tag}` });
    process.env.MINSHENG_MQTT_SHARE_GROUP = `restart-${tag}`;
  });

  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await platform?.close().catch(() => undefined);
    await broker?.remove();
    await t?.close();
    if (shareGroupBefore === undefined) delete process.env.MINSHENG_MQTT_SHARE_GROUP; else process.env.MINSHENG_MQTT_SHARE_GROUP = shareGroupBefore;
  });

  it('subscribers reconnect and resubscribe by themselves; every SOS is handled once; the server keeps answering', async () => {
    const ctx: AppContext = { ...t.ctx, mqtt: { mode: 'external', url: broker.url } };
    const sos = elder.devices['call-button']!;
    const topic = `minsheng/v1/devices/${sos}/events`;
    const at = (i: number): string => new Date(Date.parse('2026-02-14T09:00:00+08:00') + i * 1000).toISOString();
    const evidence = async (ids: string[]): Promise<Array<{ dedupe_key: string; n: number }>> =>
      t.ctx.db.query('SELECT dedupe_key, count(*)::int AS n FROM eldercare_alarm_evidence WHERE dedupe_key = ANY($1::text[]) GROUP BY dedupe_key',
        [ids.map((id) => `sos:${id}`)]);

    // As in production: the platform's own client and two members of the shared subscription
    // with persistent sessions; plus a clean-session subscriber (a server on a random port).
    platform = await startMqtt({ url: broker.url, port: 0 });
    for (const k of ['a', 'b']) {
      clients.push(await startSubscriber(ctx, { clientId: `test-restart-${k}-${tag}`, persistent: true, shared: true, onHandled: (r) => shared.push({ client: k, result: r }) }));
    }
    clients.push(await startSubscriber(ctx, { clientId: `test-restart-clean-${tag}`, persistent: false, shared: false, onHandled: (r) => cleanSeen.push(r) }));
    // A device gateway with a persistent session: QoS 1 publishes made while the broker is down wait
    // in its queue. It retries every 7 s, so it returns after the server's subscribers (every 2 s):
    // Mosquitto (2.0.11) keeps a persistent session over a restart but not its $share subscription,
    // so an event reaching the broker before the subscribers have subscribed again has no
    // subscriber and is dropped. That window (up to the 2 s reconnect period) is the next test's.
    const gateway = await mqtt.connectAsync(broker.url, { clientId: `test-restart-gw-${tag}`, clean: false, reconnectPeriod: 7_000, connectTimeout: 2_000 });
    gateway.on('error', () => undefined);
    clients.push(gateway);

    const before = [`br-${tag}-0`];
    await gateway.publishAsync(topic, event(before[0]!, 'sos', at(0)), { qos: 1 });
    await until(() => shared.length === 1 && cleanSeen.length === 1, 'the first SOS handled by the group and by the clean subscriber');
    expect((await evidence(before)).map((r) => r.n)).toEqual([1]);

    await broker.stop();
    await until(() => clients.every((c) => !c.connected) && !platform!.client.connected, 'every client noticed the broker is gone');
    const queued = [`br-${tag}-q1`, `br-${tag}-q2`];
    const queuedAcks = queued.map((id, i) => gateway.publishAsync(topic, event(id, 'sos', at(1 + i)), { qos: 1 }));
    // Let every client fail a few reconnects (connection refused) before the broker returns.
    await new Promise((r) => setTimeout(r, 2_500));
    await broker.start();

    const servers = clients.filter((c) => c !== gateway);
    await until(() => servers.every((c) => c.connected) && platform!.client.connected, 'every server client reconnected by itself', 15_000);
    expect(gateway.connected).toBe(false); // else the check below would race the resubscriptions
    await Promise.all(queuedAcks);
    const after = Array.from({ length: 6 }, (_, i) => `br-${tag}-after-${i}`);
    for (const [i, id] of after.entries()) await gateway.publishAsync(topic, event(id, 'sos', at(10 + i)), { qos: 1 });

    const all = [...before, ...queued, ...after];
    const handledIds = (): string[] => shared.map((h) => (h.result.status === 'quarantined' ? h.result.reason : h.result.eventId));
    await until(() => handledIds().length >= all.length && [...queued, ...after].every((id) => cleanSeen.some((r) => r.status !== 'quarantined' && r.eventId === id)), () => `every SOS handled; shared members handled ${JSON.stringify(shared)}, the clean subscriber ${JSON.stringify(cleanSeen)}`, 15_000);
    await new Promise((r) => setTimeout(r, 500)); // a late redelivery would show up here
    // The shared subscription: each event handled once, by one member. (The clean-session subscriber writes to the same database, so a member may find an event
    // already stored: 'duplicate' then, never quarantined.)
    expect(handledIds().sort()).toEqual([...all].sort());
    expect(shared.every((h) => h.result.status !== 'quarantined')).toBe(true);
    // The clean-session subscriber resubscribed by itself: it got every event sent after the restart, once.
    expect(cleanSeen.filter((r) => r.status !== 'quarantined' && [...queued, ...after].includes(r.eventId))).toHaveLength(queued.length + after.length);
    // One evidence row per SOS, all on the one alarm the first SOS opened: no alarm doubled.
    const rows = await evidence(all);
    expect(rows).toHaveLength(all.length);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const [opened] = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM eldercare_alarm WHERE person_id = $1', [elder.personId]);
    expect(opened?.n).toBe(1);
    // The server still answers.
    const health = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok' });
  }, 45_000);
});

/**
 * The restart window. Mosquitto 2.0.x does not save $share subscriptions in its persistence file
 * (only ordinary ones), so after a restart an event published before the ingest clients subscribe
 * again has no shared subscriber. First the broker's behaviour itself, then the restart sentinel
 * (sentinel.ts) closing the window: events published in it are stored once, with one alarm
 * evidence each, and once the sentinel has caught up it stops writing.
 */
describe.skipIf(!mosquittoBin)('events published right after a broker restart are not lost (skipped without the mosquitto binary)', () => {
  const tag = randomBytes(3).toString('hex');
  let broker: PrivateBroker;
  let t: TestApp;
  let elder: SeededElder;
  const clients: MqttClient[] = [];
  let sentinel: Sentinel | undefined;
  const shareGroupBefore = process.env.MINSHENG_MQTT_SHARE_GROUP;

  beforeAll(async () => {
    broker = await PrivateBroker.create(['persistence true', 'max_queued_messages 0']);
    await broker.start();
    t = await testApp();
    elder = await seedElder(t.ctx.db, { prefix: `GP${tag}` });
    process.env.MINSHENG_MQTT_SHARE_GROUP = `gap-${tag}`;
  });
  afterAll(async () => {
    await sentinel?.close().catch(() => undefined);
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await broker?.remove();
    await t?.close();
    if (shareGroupBefore === undefined) delete process.env.MINSHENG_MQTT_SHARE_GROUP; else process.env.MINSHENG_MQTT_SHARE_GROUP = shareGroupBefore;
  });

  const publish = async (topic: string, payloads: string[]): Promise<void> => {
    const pub = await mqtt.connectAsync(broker.url, { clientId: `gap-pub-${tag}-${randomBytes(2).toString('hex')}`, clean: true, reconnectPeriod: 0 });
    for (const p of payloads) await pub.publishAsync(topic, p, { qos: 1 });
    await pub.endAsync();
  };

  it('Mosquitto restores a persistent session\'s ordinary subscription over a restart, not its shared one', async () => {
    const probe = `probe-${tag}`;
    const received: Record<'plain' | 'shared', string[]> = { plain: [], shared: [] };
    const connect = async (kind: 'plain' | 'shared'): Promise<MqttClient> => {
      const c = await mqtt.connectAsync(broker.url, { clientId: `probe-${kind}-${tag}`, clean: false, reconnectPeriod: 0 });
      c.on('message', (_t, p) => received[kind].push(p.toString()));
      return c;
    };
    const plain = await connect('plain');
    const shared = await connect('shared');
    await plain.subscribeAsync(`${probe}/+`, { qos: 1 });
    await shared.subscribeAsync(`$share/${probe}/${probe}/+`, { qos: 1 });
    await publish(`${probe}/x`, ['before']);
    await until(() => received.plain.length === 1 && received.shared.length === 1, 'both probes got the first message');
    await plain.endAsync(); await shared.endAsync();
    await broker.stop();
    await broker.start();
    // Same ids, persistent sessions, and no SUBSCRIBE: only what the broker restored can match.
    const plain2 = await connect('plain');
    const shared2 = await connect('shared');
    clients.push(plain2, shared2);
    await publish(`${probe}/x`, ['after']);
    await until(() => received.plain.length === 2, 'the ordinary subscription delivers after the restart');
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toEqual({ plain: ['before', 'after'], shared: ['before'] });
  }, 20_000);

  it('the restart sentinel ingests what is published before the ingest clients are back, once; then only acknowledges', async () => {
    const ctx: AppContext = { ...t.ctx, mqtt: { mode: 'external', url: broker.url } };
    const sos = elder.devices['call-button']!;
    const topic = `minsheng/v1/devices/${sos}/events`;
    const at = (i: number): string => new Date(Date.parse('2026-02-14T10:00:00+08:00') + i * 1000).toISOString();
    const byGroup: string[] = [];
    const bySentinel: string[] = [];
    const id = (r: IngestResult): string => (r.status === 'quarantined' ? r.reason : r.eventId);
    // Ingest clients reconnect only every 6 s here, so the window is wide enough to publish into.
    for (const k of ['a', 'b']) {
      clients.push(await startSubscriber(ctx, { clientId: `gap-${k}-${tag}`, persistent: true, shared: true, reconnectPeriod: 6_000, onHandled: (r) => byGroup.push(id(r)) }));
    }
    const group = clients.slice(-2);
    sentinel = await startSentinel(ctx, { clientId: `gap-sentinel-${tag}`, eventsTopic: EVENTS_TOPIC, groupClients: group, groupTopic: sharedTopic(), reconnectPeriod: 6_000, onHandled: (r) => bySentinel.push(id(r)) });
    await until(() => !sentinel!.catchingUp(), 'the sentinel caught up after its first connect');
    const s = sentinel;

    await publish(topic, [event(`gp-${tag}-0`, 'sos', at(0))]);
    await until(() => byGroup.length === 1 && s.stats.acknowledgedOnly === 1, 'the group handled the first SOS; the sentinel only acknowledged it');
    expect(bySentinel).toEqual([]);

    await broker.stop();
    await until(() => group.every((c) => !c.connected) && !s.client.connected, 'the clients noticed the broker is gone');
    await broker.start();
    const gap = [1, 2, 3].map((i) => `gp-${tag}-${i}`);
    await publish(topic, gap.map((g, i) => event(g, 'sos', at(1 + i))));
    // Published into the window: no ingest client was back yet (they retry every 6 s).
    expect(group.some((c) => c.connected)).toBe(false);

    await until(async () => Number((await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM eldercare_event WHERE event_id = ANY($1::text[])', [gap]))[0]?.n) === gap.length,
      () => `every SOS of the window stored; group ${JSON.stringify(byGroup)}, sentinel ${JSON.stringify(bySentinel)}`, 20_000);
    await until(() => !s.catchingUp() && s.stats.caughtUp === 2, 'the sentinel caught up again once the clients subscribed again', 20_000);
    // The group never saw them: only the sentinel closed the window.
    expect(byGroup.filter((g) => gap.includes(g))).toEqual([]);
    expect(bySentinel.filter((g) => gap.includes(g)).sort()).toEqual(gap);

    const after = [4, 5].map((i) => `gp-${tag}-${i}`);
    const ingestedBefore = s.stats.ingested;
    await publish(topic, after.map((g, i) => event(g, 'sos', at(4 + i))));
    await until(() => after.every((g) => byGroup.includes(g)), 'the group handles events again');
    await new Promise((r) => setTimeout(r, 500));
    expect(s.stats.ingested).toBe(ingestedBefore); // caught up: acknowledged, not written again

    const all = [`gp-${tag}-0`, ...gap, ...after];
    const evidence = await t.ctx.db.query<{ dedupe_key: string; n: number }>(
      'SELECT dedupe_key, count(*)::int AS n FROM eldercare_alarm_evidence WHERE dedupe_key = ANY($1::text[]) GROUP BY dedupe_key', [all.map((g) => `sos:${g}`)]);
    expect(evidence).toHaveLength(all.length);
    expect(evidence.every((r) => r.n === 1)).toBe(true);
  }, 60_000);
});
