/**
 * Where a benchmark's latency stalls come from (used by bench/alarms.ts): the node process's GC
 * pauses and event-loop delay, the machine's CPU and I/O pressure sampled every 250 ms, and
 * PostgreSQL's checkpoints and autovacuum during the measured window (statistics views before and
 * after, and the server log's "checkpoint starting" / "automatic vacuum" lines when readable).
 */
import fs from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Db } from '../server/src/platform/db.ts';

export interface GcPause { at: number; ms: number; kind: string }
export interface Sample { at: number; cpuBusy: number; cpuSome: number; ioSome: number }
export interface StallReport {
  gc: { count: number; totalMs: number; maxMs: number; major: number; over20ms: GcPause[] };
  eventLoopDelay: { p50ms: number; p99ms: number; maxMs: number };
  /** Per 250 ms: share of the machine's CPU busy, and the share of the time some task waited for CPU / for I/O (PSI). */
  samples: Sample[];
  postgres?: PgDelta;
}
export interface PgDelta {
  checkpointsTimed: number; checkpointsRequested: number; buffersCheckpoint: number; walSyncs: number; walMB: number;
  autovacuum: Array<{ table: string; vacuums: number; analyzes: number }>;
  /** Server log lines (checkpoint, autovacuum) written during the window. */
  log: string[];
}

const GC_KIND: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
const PG_LOG = process.env.MINSHENG_BENCH_PG_LOG || '/var/log/postgresql/postgresql-15-main.log';

function readProc(): { busy: number; total: number; cpuSome: number; ioSome: number } {
  const read = (f: string): string => { try { return fs.readFileSync(f, 'utf8'); } catch { return ''; } };
  const cpu = read('/proc/stat').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((s, x) => s + (Number.isFinite(x) ? x : 0), 0);
  const some = (s: string): number => Number(/some .*total=(\d+)/.exec(s)?.[1] ?? 0);
  return { busy: total - idle, total, cpuSome: some(read('/proc/pressure/cpu')), ioSome: some(read('/proc/pressure/io')) };
}

async function pgCounters(db: Db): Promise<{ timed: number; req: number; buffers: number; walSync: number; walBytes: number; tables: Map<string, [number, number]> }> {
  const [bg] = await db.query<{ timed: string; req: string; buffers: string }>(
    'SELECT checkpoints_timed AS timed, checkpoints_req AS req, buffers_checkpoint AS buffers FROM pg_stat_bgwriter');
  const [wal] = await db.query<{ sync: string; bytes: string }>('SELECT wal_sync AS sync, wal_bytes AS bytes FROM pg_stat_wal').catch(() => [{ sync: '0', bytes: '0' }]);
  const t = await db.query<{ relname: string; v: string; a: string }>(
    `SELECT relname, autovacuum_count AS v, autoanalyze_count AS a FROM pg_stat_user_tables
     WHERE relname LIKE 'eldercare%' OR relname LIKE 'work_order%' OR relname LIKE 'notification%' OR relname LIKE 'job%'`);
  return { timed: Number(bg?.timed), req: Number(bg?.req), buffers: Number(bg?.buffers), walSync: Number(wal?.sync), walBytes: Number(wal?.bytes),
    tables: new Map(t.map((r) => [r.relname, [Number(r.v), Number(r.a)]])) };
}

/** Starts measuring; the returned function stops and reports. `t0` is the run's start (ms since epoch): offsets are from it. */
export async function startStallMeter(t0: number, db: Db | undefined): Promise<() => Promise<StallReport>> {
  const gcs: GcPause[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KIND[(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
      gcs.push({ at: Math.round(performance.timeOrigin + e.startTime - t0), ms: e.duration, kind });
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const samples: Sample[] = [];
  let prev = readProc();
  let prevAt = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const cur = readProc();
    const dt = (now - prevAt) * 1000; // µs
    samples.push({ at: now - t0, cpuBusy: +((cur.busy - prev.busy) / Math.max(1, cur.total - prev.total)).toFixed(2),
      cpuSome: +((cur.cpuSome - prev.cpuSome) / dt).toFixed(2), ioSome: +((cur.ioSome - prev.ioSome) / dt).toFixed(2) });
    prev = cur; prevAt = now;
  }, 250);
  const pg0 = db?.kind === 'postgres' ? await pgCounters(db) : undefined;
  let logFrom = 0;
  try { logFrom = fs.statSync(PG_LOG).size; } catch { /* no log access */ }
  return async () => {
    clearInterval(timer);
    obs.disconnect();
    loop.disable();
    const ms = (ns: number): number => +(ns / 1e6).toFixed(1);
    const report: StallReport = {
      gc: { count: gcs.length, totalMs: +gcs.reduce((s, g) => s + g.ms, 0).toFixed(1), maxMs: +Math.max(0, ...gcs.map((g) => g.ms)).toFixed(1),
        major: gcs.filter((g) => g.kind === 'major').length, over20ms: gcs.filter((g) => g.ms > 20).map((g) => ({ ...g, ms: +g.ms.toFixed(1) })) },
      eventLoopDelay: { p50ms: ms(loop.percentile(50)), p99ms: ms(loop.percentile(99)), maxMs: ms(loop.max) },
      samples,
    };
    if (db?.kind === 'postgres' && pg0) {
      const pg1 = await pgCounters(db);
      let log: string[] = [];
      try {
        const fd = fs.openSync(PG_LOG, 'r');
        const size = fs.fstatSync(fd).size;
        const buf = Buffer.alloc(Math.max(0, Math.min(size - logFrom, 4_000_000)));
        fs.readSync(fd, buf, 0, buf.length, logFrom);
        fs.closeSync(fd);
        log = buf.toString('utf8').split('\n').filter((l) => /checkpoint starting|checkpoint complete|automatic (vacuum|analyze)/.test(l)).map((l) => l.slice(0, 220));
      } catch { log = ['(server log not readable)']; }
      report.postgres = {
        checkpointsTimed: pg1.timed - pg0.timed, checkpointsRequested: pg1.req - pg0.req, buffersCheckpoint: pg1.buffers - pg0.buffers,
        walSyncs: pg1.walSync - pg0.walSync, walMB: +((pg1.walBytes - pg0.walBytes) / 1048576).toFixed(1),
        autovacuum: [...pg1.tables].flatMap(([table, [v, a]]) => {
          const [v0, a0] = pg0.tables.get(table) ?? [0, 0];
          return v - v0 || a - a0 ? [{ table, vacuums: v - v0, analyzes: a - a0 }] : [];
        }),
        log,
      };
    }
    return report;
  };
}
