/**
 * Device messages arrive over MQTT. Embedded mode runs an in-process Aedes broker on a port that is
 * never 1883 (a real broker may be there); production connects to MQTT_URL.
 */
import net from 'node:net';
import { Aedes } from 'aedes';

export interface MqttHandle { mode: 'embedded' | 'external'; url: string; close(): Promise<void> }

export async function startMqtt(opts: { url: string | undefined; port: number; host?: string }): Promise<MqttHandle> {
  if (opts.url) return { mode: 'external', url: opts.url, close: async () => undefined };
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    mode: 'embedded',
    url: `mqtt://${host}:${port}`,
    close: () => new Promise<void>((resolve) => { broker.close(() => server.close(() => resolve())); }),
  };
}
