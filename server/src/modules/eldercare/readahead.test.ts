/**
 * The ingest client's read-ahead (background.ts): every message the broker has sent is handed to
 * the ingest at once, not one per acknowledgement; the acknowledgement contract is unchanged —
 * each PUBACK only after that message's write, in the order received. The embedded broker, and a
 * real Mosquitto when MINSHENG_TEST_MQTT_URL is set (its in-flight window is 20 per client).
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMqtt, type MqttHandle } from '../../platform/mqtt.ts';
import type { AppContext } from '../../platform/context.ts';
import { testApp, type TestApp } from '../../testing/app.ts';
import { startSubscriber } from './background.ts';
import type { IncomingMessage, IngestResult } from './ingest.ts';

const externalUrl = process.env.MINSHENG_TEST_MQTT_URL;

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (check()) return; await new Promise((r) => setTimeout(r, 20)); }
  throw new Error('timed out waiting');
}

describe('ingest client read-ahead', () => {
  let t: TestApp;
  let broker: MqttHandle;
  beforeAll(async () => { t = await testApp(); broker = await startMqtt({ url: undefined, port: 0 }); });
  afterAll(async () => { await broker.close(); await t.close(); });

  const brokers: Array<['embedded' | 'external', () => string]> = [['embedded', () => broker.url]];
  if (externalUrl) brokers.push(['external', () => externalUrl]);

  for (const [mode, url] of brokers) {
    for (const readAhead of [true, false]) {
      it(`${mode} broker, read-ahead ${readAhead ? 'on' : 'off'}: ${readAhead ? 'all sent messages are ingested at once' : 'one message at a time'}; each PUBACK only after its write, in order`, async () => {
        const tag = randomBytes(3).toString('hex');
        process.env.MINSHENG_MQTT_SHARE_GROUP = `test-ra-${tag}`;
        const ctx: AppContext = { ...t.ctx, mqtt: { mode, url: url() } };
        // Our messages wait for the test to release them; anything else on a shared broker passes.
        const gates = new Map<string, () => void>();
        const submitted: string[] = [];
        const submit = (m: IncomingMessage): Promise<IngestResult> => {
          const id = (JSON.parse(m.payload) as { id: string }).id;
          if (!id.startsWith(`ra-${tag}-`)) return Promise.resolve({ status: 'duplicate', eventId: id });
          submitted.push(id);
          return new Promise((resolve) => gates.set(id, () => resolve({ status: 'stored', eventId: id })));
        };
        const sub = await startSubscriber(ctx, { clientId: `test-ra-${tag}`, persistent: false, submit, readAhead });
        const ours = new Map<number, string>();
        const acked: string[] = [];
        sub.on('packetreceive', (p) => { if (p.cmd === 'publish' && typeof p.messageId === 'number') ours.set(p.messageId, (JSON.parse(p.payload.toString()) as { id: string }).id); });
        sub.on('packetsend', (p) => { if (p.cmd === 'puback' && typeof p.messageId === 'number') { const id = ours.get(p.messageId); if (id?.startsWith(`ra-${tag}-`)) acked.push(id); } });
        const pub = await mqtt.connectAsync(url());
        try {
          const ids = Array.from({ length: 6 }, (_, i) => `ra-${tag}-${i}`);
          const published = ids.map((id) => pub.publishAsync(`minsheng/v1/devices/RA-${tag}/events`, JSON.stringify({ id, type: 'heartbeat', at: new Date().toISOString() }), { qos: 1 }));
          await Promise.all(published);
          if (readAhead) await until(() => submitted.length === ids.length);
          else {
            await until(() => submitted.length === 1);
            await new Promise((r) => setTimeout(r, 300));
            expect(submitted).toEqual([ids[0]]);
          }
          expect(acked).toEqual([]);
          if (readAhead) {
            // Written out of order: acknowledged only up to the first one not yet written.
            gates.get(ids[2]!)!();
            gates.get(ids[1]!)!();
            await new Promise((r) => setTimeout(r, 200));
            expect(acked).toEqual([]);
            gates.get(ids[0]!)!();
            await until(() => acked.length === 3);
            expect(acked).toEqual(ids.slice(0, 3));
            for (const id of ids.slice(3)) gates.get(id)!();
          } else {
            for (const id of ids) { await until(() => gates.has(id)); gates.get(id)!(); }
          }
          await until(() => acked.length === ids.length);
          expect(acked).toEqual(ids);
          expect(submitted).toEqual(ids);
        } finally {
          for (const g of gates.values()) g();
          await pub.endAsync();
          await sub.endAsync();
        }
      });
    }
  }
});
