/**
 * Device traffic simulator for demos and benchmarks: publishes realistic events for the devices of
 * N enrolled elders to an MQTT broker at about R messages per second. Presence follows a daily
 * pattern (people move in the morning and evening, rarely at night, in Beijing time), doors open a
 * few times a day, every device heartbeats, batteries report now and then, and a small share of
 * messages are SOS presses and falls. Event times start at `--at` (a simulated clock, e.g. an
 * adjusted working day) or now, and advance with real time.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { beijingMinutes } from './rules.ts';

export interface SimDevice { id: string; kind: 'call-button' | 'presence' | 'fall-radar' | 'door'; personId: number }
export interface SimOptions {
  mqttUrl: string; devices: SimDevice[]; rate: number; durationSeconds?: number; alarmShare: number; startAt?: Date;
  log?: (line: string) => void;
  /** Deterministic choices (tests); Math.random otherwise. */
  random?: () => number;
}
export interface SimEvent { deviceId: string; payload: { id: string; type: string; at: string; value?: unknown } }

/** How likely a presence detection is at a Beijing minute of day, 0..1 (a rough daily rhythm). */
export function activityAt(minuteOfDay: number): number {
  const h = minuteOfDay / 60;
  if (h < 6) return 0.05;
  if (h < 9) return 0.9;
  if (h < 12) return 0.7;
  if (h < 14) return 0.4;
  if (h < 20) return 0.8;
  if (h < 22) return 0.5;
  return 0.1;
}

/** One simulated event at `at`, or undefined when the drawn elder is quiet at that hour. */
export function nextEvent(devices: readonly SimDevice[], at: Date, alarmShare: number, random: () => number): SimEvent | undefined {
  const device = devices[Math.floor(random() * devices.length)];
  if (!device) return undefined;
  const id = `sim-${randomBytes(8).toString('hex')}`;
  const iso = at.toISOString();
  const r = random();
  const own = (kind: SimDevice['kind']): SimDevice | undefined => devices.find((d) => d.personId === device.personId && d.kind === kind);
  if (r < alarmShare) {
    const fall = random() < 0.4 ? own('fall-radar') : undefined;
    if (fall) return { deviceId: fall.id, payload: { id, type: 'fall', at: iso } };
    const button = own('call-button');
    return button ? { deviceId: button.id, payload: { id, type: 'sos', at: iso } } : undefined;
  }
  const rest = (r - alarmShare) / (1 - alarmShare);
  if (rest < 0.4) return { deviceId: device.id, payload: { id, type: 'heartbeat', at: iso } };
  if (rest < 0.42) return { deviceId: device.id, payload: { id, type: 'battery', at: iso, value: Math.round(30 + random() * 70) } };
  if (rest < 0.47) {
    const door = own('door');
    return door ? { deviceId: door.id, payload: { id, type: 'door', at: iso, value: random() < 0.5 ? 'open' : 'closed' } } : undefined;
  }
  const sensor = own('presence') ?? own('fall-radar');
  if (!sensor || random() > activityAt(beijingMinutes(at))) return undefined;
  return { deviceId: sensor.id, payload: { id, type: 'presence', at: iso, value: true } };
}

export async function simulate(o: SimOptions): Promise<{ published: number; alarms: number; seconds: number }> {
  const random = o.random ?? Math.random;
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const client = await mqtt.connectAsync(o.mqttUrl, { clientId: `minsheng-sim-${randomBytes(3).toString('hex')}`, clean: true });
  const started = Date.now();
  const base = o.startAt?.getTime() ?? started;
  let published = 0;
  let alarms = 0;
  let stop = false;
  const onSignal = (): void => { stop = true; };
  process.once('SIGINT', onSignal);
  const tickMs = 100;
  let lastLog = started;
  try {
    while (!stop && (o.durationSeconds === undefined || Date.now() - started < o.durationSeconds * 1000)) {
      const tickStart = Date.now();
      const due = Math.round(((tickStart - started) / 1000) * o.rate) - published;
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < due; i++) {
        const e = nextEvent(o.devices, new Date(base + (Date.now() - started)), o.alarmShare, random);
        published += 1; // a quiet draw still counts, so the rate stays the target and not more
        if (!e) continue;
        if (e.payload.type === 'sos' || e.payload.type === 'fall') alarms += 1;
        sends.push(client.publishAsync(`minsheng/v1/devices/${e.deviceId}/events`, JSON.stringify(e.payload), { qos: 1 }));
      }
      await Promise.all(sends);
      if (Date.now() - lastLog >= 5_000) { lastLog = Date.now(); log(`[simulate] ${published} messages, ${alarms} alarms in ${Math.round((Date.now() - started) / 1000)} s`); }
      await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - tickStart))));
    }
  } finally {
    process.off('SIGINT', onSignal);
    await client.endAsync();
  }
  return { published, alarms, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/** One event from one device, now or at a given time (a button press for a demo). */
export async function publishOne(mqttUrl: string, deviceId: string, payload: SimEvent['payload']): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId: `minsheng-press-${randomBytes(3).toString('hex')}`, clean: true });
  try { await client.publishAsync(`minsheng/v1/devices/${deviceId}/events`, JSON.stringify(payload), { qos: 1 }); } finally { await client.endAsync(); }
}

/** The devices of the first N elders, read through the server's API with a staff account. */
export async function devicesFromServer(server: string, user: string, password: string, elders: number): Promise<SimDevice[]> {
  const login = await fetch(`${server}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password }) });
  if (!login.ok) throw new Error(`cannot sign in to ${server} as ${user}: HTTP ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const res = await fetch(`${server}/api/eldercare/devices`, { headers: { cookie } });
  if (!res.ok) throw new Error(`cannot list devices: HTTP ${res.status}`);
  const items = ((await res.json()) as { items: SimDevice[] }).items;
  const persons = [...new Set(items.map((d) => d.personId))].slice(0, elders);
  return items.filter((d) => persons.includes(d.personId)).map((d) => ({ id: d.id, kind: d.kind, personId: d.personId }));
}
