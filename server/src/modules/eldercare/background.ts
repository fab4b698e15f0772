/**
 * The guard's background work in a serving process: the MQTT subscriber (its own client), the
 * escalation timer handler, and a periodic sweep (time-based rules, maintenance and missed-visit
 * orders, recovery of work a killed process left half done).
 *
 * MQTT: QoS 1 with a persistent session (clean: false) under a client id fixed per process
 * (MINSHENG_INSTANCE, else host + HTTP port), so messages published while the process was down
 * are delivered when it returns (see ingestIdentity for processes on a random port). With an external broker (Mosquitto, EMQX) the subscription is
 * shared ($share/minsheng/...), so several server processes split the stream instead of each
 * handling every message. The embedded aedes broker (1.x) does not implement shared subscriptions
 * — and only the process that embeds it can reach it — so there the plain topic is used. Either
 * way, storage is idempotent by event id, so a redelivery never doubles an alarm.
 *
 * Throughput: a process runs DEFAULT_INGEST_CLIENTS members of the shared group, whose messages
 * meet in one micro-batcher (batcher.ts); each is acknowledged after its batch commits. Mosquitto
 * does not keep $share subscriptions over its own restart; the restart sentinel (sentinel.ts)
 * catches what is published before the members have subscribed again.
 */
import os from 'node:os';
import mqtt, { type ISubscriptionMap, type MqttClient, type StreamBuilder } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import type { AppContext } from '../../platform/context.ts';
import { onWorkOrderAction } from '../workorders/service.ts';
import { recoverUnprocessed, TOPIC_PATTERN, type IncomingMessage, type IngestResult } from './ingest.ts';
import { batcherFor } from './batcher.ts';
import { startSentinel } from './sentinel.ts';
import { recoverAlarms, registerEscalationTimers, setPublicBaseUrl, ALARM_ORDER_TYPE } from './escalation.ts';
import { sweepAlarms } from './sweep.ts';
import { sweepMaintenance } from './maintenance.ts';
import { mirrorResolution } from './console.ts';
import { publishAlarmChange } from './live.ts';

export const EVENTS_TOPIC = 'minsheng/v1/devices/+/events';
/** Ingest clients per process with an external broker (see startEldercare); the bench measured this. */
export const DEFAULT_INGEST_CLIENTS = 96;
/** The share group; a test on a broker others use too picks its own (MINSHENG_MQTT_SHARE_GROUP). */
export const sharedTopic = (): string => `$share/${process.env.MINSHENG_MQTT_SHARE_GROUP || 'minsheng'}/${EVENTS_TOPIC}`;

/**
 * The client id and whether the session persists. A persistent session only helps a process that
 * comes back under the same id: with a shared subscription the broker keeps routing a share of the
 * messages to an offline member's session until it returns. So the id is stable (MINSHENG_INSTANCE,
 * else host + HTTP port) and the session persistent; a process on a random port (PORT=0: tests,
 * throwaway servers) gets a one-off id and a clean session, so it never strands messages.
 */
