/**
 * `npm run bench -- alarms [--messages N] [--rate R] [--elders E] [--subscribers K]`
 *
 * Device messages (heartbeats and presence, 1 % SOS presses) through a real MQTT broker
 * (MINSHENG_BENCH_MQTT_URL, default mqtt://127.0.0.1:1883) into the eldercare ingest on
 * PostgreSQL (MINSHENG_BENCH_DATABASE_URL: a server where a throwaway database is created) or
 * PGlite in memory. Measured in the same run:
 *   baseline — the broker passing the same messages at the same rate to a bare subscriber;
 *   pipeline — the same through K shared-subscription ingest clients: throughput until every event
 *   is stored, and for each SOS the latency from publish to its alarm work order stored and to the
 *   first notification queued (the relative's call/SMS handed to the gateway queue).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import mqtt from 'mqtt';
import pg from 'pg';
import { openDb, type Db } from '../server/src/platform/db.ts';
import { migrate } from '../server/src/platform/migrate.ts';
import { loadConfig } from '../server/src/platform/config.ts';
import type { AppContext } from '../server/src/platform/context.ts';
import { seedRegions } from '../server/src/modules/regions/seed.ts';
import { seedElder, type SeededElder } from '../server/src/modules/eldercare/test-fixtures.ts';
import { startSubscriber } from '../server/src/modules/eldercare/background.ts';
import { findWorkOrder } from '../server/src/modules/workorders/service.ts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) { console.error(`--${name} must be a positive number`); process.exit(2); }
  return v;
};
const MESSAGES = arg('messages', 10_000);
const RATE = arg('rate', 5_000);
const ELDERS = arg('elders', 150);
const SUBSCRIBERS = arg('subscribers', 1);
const BROKER = process.env.MINSHENG_BENCH_MQTT_URL || 'mqtt://127.0.0.1:1883';
const tag = randomBytes(3).toString('hex');

const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes `count` messages at `rate`/s; `make(i)` gives topic and payload. Returns publish times. */
async function publishPaced(client: mqtt.MqttClient, count: number, rate: number, make: (i: number, now: number) => [string, string]): Promise<{ seconds: number }> {
  const start = Date.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((Date.now() - start) / 1000) * rate) + 1);
    const batch: Promise<unknown>[] = [];
    for (; sent < due; sent++) { const [t, p] = make(sent, Date.now()); batch.push(client.publishAsync(t, p, { qos: 1 })); }
    await Promise.all(batch);
    await sleep(5);
  }
  return { seconds: (Date.now() - start) / 1000 };
}

