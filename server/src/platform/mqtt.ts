/**
 * Device messages arrive over MQTT. Embedded mode runs an in-process Aedes broker on a port that is
 * never 1883 (a real broker may be there); production connects to MQTT_URL.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';

export interface MqttHandle { mode: 'embedded' | 'external'; url: string; client: MqttClient; close(): Promise<void> }

/** The platform's own client connection, to the external broker or the embedded one. */
async function connect(url: string): Promise<MqttClient> {
  try {
    return await mqtt.connectAsync(url, { clientId: `minsheng-${process.pid}-${Date.now().toString(36)}`, connectTimeout: 5_000, reconnectPeriod: 2_000 });
  } catch (err) {
    throw new Error(`cannot reach the MQTT broker at ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function startMqtt(opts: { url: string | undefined; port: number; host?: string }): Promise<MqttHandle> {
  if (opts.url) {
    const client = await connect(opts.url);
    return { mode: 'external', url: opts.url, client, close: async () => { await client.endAsync(); } };
  }
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `mqtt://${host}:${port}`;
  const client = await connect(url);
  return {
    mode: 'embedded', url, client,
    close: async () => {
      await client.endAsync();
      await new Promise<void>((resolve) => { broker.close(() => server.close(() => resolve())); });
    },
  };
}