export function ingestIdentity(ctx: AppContext): { clientId: string; persistent: boolean } {
  const clean = (s: string): string => `minsheng-ingest-${s}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  if (process.env.MINSHENG_INSTANCE) return { clientId: clean(process.env.MINSHENG_INSTANCE), persistent: true };
  if (ctx.config.port !== 0) return { clientId: clean(`${os.hostname()}-${ctx.config.port}`), persistent: true };
  return { clientId: clean(`${os.hostname()}-pid${process.pid}-${Date.now().toString(36)}`), persistent: false };
}

/**
 * Subscribes to device events; each message is ingested before the PUBACK (handleMessage). The
 * messages of all the process's clients go through one micro-batcher (batcher.ts): a client's
 * message waits for its batch's commit, then is acknowledged.
 */
export interface SubscriberOptions {
  clientId?: string; persistent?: boolean; shared?: boolean; onHandled?: (r: IngestResult) => void;
  /** Milliseconds between reconnection attempts (default 2 s). */
  reconnectPeriod?: number;
  /** How a message is ingested; default the process's micro-batcher (the bench compares with `ingest`, one by one). */
  submit?: (m: IncomingMessage) => Promise<IngestResult>;
  /** Ingest messages as soon as their bytes arrive (readAhead below); default true, MINSHENG_INGEST_READAHEAD=0 turns it off. */
  readAhead?: boolean;
}

const incoming = (topic: string, payload: Buffer | string): IncomingMessage =>
  ({ via: 'mqtt', deviceId: TOPIC_PATTERN.exec(topic)?.[1] ?? null, topic, payload: typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8') });

/**
 * Read-ahead: mqtt.js hands a client its messages one at a time (the next only after the previous
 * one's PUBACK), but the broker has already sent it up to its in-flight window (Mosquitto: 20). In
 * lock-step, a message waits for one batch commit per message ahead of it in its client, so a
 * short stall (a slow commit, a GC pause, the CPU taken by another process) left every client with
 * a queue that drained one message per batch: a 100 ms stall became a backlog of several hundred
 * milliseconds, and an SOS behind heartbeats waited for all of them (measured: docs/benchmarks.md).
 * So a second parser reads the connection's bytes as they arrive and submits every QoS 1 PUBLISH
 * at once — a whole window joins the next batch, and an SOS opens its alarm without waiting for
 * the messages ahead of it. The contract is unchanged: mqtt.js still acknowledges in order, each
 * PUBACK only after that message's write (handleMessage awaits the same promise); a crash or a
 * lost connection before it means redelivery, which is idempotent by event id.
 * Keyed by packet id: the broker reuses an id only after its PUBACK, which follows the handler's
 * taking the entry.
 */
function withReadAhead(client: MqttClient, submit: (m: IncomingMessage) => Promise<IngestResult>): (messageId: number | undefined) => Promise<IngestResult> | undefined {
  let ahead = new Map<number, Promise<IngestResult>>();
  // mqtt.js keeps the builder private; it calls it for every (re)connection.
  const builder = client as unknown as { streamBuilder: StreamBuilder };
  const build = builder.streamBuilder;
  builder.streamBuilder = (c, o) => {
    const stream = build(c, o);
    const mine = new Map<number, Promise<IngestResult>>();
    ahead = mine; // a new connection: what the old one read ahead and did not acknowledge is redelivered (idempotent)
    const parser = mqttPacket.parser(client.options);
    parser.on('packet', (packet) => {
      if (packet.cmd !== 'publish' || packet.qos !== 1 || packet.messageId === undefined) return;
      const p = submit(incoming(packet.topic, packet.payload));
      p.catch(() => undefined); // the handler reports a failure; until it takes the promise, no unhandled rejection
      mine.set(packet.messageId, p);
    });
    // Registered before mqtt.js pipes the stream into its own parser, so this parser sees each chunk first.
    const feed = (buf: Buffer): void => { parser.parse(buf); };
    // A parse error is mqtt.js's to report (it parses the same bytes): stop reading ahead on this connection.
    parser.on('error', () => { stream.off('data', feed); });
    stream.on('data', feed);
    return stream;
  };
  return (id) => {
    if (id === undefined) return undefined;
    const p = ahead.get(id);
    if (p) ahead.delete(id);
    return p;
  };
}

export async function startSubscriber(ctx: AppContext, opts: SubscriberOptions = {}): Promise<MqttClient> {
  const shared = opts.shared ?? ctx.mqtt.mode === 'external';
  const identity = opts.clientId ? { clientId: opts.clientId, persistent: opts.persistent ?? true } : ingestIdentity(ctx);
  // Not connectAsync: a resumed session's backlog arrives right after CONNACK, and must meet our
  // handler, not the default one (which would acknowledge it unprocessed).
  // manualConnect: the read-ahead wraps the stream builder before the first connection.
  const client = mqtt.connect(ctx.mqtt.url, {
    clientId: identity.clientId, clean: !identity.persistent, connectTimeout: 5_000, reconnectPeriod: opts.reconnectPeriod ?? 2_000, manualConnect: true,
  });
  const submit = opts.submit ?? ((m: IncomingMessage) => batcherFor(ctx.db).submit(m));
  const readAhead = opts.readAhead ?? process.env.MINSHENG_INGEST_READAHEAD !== '0';
  const take = readAhead ? withReadAhead(client, submit) : () => undefined;
  // The PUBACK waits for the database write (done): a crash before it means redelivery, not loss.
  client.handleMessage = (packet, done) => {
    (take(packet.messageId) ?? submit(incoming(packet.topic, packet.payload)))
      .then((r) => { opts.onHandled?.(r); done(); })
      // A database failure: no PUBACK; the error drops the connection and the broker redelivers after reconnect.
      .catch((err: unknown) => { console.error('[eldercare] ingest failed, message left unacknowledged:', err instanceof Error ? err.message : err); done(err instanceof Error ? err : new Error(String(err))); });
  };
  client.connect();
  // The start-up listeners are removed once connected: left behind, the first error of a later
  // reconnect (a broker restart: connection refused) would end the client for good.
  await new Promise<void>((resolve, reject) => {
    const onConnect = (): void => { clearTimeout(timer); client.off('error', onError); resolve(); };
    const onError = (err: Error): void => fail(err.message);
    const fail = (why: string): void => { clearTimeout(timer); client.off('connect', onConnect); client.off('error', onError); client.end(true); reject(new Error(`cannot reach the MQTT broker at ${ctx.mqtt.url}: ${why}`)); };
    const timer = setTimeout(() => fail('no answer in 10 s'), 10_000);
    client.once('connect', onConnect);
    client.once('error', onError);
  });
  client.on('error', (err) => console.error('[eldercare] mqtt:', err.message));
  const topic = shared ? sharedTopic() : EVENTS_TOPIC;
  await client.subscribeAsync(topic, { qos: 1 });
  // mqtt.js resubscribes after a reconnect only when the broker lost the session. Mosquitto (2.0)
  // restarted with persistence restores the session (sessionPresent) but not its $share
  // subscription, so the process would silently receive nothing: subscribe again every time.
  // Subscribing anew to a subscription the session still has only replaces it. (`resubscribe`:
  // else mqtt.js skips a topic it believes subscribed and sends nothing.)
  client.on('connect', (connack) => {
    if (!connack.sessionPresent) return;
    const again: ISubscriptionMap = { [topic]: { qos: 1 } };
    again.resubscribe = true;
    client.subscribe(again, (err) => { if (err) console.error('[eldercare] mqtt resubscribe:', err.message); });
  });
  return client;
}

/** The process's ingest clients: `count` members of the shared subscription (ids `<identity>-<k>`), or one. */
export async function startIngestClients(ctx: AppContext, count: number, identity = ingestIdentity(ctx), extra: Pick<SubscriberOptions, 'submit' | 'readAhead'> = {}): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (let k = 0; k < count; k++) {
    clients.push(await startSubscriber(ctx, { ...extra, clientId: count === 1 ? identity.clientId : `${identity.clientId.slice(0, 60)}-${k}`, persistent: identity.persistent }));
  }
  return clients;
}

/**
 * One sweep. Alarm rules and recovery run every time (seconds matter); maintenance and missed-visit
 * orders only when `withMaintenance` (every few minutes: they are counted in hours and days, and
 * checking every device's order key every 30 s would be wasted work for 5,800 homes).
 */
export async function sweepOnce(ctx: AppContext, now = new Date(), withMaintenance = true): Promise<void> {
  await recoverUnprocessed(ctx.db);
  await recoverAlarms(ctx.db);
  if ((await sweepAlarms(ctx.db, now)).opened > 0) publishAlarmChange(0);
  if (withMaintenance) await sweepMaintenance(ctx.db, now);
}

export async function startEldercare(ctx: AppContext): Promise<() => Promise<void>> {
  registerEscalationTimers();
  setPublicBaseUrl(ctx.config.publicBaseUrl);
  const off = onWorkOrderAction(ALARM_ORDER_TYPE, async (order, action) => {
    if (action.kind === 'resolved' || action.kind === 'closed') await mirrorResolution(ctx.db, order, action.data?.outcome);
    const alarmId = Number(order.payload.alarmId);
    if (Number.isInteger(alarmId)) publishAlarmChange(alarmId);
  });
  // An mqtt.js client hands over one message at a time (the next only after the PUBACK, which
  // waits for the database), so a process runs many clients of the shared subscription, and their
  // messages meet in one batch per write: throughput is about clients / batch write time. Lowering
  // MINSHENG_INGEST_CLIENTS later leaves the higher-numbered persistent sessions behind in the
  // broker, still taking their share: remove them (connect once with a clean session) when you do.
  const parallel = ctx.mqtt.mode === 'external' ? Math.max(1, Number(process.env.MINSHENG_INGEST_CLIENTS || DEFAULT_INGEST_CLIENTS)) : 1;
  const identity = ingestIdentity(ctx);
  const clients = await startIngestClients(ctx, parallel, identity);
  // With a shared subscription, the restart sentinel closes the window a broker restart opens
  // (sentinel.ts). Only for a persistent identity: a clean session's subscriptions die with it.
  const sentinel = ctx.mqtt.mode === 'external' && identity.persistent && process.env.MINSHENG_INGEST_SENTINEL !== '0'
    ? await startSentinel(ctx, { clientId: `${identity.clientId.slice(0, 55)}-sentinel`, eventsTopic: EVENTS_TOPIC, groupClients: clients, groupTopic: sharedTopic() })
    : undefined;
  const sweepMs = Number(process.env.MINSHENG_ELDERCARE_SWEEP_MS || 30_000);
  const maintenanceEvery = Math.max(1, Math.round(300_000 / sweepMs));
  let n = 0;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const withMaintenance = n++ % maintenanceEvery === 0;
    running = running.then(() => sweepOnce(ctx, new Date(), withMaintenance)).catch((err: unknown) => console.error('[eldercare] sweep:', err instanceof Error ? err.message : err));
  }, sweepMs);
  return async () => {
    clearInterval(timer);
    off();
    await running;
    await sentinel?.close();
    for (const c of clients) await c.endAsync();
  };
}
