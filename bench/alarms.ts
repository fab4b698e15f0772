/**
 * `npm run bench -- alarms [--messages N] [--rate R] [--warmup N] [--elders E] [--clients K] [--broker private|machine|both]
 *    [--mode batched|lockstep|single[,...]|both] [--single-clients K]`
 *
 * Device messages (heartbeats and presence, 1 % SOS presses, each from another elder) published at
 * a fixed rate with QoS 1 through a real Mosquitto into the eldercare ingest as production runs it
 * (K members of the shared subscription feeding one micro-batcher), on PostgreSQL
 * (MINSHENG_BENCH_DATABASE_URL: a server where a throwaway database is created) or PGlite in memory.
 *
 * Brokers (--broker, default private):
 *   private — a Mosquitto started by the bench on a free port with its own configuration file,
 *             `max_queued_messages 100000`: a PRODUCTION REQUIREMENT. With Mosquitto's default
 *             (1000 per client) a burst, or an outage of the server, makes the broker drop QoS 1
 *             messages, alarms among them, silently to the publisher.
 *   machine — the machine's Mosquitto (MINSHENG_BENCH_MQTT_URL, default mqtt://127.0.0.1:1883) with
 *             whatever it is configured with (Debian's: the default limit).
 * Per broker, in the same run:
 *   baseline — the broker passing the same messages at the same rate to a bare subscriber;
 *   pipeline — the same through the ingest (--mode: `batched`, as production runs it, with the
 *   restart sentinel also receiving every message and each client reading ahead (background.ts);
 *   `lockstep`, the same without the read-ahead (each client's next message only after the previous
 *   one's batch committed: before the read-ahead); `single`, as
 *   before the micro-batcher: each client's message ingested alone, --single-clients clients,
 *   default 8): throughput until every event is stored, and for each
 *   SOS the latency from publish to its alarm work order stored and to the first notification
 *   queued (the relative's call/SMS handed to the gateway queue), plus where the CPU went (node,
 *   the broker, this database's PostgreSQL backends) and the batch sizes.
 * Stalls (bench/_stalls.ts): per SOS, the wait until its event row was stored (broker and client
 * queue) and the time from there to the work order; GC pauses and event-loop delay of this
 * process; CPU / I/O pressure every 250 ms; checkpoints, WAL and autovacuum during the run
 * (PostgreSQL, server-wide, and its log); batches over 50 ms; the 250 ms intervals whose events
 * waited over 100 ms.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import mqtt from 'mqtt';
import pg from 'pg';
import { openDb, type Db } from '../server/src/platform/db.ts';
import { migrate } from '../server/src/platform/migrate.ts';
import { loadConfig } from '../server/src/platform/config.ts';
import type { AppContext } from '../server/src/platform/context.ts';
import { seedRegions } from '../server/src/modules/regions/seed.ts';
import { seedElder, type SeededElder } from '../server/src/modules/eldercare/test-fixtures.ts';
import { DEFAULT_INGEST_CLIENTS, EVENTS_TOPIC, sharedTopic, startIngestClients } from '../server/src/modules/eldercare/background.ts';
import { startSentinel } from '../server/src/modules/eldercare/sentinel.ts';
import { batcherFor } from '../server/src/modules/eldercare/batcher.ts';
import { ingest, type IncomingMessage, type IngestResult } from '../server/src/modules/eldercare/ingest.ts';
import { PrivateBroker } from '../server/src/modules/eldercare/private-broker.ts';
import { findWorkOrder } from '../server/src/modules/workorders/service.ts';
import { startStallMeter, type StallReport } from './_stalls.ts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) { console.error(`--${name} must be a positive number`); process.exit(2); }
  return v;
};
const MESSAGES = arg('messages', 20_000);
const RATE = arg('rate', 5_000);
const CLIENTS = arg('clients', DEFAULT_INGEST_CLIENTS);
const ELDERS = arg('elders', Math.ceil(MESSAGES / 100));
/**
 * Messages published through the pipeline before the measured ones and not counted (--warmup 0:
 * none). A server that has just started compiles its hot paths and fills its pools and caches in
 * its first seconds: without a warm-up, those seconds are the p99 of a 4-second run (measured: the
 * first run of a process had p99 447 ms, the next one, same pipeline kind, 59-66 ms). The
 * figure the goal asks for is the running service's; both are recorded in docs/benchmarks.md.
 */
