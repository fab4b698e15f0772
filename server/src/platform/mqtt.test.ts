import { describe, expect, it } from 'vitest';
import { startMqtt } from './mqtt.ts';

describe('MQTT', () => {
  it('the embedded broker carries a message between two clients, off port 1883', async () => {
    const broker = await startMqtt({ url: undefined, port: 0 });
    try {
      expect(broker.mode).toBe('embedded');
      expect(broker.url).not.toContain(':1883');
      const got = new Promise<string>((resolve) => broker.client.on('message', (_t, payload) => resolve(payload.toString())));
      await broker.client.subscribeAsync('minsheng/test/echo', { qos: 1 });
      await broker.client.publishAsync('minsheng/test/echo', 'ping', { qos: 1 });
      expect(await got).toBe('ping');
    } finally { await broker.close(); }
  });

  const externalUrl = process.env.MINSHENG_TEST_MQTT_URL;
  it.skipIf(!externalUrl)('connects to an external broker when MQTT_URL is given', async () => {
    const url = externalUrl ?? '';
    const broker = await startMqtt({ url, port: 0 });
    try {
      expect(broker.mode).toBe('external');
      expect(broker.client.connected).toBe(true);
    } finally { await broker.close(); }
  });

  it('says which broker it cannot reach', async () => {
    await expect(startMqtt({ url: 'mqtt://127.0.0.1:1', port: 0 })).rejects.toThrow('cannot reach the MQTT broker at mqtt://127.0.0.1:1');
  });
});