async function openBenchDb(): Promise<{ db: Db; url?: string; drop(): Promise<void> }> {
  const server = process.env.MINSHENG_BENCH_DATABASE_URL;
  if (!server) return { db: await openDb({}), drop: async () => undefined };
  const name = `minsheng_bench_${tag}`;
  const admin = async (sql: string) => { const c = new pg.Client({ connectionString: server }); await c.connect(); try { await c.query(sql); } finally { await c.end(); } };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(server); u.pathname = `/${name}`;
  return { db: await openDb({ databaseUrl: u.toString() }), url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function main(): Promise<void> {
  const { db, url, drop } = await openBenchDb();
  try {
    await migrate(db);
    await seedRegions(db);
    const t0 = Date.now();
    const elders: SeededElder[] = [];
    for (let i = 0; i < ELDERS; i++) elders.push(await seedElder(db, { prefix: `B${tag}${i}`, relatives: 1 }));
    console.log(`seeded ${ELDERS} elders with 4 devices each in ${((Date.now() - t0) / 1000).toFixed(1)} s (${db.kind})`);
    const quiet = elders.flatMap((e) => [e.devices['presence']!, e.devices['door']!, e.devices['fall-radar']!]);
    let sos = 0;
    /** 1 % SOS, each from another elder's button; the rest heartbeats and presence. */
    const message = (i: number, now: number, topicBase: string): [string, string] => {
      const at = new Date(now).toISOString();
      if (i % 100 === 50 && sos < elders.length) {
        const e = elders[sos++]!;
        return [`${topicBase}/${e.devices['call-button']}/events`, JSON.stringify({ id: `b-${tag}-${i}`, type: 'sos', at })];
      }
      const d = quiet[i % quiet.length]!;
      return [`${topicBase}/${d}/events`, JSON.stringify({ id: `b-${tag}-${i}`, type: i % 2 ? 'heartbeat' : 'presence', at, ...(i % 2 ? {} : { value: true }) })];
    };

    // Baseline: a bare subscriber on its own topic tree, same mix, same rate.
    const bare = await mqtt.connectAsync(BROKER, { clientId: `bench-bare-${tag}`, clean: true });
    const bareLatency: number[] = [];
    let bareLast = 0;
    bare.on('message', (_t, p) => { const now = Date.now(); bareLatency.push(now - Date.parse((JSON.parse(p.toString()) as { at: string }).at)); bareLast = now; });
    await bare.subscribeAsync(`bench-${tag}/+/events`, { qos: 1 });
    const pub = await mqtt.connectAsync(BROKER, { clientId: `bench-pub-${tag}`, clean: true });
    const bStart = Date.now();
    sos = 0;
    const bPub = await publishPaced(pub, MESSAGES, RATE, (i, now) => message(i, now, `bench-${tag}`));
    while (bareLatency.length < MESSAGES && Date.now() - bStart < 120_000) await sleep(20);
    const bareSeconds = (bareLast - bStart) / 1000;
    await bare.endAsync();

    // Pipeline: the eldercare ingest on the real topic, shared subscription of its own group.
    process.env.MINSHENG_MQTT_SHARE_GROUP = `bench-${tag}`;
    const ctx: AppContext = { db, config: loadConfig({ LOG_LEVEL: 'silent' }, { databaseUrl: url }), version: 'bench', mqtt: { mode: 'external', url: BROKER } };
    const subs = [];
    for (let k = 0; k < SUBSCRIBERS; k++) subs.push(await startSubscriber(ctx, { clientId: `bench-ingest-${tag}-${k}` }));
    sos = 0;
    const pStart = Date.now();
    const pPub = await publishPaced(pub, MESSAGES, RATE, (i, now) => message(i, now, 'minsheng/v1/devices'));
    // Until every event is stored, or nothing moved for 10 s (a broker that dropped messages).
    let stored = 0;
    let lastChange = Date.now();
    while (Date.now() - lastChange < 10_000) {
      const n = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM eldercare_event WHERE event_id LIKE $1`, [`b-${tag}-%`]))[0]?.n);
      if (n !== stored) { stored = n; lastChange = Date.now(); }
      if (stored >= MESSAGES) break;
      await sleep(100);
    }
    const [last] = await db.query<{ t: string }>(`SELECT max(received_at) AS t FROM eldercare_event WHERE event_id LIKE $1`, [`b-${tag}-%`]);
    const pipeSeconds = (Date.parse(last!.t) - pStart) / 1000;
    const toOrder: number[] = [];
    const toNotice: number[] = [];
    for (const a of await db.query<{ work_order_id: number; opened_at: string }>('SELECT work_order_id, opened_at FROM eldercare_alarm WHERE work_order_id IS NOT NULL')) {
      const o = await findWorkOrder(db, a.work_order_id);
      const created = o?.actions.find((x) => x.kind === 'created');
      const note = o?.actions.find((x) => x.kind === 'note');
      if (created) toOrder.push(Date.parse(created.at) - Date.parse(a.opened_at));
      if (note) toNotice.push(Date.parse(note.at) - Date.parse(a.opened_at));
    }
    for (const s of subs) await s.endAsync();
    for (let k = 0; k < SUBSCRIBERS; k++) await (await mqtt.connectAsync(BROKER, { clientId: `bench-ingest-${tag}-${k}`, clean: true })).endAsync();
    await pub.endAsync();

    const bareRate = MESSAGES / bareSeconds;
    const pipeRate = stored / pipeSeconds;
    const result = {
      date: new Date().toISOString().slice(0, 10), host: `${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}`, db: db.kind, broker: BROKER,
      messages: MESSAGES, targetRate: RATE, subscribers: SUBSCRIBERS,
      baseline: { publishSeconds: +bPub.seconds.toFixed(2), receivedPerSecond: Math.round(bareRate), p50ms: pct(bareLatency, 50), p99ms: pct(bareLatency, 99) },
      pipeline: { publishSeconds: +pPub.seconds.toFixed(2), stored, lostAtBroker: MESSAGES - stored, storedPerSecond: Math.round(pipeRate), ratioToBroker: +(pipeRate / bareRate).toFixed(3),
        alarms: toOrder.length, toWorkOrder: { p50ms: pct(toOrder, 50), p99ms: pct(toOrder, 99) }, toFirstNotification: { p50ms: pct(toNotice, 50), p99ms: pct(toNotice, 99) } },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await db.close();
    await drop();
  }
}

await main();
