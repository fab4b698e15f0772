/**
 * `minsheng simulate devices --elders N --rate R [--duration S] [--at ISO]` and
 * `minsheng simulate press --device ID [--type sos|fall] [--at ISO]`.
 *
 * The simulator publishes to the broker the server listens to: MQTT_URL, or the embedded broker
 * inside a running server (mqtt://127.0.0.1:1884 by default, MQTT_PORT) — so with the embedded
 * broker the server must be running. Device ids come from that server's API, signed in as a staff
 * account (the demo's `admin` / minsheng-demo by default). Exit status 2 on bad input.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { DEMO_PASSWORD } from '../accounts/demo-accounts.ts';
import { devicesFromServer, publishOne, simulate } from './simulate.ts';

const invalid = (message: string): InvalidArgumentError => {
  const err = new InvalidArgumentError(message);
  err.exitCode = 2;
  return err;
};
const positive = (name: string, max: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw invalid(`--${name} must be a number above 0 and at most ${max}, got "${v}"`);
  return n;
};
const instant = (v: string): Date => {
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(d.getTime())) throw invalid(`--at must be an ISO-8601 date-time, e.g. 2026-02-14T09:00:00+08:00, got "${v}"`);
  return d;
};
const defaultMqtt = (): string => process.env.MQTT_URL || `mqtt://127.0.0.1:${process.env.MQTT_PORT || 1884}`;
const defaultServer = (): string => process.env.MINSHENG_SERVER || `http://127.0.0.1:${process.env.PORT || 8080}`;

export function registerEldercareCommand(program: Command): void {
  const sim = program.command('simulate').description('simulated device traffic for the elder guard (demo, benchmark)');
  sim.command('devices')
    .description('publish realistic events (presence by time of day, doors, heartbeats, batteries, some SOS and falls)')
    .requiredOption('--elders <n>', 'how many enrolled elders\' devices to use', positive('elders', 100_000))
    .requiredOption('--rate <r>', 'messages per second', positive('rate', 100_000))
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', positive('duration', 86_400 * 7))
    .option('--alarm-share <p>', 'share of messages that are SOS presses or falls', positive('alarm-share', 1), 0.01)
    .option('--at <iso>', 'simulated clock start for event times (default: now)', instant)
    .option('--mqtt <url>', 'broker (default MQTT_URL, else the embedded broker mqtt://127.0.0.1:1884)')
    .option('--server <url>', 'the running server, to read device ids (default http://127.0.0.1:PORT)')
    .option('--user <name>', 'staff account that may read devices', 'admin')
    .option('--password <pw>', 'its password (default: the demo password)')
    .action(async (o: { elders: number; rate: number; duration?: number; alarmShare: number; at?: Date; mqtt?: string; server?: string; user: string; password?: string }) => {
      const devices = await devicesFromServer(o.server ?? defaultServer(), o.user, o.password ?? DEMO_PASSWORD, Math.floor(o.elders));
      if (devices.length === 0) { console.error('simulate: no enrolled elders with devices on that server'); process.exitCode = 1; return; }
      const mqttUrl = o.mqtt ?? defaultMqtt();
      console.log(`[simulate] ${devices.length} devices of ${new Set(devices.map((d) => d.personId)).size} elders → ${mqttUrl} at ${o.rate}/s`);
      const r = await simulate({ mqttUrl, devices, rate: o.rate, durationSeconds: o.duration, alarmShare: o.alarmShare, startAt: o.at });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
  sim.command('press')
    .description('one event from one device, e.g. an SOS press on an adjusted working day')
    .requiredOption('--device <id>', 'device id')
    .option('--type <type>', 'sos | fall | presence | door | heartbeat', 'sos')
    .option('--at <iso>', 'event time (default: now)', instant)
    .option('--mqtt <url>', 'broker (default MQTT_URL, else mqtt://127.0.0.1:1884)')
    .action(async (o: { device: string; type: string; at?: Date; mqtt?: string }) => {
      if (!['sos', 'fall', 'presence', 'door', 'heartbeat'].includes(o.type)) throw invalid(`--type must be sos, fall, presence, door or heartbeat, got "${o.type}"`);
      const payload = { id: `press-${randomBytes(6).toString('hex')}`, type: o.type, at: (o.at ?? new Date()).toISOString(), ...(o.type === 'door' ? { value: 'open' } : o.type === 'presence' ? { value: true } : {}) };
      await publishOne(o.mqtt ?? defaultMqtt(), o.device, payload);
      process.stdout.write(`${JSON.stringify({ device: o.device, ...payload })}\n`);
    });
}
