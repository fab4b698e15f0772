/**
 * The restart sentinel: closes the window in which a broker restart loses device events.
 *
 * Mosquitto (2.0.x) saves a persistent session's ordinary subscriptions in its persistence file
 * but not its shared ($share) ones: persist__subs_save() walks only each topic node's `subs` list,
 * and shared subscribers live in the separate `shared` list. After a restart the ingest clients'
 * sessions come back without their $share subscription, and an event published before a client
 * has subscribed again (it retries every 2 s) matches no subscription and is dropped.
 *
 * So each serving process also keeps one persistent session with an ORDINARY subscription to the
 * device events (restored by the broker before it accepts any connection), which therefore queues
 * every event published after a restart. It needs to ingest only the events no group member got:
 *   - after each (re)connect it is in catch-up mode and ingests what it receives (through the
 *     same batcher; storage is idempotent by event id, so an event the group also handled is a
 *     harmless duplicate);
 *   - meanwhile it makes every ingest client of its process subscribe again and, once all have
 *     their SUBACK, publishes a marker (a fresh nonce) to itself. Mosquitto routes messages in
 *     one thread, in order: every event queued for the sentinel before the marker may have missed
 *     the group, every event after it was also routed to the (now subscribed) group;
 *   - from the marker on it acknowledges without ingesting (the steady state: one more delivery
 *     of each message to each process, and no database work).
 * The acknowledgement still follows the write in catch-up mode: a crash means redelivery.
 * Cost: one extra delivery of the whole stream per process (not per ingest client), and after a
 * reconnect the events since the broker started are written twice.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type ISubscriptionMap, type MqttClient } from 'mqtt';
import type { AppContext } from '../../platform/context.ts';
import { TOPIC_PATTERN, type IngestResult } from './ingest.ts';
import { batcherFor } from './batcher.ts';

export interface SentinelStats { connects: number; caughtUp: number; ingested: number; acknowledgedOnly: number }

export interface Sentinel { client: MqttClient; stats: SentinelStats; catchingUp(): boolean; close(): Promise<void> }

export const markerTopic = (clientId: string): string => `minsheng/v1/ingest/${clientId}/marker`;

export async function startSentinel(ctx: AppContext, opts: {
  clientId: string; eventsTopic: string; groupClients: readonly MqttClient[]; groupTopic: string;
  reconnectPeriod?: number; onHandled?: (r: IngestResult) => void;
}): Promise<Sentinel> {
  const stats: SentinelStats = { connects: 0, caughtUp: 0, ingested: 0, acknowledgedOnly: 0 };
  const marker = markerTopic(opts.clientId);
  /** The nonce of the marker that ends the current catch-up; undefined once caught up. */
  let awaiting: string | undefined = 'start';
  let closed = false;
  const client = mqtt.connect(ctx.mqtt.url, { clientId: opts.clientId, clean: false, connectTimeout: 5_000, reconnectPeriod: opts.reconnectPeriod ?? 2_000 });
  client.on('error', (err) => console.error('[eldercare] sentinel mqtt:', err.message));

  client.handleMessage = (packet, done) => {
    const payload = typeof packet.payload === 'string' ? packet.payload : Buffer.from(packet.payload).toString('utf8');
    if (packet.topic === marker) {
      if (awaiting !== undefined && payload === awaiting) { awaiting = undefined; stats.caughtUp++; }
      done();
      return;
    }
    if (awaiting === undefined) { stats.acknowledgedOnly++; done(); return; }
    const deviceId = TOPIC_PATTERN.exec(packet.topic)?.[1] ?? null;
    batcherFor(ctx.db).submit({ via: 'mqtt', deviceId, topic: packet.topic, payload })
      .then((r) => { stats.ingested++; opts.onHandled?.(r); done(); })
      .catch((err: unknown) => { console.error('[eldercare] sentinel ingest failed, message left unacknowledged:', err instanceof Error ? err.message : err); done(err instanceof Error ? err : new Error(String(err))); });
  };

  /** Every group client subscribed (SUBACK) on its current connection, then the marker. */
  const endCatchUp = async (nonce: string): Promise<void> => {
    for (const c of opts.groupClients) {
      for (;;) {
        if (closed || awaiting !== nonce) return;
        if (c.connected) {
          const again: ISubscriptionMap = { [opts.groupTopic]: { qos: 1 } };
          again.resubscribe = true;
          const ok = await c.subscribeAsync(again).then((g) => g.every((x) => x.qos !== 128), () => false);
          if (ok) break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (closed || awaiting !== nonce || !client.connected) return;
    await client.publishAsync(marker, nonce, { qos: 1 }).catch(() => undefined);
  };

  // Whatever arrives after a reconnect may be a restored session's backlog: catch up again.
  client.on('close', () => { awaiting = 'reconnecting'; });
  client.on('connect', () => {
    stats.connects++;
    const nonce = randomBytes(8).toString('hex');
    awaiting = nonce;
    // Subscribing anew is harmless when the session kept the subscriptions, and needed when not.
    const subs: ISubscriptionMap = { [opts.eventsTopic]: { qos: 1 }, [marker]: { qos: 1 } };
    subs.resubscribe = true;
    client.subscribeAsync(subs)
      .then(() => endCatchUp(nonce))
      .catch((err: unknown) => console.error('[eldercare] sentinel subscribe:', err instanceof Error ? err.message : err));
  });

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { client.end(true); reject(new Error(`sentinel cannot reach the MQTT broker at ${ctx.mqtt.url}`)); }, 10_000);
    client.once('connect', () => { clearTimeout(timer); resolve(); });
  });
  return {
    client, stats,
    catchingUp: () => awaiting !== undefined,
    close: async () => { closed = true; await client.endAsync(); },
  };
}