const WARMUP = ((): number => {
  const i = process.argv.indexOf('--warmup');
  const v = i >= 0 ? Number(process.argv[i + 1]) : Math.round(RATE * 2);
  if (!Number.isSafeInteger(v) || v < 0) { console.error('--warmup must be a whole number of messages, 0 or more'); process.exit(2); }
  return v;
})();
const BROKERS = ((): Array<'private' | 'machine'> => {
  const i = process.argv.indexOf('--broker');
  const v = i >= 0 ? process.argv[i + 1] : 'private';
  if (v === 'both') return ['private', 'machine'];
  if (v === 'private' || v === 'machine') return [v];
  console.error('--broker must be private, machine or both'); process.exit(2);
})();
const MACHINE_BROKER = process.env.MINSHENG_BENCH_MQTT_URL || 'mqtt://127.0.0.1:1883';
/** The private broker's configuration beyond the listener: what production needs. */
const PRIVATE_BROKER_CONF = ['persistence false', 'max_queued_messages 100000'];
type Mode = 'batched' | 'lockstep' | 'single';
const MODES = ((): Mode[] => {
  const i = process.argv.indexOf('--mode');
  const v = i >= 0 ? process.argv[i + 1] : 'batched';
  if (v === 'both') return ['single', 'batched'];
  const modes = (v ?? '').split(',');
  if (modes.length > 0 && modes.every((m): m is Mode => m === 'batched' || m === 'lockstep' || m === 'single')) return modes;
  console.error('--mode must be batched, lockstep, single, a comma-separated list of them, or both (single,batched)'); process.exit(2);
})();
const SINGLE_CLIENTS = arg('single-clients', 8);
const tag = randomBytes(3).toString('hex');

const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) of a process from /proc; 0 where /proc is not there. */
const TICK = 100;
function procCpu(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch { return 0; }
}
/** This database's PostgreSQL backends (their command line names the database). */
function backendPids(dbName: string | undefined): number[] {
  if (!dbName) return [];
  try {
    return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try { return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(` ${dbName} `); } catch { return false; }
    }).map(Number);
  } catch { return []; }
}
function cpuMeter(brokerPid: number | undefined, dbName: string | undefined): () => { node: number; broker: number | null; postgres: number | null } {
  const n0 = process.cpuUsage();
  const b0 = brokerPid ? procCpu(brokerPid) : 0;
  const pids0 = new Map(backendPids(dbName).map((p) => [p, procCpu(p)]));
  return () => {
    const n = process.cpuUsage(n0);
    const pg1 = backendPids(dbName).reduce((s, p) => s + procCpu(p) - (pids0.get(p) ?? 0), 0);
    return { node: +((n.user + n.system) / 1e6).toFixed(1), broker: brokerPid ? +(procCpu(brokerPid) - b0).toFixed(1) : null, postgres: dbName ? +pg1.toFixed(1) : null };
  };
}

/** Publishes `count` messages at `rate`/s; `make(i)` gives topic and payload. */
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

/**
 * Per 250 ms of publish time: how long the events published then waited until stored (p50, max),
 * beside the machine's CPU / I/O pressure and GC pauses in that interval. Only the intervals
 * whose slowest event waited over 100 ms are listed (the stalls), plus how many intervals there were.
 */
async function waitTimeline(db: Db, like: string, t0: number, s: StallReport): Promise<{ intervals: number; over100ms: unknown[] }> {
  const rows = await db.query<{ t: number; n: number; p50: number; max: number }>(
    `SELECT floor((extract(epoch FROM at) * 1000 - $2) / 250)::int * 250 AS t, count(*)::int AS n,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - at) * 1000))::int AS p50,
       round(max(extract(epoch FROM received_at - at) * 1000))::int AS max
     FROM eldercare_event WHERE event_id LIKE $1 GROUP BY 1 ORDER BY 1`, [like, t0]);
  return {
    intervals: rows.length,
    over100ms: rows.filter((r) => r.max > 100).map((r) => {
      const sm = s.samples.find((x) => x.at > r.t && x.at <= r.t + 250);
      const gc = s.gc.over20ms.filter((g) => g.at >= r.t - 250 && g.at < r.t + 250);
      return `+${r.t}ms n=${r.n} wait p50 ${r.p50} max ${r.max} ms${sm ? ` | cpu ${sm.cpuBusy} cpuPSI ${sm.cpuSome} ioPSI ${sm.ioSome}` : ''}${gc.length ? ` | gc ${gc.map((g) => `${g.kind} ${g.ms}ms@${g.at}`).join(', ')}` : ''}`;
    }),
  };
}

async function openBenchDb(): Promise<{ db: Db; url?: string; name?: string; drop(): Promise<void> }> {
  const server = process.env.MINSHENG_BENCH_DATABASE_URL;
  if (!server) return { db: await openDb({}), drop: async () => undefined };
  const name = `minsheng_bench_${tag}`;
  const admin = async (sql: string) => { const c = new pg.Client({ connectionString: server }); await c.connect(); try { await c.query(sql); } finally { await c.end(); } };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(server); u.pathname = `/${name}`;
  return { db: await openDb({ databaseUrl: u.toString() }), url: u.toString(), name, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function main(): Promise<void> {
  const { db, url, name, drop } = await openBenchDb();
  const results: unknown[] = [];
  try {
    await migrate(db);
    await seedRegions(db);
    const t0 = Date.now();
    const elders: SeededElder[] = [];
    for (let i = 0; i < ELDERS; i++) elders.push(await seedElder(db, { prefix: `B${tag}${i}`, relatives: 1, birthDate: `${1940 + Math.floor(i / 400)}-03-15` }));
    console.log(`seeded ${ELDERS} elders with 4 devices each in ${((Date.now() - t0) / 1000).toFixed(1)} s (${db.kind})`);
    const quiet = elders.flatMap((e) => [e.devices['presence']!, e.devices['door']!, e.devices['fall-radar']!]);

    for (const which of BROKERS) {
      const priv = which === 'private' ? await PrivateBroker.create(PRIVATE_BROKER_CONF) : undefined;
      await priv?.start();
      const broker = priv?.url ?? MACHINE_BROKER;
      const brokerRun = `${tag}${which[0]}`;
      let run = brokerRun;
      let sos = 0;
      /** 1 % SOS, each from another elder's button; the rest heartbeats and presence. */
      const message = (i: number, now: number, topicBase: string): [string, string] => {
        const at = new Date(now).toISOString();
        if (i % 100 === 50 && sos < elders.length) {
          const e = elders[sos++]!;
          return [`${topicBase}/${e.devices['call-button']}/events`, JSON.stringify({ id: `b-${run}-${i}`, type: 'sos', at })];
        }
        const d = quiet[i % quiet.length]!;
        return [`${topicBase}/${d}/events`, JSON.stringify({ id: `b-${run}-${i}`, type: i % 2 ? 'heartbeat' : 'presence', at, ...(i % 2 ? {} : { value: true }) })];
      };
      const load = os.loadavg()[0]!;

      // Baseline: a bare subscriber on its own topic tree, same mix, same rate.
      const bare = await mqtt.connectAsync(broker, { clientId: `bench-bare-${run}`, clean: true });
      const bareLatency: number[] = [];
      let bareLast = 0;
      bare.on('message', (_t, p) => { const now = Date.now(); bareLatency.push(now - Date.parse((JSON.parse(p.toString()) as { at: string }).at)); bareLast = now; });
      await bare.subscribeAsync(`bench-${run}/+/events`, { qos: 1 });
      const pub = await mqtt.connectAsync(broker, { clientId: `bench-pub-${run}`, clean: true });
      const bCpu = cpuMeter(priv?.pid, undefined);
      const bStart = Date.now();
      sos = 0;
      const bPub = await publishPaced(pub, MESSAGES, RATE, (i, now) => message(i, now, `bench-${run}`));
      while (bareLatency.length < MESSAGES && Date.now() - bStart < 120_000) await sleep(20);
      const bareSeconds = (bareLast - bStart) / 1000;
      const bareCpu = bCpu();
      await bare.endAsync();

      const bareRate = MESSAGES / bareSeconds;
      for (const mode of MODES) {
        // Pipeline: the eldercare ingest on the real topic, shared subscription of its own group.
        run = `${brokerRun}${mode[0]}`;  // b, l or s
        process.env.MINSHENG_MQTT_SHARE_GROUP = `bench-${run}`;
        const clients = mode === 'single' ? SINGLE_CLIENTS : CLIENTS;
        const ctx: AppContext = { db, config: loadConfig({ LOG_LEVEL: 'silent' }, { databaseUrl: url }), version: 'bench', mqtt: { mode: 'external', url: broker } };
        // Events of this run handed back by the ingest (stored, or found stored): counted here, in
        // process. (The bench used to poll `count(*) … WHERE event_id LIKE 'b-…-%'` every 100 ms: under
        // this database's C.UTF-8 collation LIKE cannot use the primary key, so each poll read the
        // whole, growing event table — load on the server the pipeline was being measured on.)
        const done = new Map<string, number>();
        const counted = (m: IncomingMessage, r: IngestResult): IngestResult => {
          const id = /"id":"(b-[^-"]+)-/.exec(m.payload)?.[1];
          if (id) done.set(id, (done.get(id) ?? 0) + 1);
          return r;
        };
        const through = mode === 'single' ? (m: IncomingMessage) => ingest(db, m) : (m: IncomingMessage) => batcherFor(db).submit(m);
        const subs = await startIngestClients(ctx, clients, { clientId: `bench-ingest-${run}`, persistent: true }, { submit: (m) => through(m).then((r) => counted(m, r)), readAhead: mode === 'batched' });
        // As production runs it: the restart sentinel also receives every message (acknowledges only, once caught up).
        const sentinel = mode !== 'single'
          ? await startSentinel(ctx, { clientId: `bench-sentinel-${run}`, eventsTopic: EVENTS_TOPIC, groupClients: subs, groupTopic: sharedTopic() })
          : undefined;
        while (sentinel?.catchingUp()) await sleep(20);
        if (WARMUP > 0) {
          // Same mix and rate under another run id; waited for, its alarms closed, not measured.
          const measured = run;
          run = `${measured}w`;
          sos = 0;
          await publishPaced(pub, WARMUP, RATE, (i, now) => message(i, now, 'minsheng/v1/devices'));
          const until = Date.now() + 60_000;
          while (Date.now() < until) {
            if ((done.get(`b-${run}`) ?? 0) >= WARMUP) break;
            await sleep(100);
          }
          await db.query('UPDATE eldercare_alarm SET closed_at = clock_timestamp() WHERE closed_at IS NULL');
          run = measured;
        }
        const stats0 = { ...batcherFor(db).stats, slow: [] };
        sos = 0;
        const pCpu = cpuMeter(priv?.pid, name);
        const pStart = Date.now();
        const stopStalls = await startStallMeter(pStart, db);
        const pPub = await publishPaced(pub, MESSAGES, RATE, (i, now) => message(i, now, 'minsheng/v1/devices'));
        // Until every event is stored, or nothing moved for 10 s (a broker that dropped messages).
        let stored = 0;
        let lastChange = Date.now();
        while (Date.now() - lastChange < 10_000) {
          const n = done.get(`b-${run}`) ?? 0;
          if (n !== stored) { stored = n; lastChange = Date.now(); }
          if (stored >= MESSAGES) break;
          await sleep(100);
        }
        const pipeCpu = pCpu();
        const stalls = await stopStalls();
        const stats = batcherFor(db).stats;
        const [last] = await db.query<{ t: string }>(`SELECT max(received_at) AS t FROM eldercare_event WHERE event_id LIKE $1`, [`b-${run}-%`]);
        const pipeSeconds = (Date.parse(last!.t) - pStart) / 1000;
        const toOrder: number[] = [];
        const toNotice: number[] = [];
        const alarms = await db.query<{ work_order_id: number; opened_at: string; received_at: string }>(
          `SELECT a.work_order_id, a.opened_at, ev.received_at FROM eldercare_alarm a JOIN eldercare_alarm_evidence e ON e.alarm_id = a.id AND e.seq = 1
             JOIN eldercare_event ev ON ev.event_id = e.event_ids[1]
           WHERE a.work_order_id IS NOT NULL AND e.event_ids[1] LIKE $1`, [`b-${run}-%`]);
        /** Per alarm: publish -> SOS event row stored (waiting in the broker and in its client's queue), then -> work order / first notification. */
        const perAlarm: Array<{ atMs: number; queueMs: number; toOrderMs: number; toNoticeMs: number }> = [];
        for (const a of alarms) {
          const o = await findWorkOrder(db, a.work_order_id);
          const created = o?.actions.find((x) => x.kind === 'created');
          const note = o?.actions.find((x) => x.kind === 'note');
          if (created) toOrder.push(Date.parse(created.at) - Date.parse(a.opened_at));
          if (note) toNotice.push(Date.parse(note.at) - Date.parse(a.opened_at));
          if (created && note) {
            perAlarm.push({ atMs: Date.parse(a.opened_at) - pStart, queueMs: Date.parse(a.received_at) - Date.parse(a.opened_at),
              toOrderMs: Date.parse(created.at) - Date.parse(a.opened_at), toNoticeMs: Date.parse(note.at) - Date.parse(a.opened_at) });
          }
        }
        const timeline = await waitTimeline(db, `b-${run}-%`, pStart, stalls);
        const sentinelStats = sentinel ? { ...sentinel.stats } : undefined;
        await sentinel?.close();
        for (const s of subs) await s.endAsync();
        if (sentinel) await (await mqtt.connectAsync(broker, { clientId: `bench-sentinel-${run}`, clean: true })).endAsync();
        // Remove the persistent sessions (else the machine's broker keeps queueing for them).
        for (let k = 0; k < clients; k++) await (await mqtt.connectAsync(broker, { clientId: `bench-ingest-${run}-${k}`, clean: true })).endAsync();
        const pipeRate = stored / pipeSeconds;
        const batches = stats.batches - stats0.batches;
        const result = {
          date: new Date().toISOString(), host: `${os.cpus().length} cores, load average ${load.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end`, db: db.kind,
          broker: which === 'private' ? `private Mosquitto (${PRIVATE_BROKER_CONF.join(', ')})` : `machine Mosquitto ${MACHINE_BROKER}`,
          messages: MESSAGES, targetRate: RATE, warmupMessages: WARMUP, mode, ingestClients: clients,
          baseline: { publishSeconds: +bPub.seconds.toFixed(2), receivedPerSecond: Math.round(bareRate), p50ms: pct(bareLatency, 50), p99ms: pct(bareLatency, 99), cpuSeconds: bareCpu },
          pipeline: { publishSeconds: +pPub.seconds.toFixed(2), stored, lostAtBroker: MESSAGES - stored, storedPerSecond: Math.round(pipeRate), ratioToBroker: +(pipeRate / bareRate).toFixed(3),
            alarms: toOrder.length, toWorkOrder: { p50ms: pct(toOrder, 50), p99ms: pct(toOrder, 99) }, toFirstNotification: { p50ms: pct(toNotice, 50), p99ms: pct(toNotice, 99) },
            cpuSeconds: pipeCpu, batches, meanBatch: batches ? +((stats.messages - stats0.messages) / batches).toFixed(1) : 0, largestBatch: stats.largest, fastPath: stats.fastPath - stats0.fastPath, sentinel: sentinelStats },
          stalls: {
            sosQueue: { p50ms: pct(perAlarm.map((a) => a.queueMs), 50), p99ms: pct(perAlarm.map((a) => a.queueMs), 99) },
            sosStoredToOrder: { p50ms: pct(perAlarm.map((a) => a.toOrderMs - a.queueMs), 50), p99ms: pct(perAlarm.map((a) => a.toOrderMs - a.queueMs), 99) },
            slowestAlarms: [...perAlarm].sort((a, b) => b.toNoticeMs - a.toNoticeMs).slice(0, 5),
            gc: stalls.gc, eventLoopDelay: stalls.eventLoopDelay, postgres: stalls.postgres,
            cpuBusy: { mean: +(stalls.samples.reduce((s, x) => s + x.cpuBusy, 0) / Math.max(1, stalls.samples.length)).toFixed(2) },
            slowBatches: stats.slow.filter((b) => b.at >= pStart).map((b) => `+${b.at - pStart}ms ${b.ms}ms n=${b.size}`),
            timeline,
          },
        };
        console.log(JSON.stringify(result, null, 2));
        results.push(result);
        // The next run's SOS come from the same elders: close these alarms so they open new ones.
        await db.query('UPDATE eldercare_alarm SET closed_at = clock_timestamp() WHERE closed_at IS NULL');
      }
      await pub.endAsync();
      await priv?.remove();

    }
  } finally {
    await db.close();
    await drop();
  }
}

await main();
