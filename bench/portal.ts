/**
 * `npm run bench -- portal [--rate R] [--duration S] [--warmup W] [--block B] [--persons N] [--log-level L] [--postgres]`:
 * the residents' portal under an open-loop load (issue 7: tracker pages p99 < 100 ms at
 * 500 requests/s on the demo; the portal's JavaScript under 200 KB gzipped).
 *
 * Starts the real server (`minsheng serve`, demo city of N persons, default 20,000 = the demo's
 * default) as a child process on a free port of 127.0.0.1 — embedded PGlite by default, with
 * --postgres a throwaway database minsheng_bench_portal on BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres, dropped at the end, also on error). This process is
 * the client: requests are sent at a fixed arrival rate R (default 500/s) whatever the answers do
 * (open loop), and each latency is measured from the moment the request was DUE, not when it was
 * sent, so a stalled server or client shows in the figures instead of being hidden (no
 * coordinated omission). Keep-alive connections, at most 512 open.
 *
 * Two phases of S seconds each (default 20) after a W-second warm-up (default 5) of the tracker
 * mix, alternating in blocks of --block seconds (default 2) so both meet the same moments of the
 * shared machine:
 * - baseline: `GET /api/health` (routing + one `SELECT 1`: the server's floor);
 * - tracker: what portal page loads call, round robin — /portal (HTML), its JS and CSS assets,
 *   /api/public/tracker, /api/public/projects/:id and /api/public/tasks/:id (over every published
 *   project and task), /api/public/suggestions?limit=50, /api/public/tracker.json; also reported
 *   for its API calls alone (trackerApiOnly).
 * Beside the client's latencies: the server's own times (Fastify's responseTime from its log, per
 * endpoint), its event-loop delay and CPU per second (bench/_probe.mjs, loaded with --import into
 * the server child only), the client's own event-loop delay and CPU, and the machine's CPU
 * pressure (/proc/pressure/cpu: share of time some task waited for a CPU) — on a shared machine
 * these say whether a slow request was the server's work or a starved process.
 * None of these routes is rate limited (only the forms, ticket and region look-ups are, per
 * client address, numbers in server/src/modules/projects/data/settings.yaml), so the figures are
 * the handlers'; 429s would be counted as errors all the same, like any non-2xx or timeout (10 s).
 *
 * Also the gzipped size (level 9) of every JS file portal.html loads, statically or lazily,
 * following imports between chunks (as e2e/portal-build.test.ts counts it).
 * The server runs with its production defaults (LOG_LEVEL info: one log line per request, written
 * to a temp file; with --log-level warn there are no server-side times). goal.p99Met: the whole
 * tracker mix (page, assets and API calls) has p99 < 100 ms at >= 500/s with no error.
 * Prints one JSON line; logs progress on stderr. Bounded: R <= 5,000/s, S <= 120 s, W <= 60 s;
 * targets only 127.0.0.1.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const num = (flag: string, dflt: number): number => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const str = (flag: string, dflt: string): string => {
  const i = args.indexOf(flag);
  return i >= 0 ? String(args[i + 1]) : dflt;
};
const RATE = num('--rate', 500);
const DURATION = num('--duration', 20);
const WARMUP = num('--warmup', 5);
const BLOCK = num('--block', 2);
const PERSONS = num('--persons', 20_000);
const LOG_LEVEL = str('--log-level', 'info');
const POSTGRES = args.includes('--postgres');
for (const [name, v, min, max] of [['--rate', RATE, 1, 5_000], ['--duration', DURATION, 1, 120], ['--warmup', WARMUP, 0, 60], ['--block', BLOCK, 1, 120], ['--persons', PERSONS, 0, 200_000]] as const) {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    console.error(`${name} must be a whole number from ${min} to ${max.toLocaleString('en')}`);
    process.exit(2);
  }
}
if (!['fatal', 'error', 'warn', 'info', 'debug', 'silent'].includes(LOG_LEVEL)) {
  console.error('--log-level must be one of fatal, error, warn, info, debug, silent');
  process.exit(2);
}
const GOAL = { p99Ms: 100, jsGzipKB: 200, rate: 500 };
const HOST = '127.0.0.1';
const TIMEOUT_MS = 10_000;
const MAX_SOCKETS = 512;
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = 'minsheng_bench_portal';
const log = (msg: string): void => { process.stderr.write(`[bench portal] ${msg}\n`); };
const r1 = (x: number): number => Math.round(x * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;
const loadAvg = (): number[] => os.loadavg().map(r2);
/** Linux CPU pressure: microseconds during which some runnable task waited for a CPU (all processes). */
const cpuWaitMicros = (): number | null => {
  try { return Number(/^some .* total=(\d+)/m.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN); } catch { return null; }
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVER });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

// ---- the server ---------------------------------------------------------------------------------

interface Server { base: string; port: number; child: ChildProcess; logFile: string; stop(): Promise<void> }

async function startServer(databaseUrl: string | undefined): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-bench-portal-'));
  const logFile = path.join(dataDir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>), PORT: '0', HOST, DATA_DIR: path.join(dataDir, 'data'), MQTT_PORT: '0',
    DEMO: '1', DEMO_PERSONS: String(PERSONS), LOG_LEVEL,
    // The probe logs the server's event-loop delay and CPU time every second (bench/_probe.mjs).
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(path.join(root, 'bench/_probe.mjs')).href}`.trim(),
  };
  delete env.DATABASE_URL;
  delete env.MQTT_URL;
  delete env.PUBLIC_BASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const child = spawn('node', [path.join(root, 'server/bin/minsheng.js'), 'serve'], { cwd: root, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 300_000;
  for (;;) {
    const text = fs.readFileSync(logFile, 'utf8');
    const m = /on http:\/\/(?:localhost|127\.0\.0\.1):(\d+)/.exec(text);
    if (m?.[1]) return { base: `http://${HOST}:${m[1]}`, port: Number(m[1]), child, logFile, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`server did not start (${child.exitCode !== null ? `exit ${child.exitCode}` : 'timeout 300 s'}):\n${text.slice(-4000)}`);
    }
    await sleep(250);
  }
}

// ---- the client: an open-loop generator --------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_SOCKETS });
const HEADERS = { 'user-agent': 'minsheng-bench-portal', accept: '*/*', 'accept-language': 'zh-CN,zh;q=0.9' };

interface Outcome { path: string; ms: number; status: number; bytes: number; dueS: number }

function request(port: number, p: string, due: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number, bytes: number): void => {
      if (settled) return;
      settled = true;
      resolve({ path: p, ms: performance.now() - due, status, bytes, dueS: due / 1000 });
    };
    const req = http.request({ host: HOST, port, path: p, method: 'GET', agent, headers: HEADERS, timeout: TIMEOUT_MS }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => done(res.statusCode ?? 0, bytes));
      res.on('error', () => done(0, bytes));
    });
    req.on('timeout', () => { req.destroy(); done(-1, 0); });
    req.on('error', () => done(0, 0));
    req.end();
  });
}

async function getText(port: number, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: HOST, port, path: p, agent, headers: HEADERS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`GET ${p}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** Sends `rate` requests a second for `seconds`, each due at start + i/rate, cycling over `paths` from `offset`. */
async function openLoop(port: number, paths: string[], offset: number, rate: number, seconds: number): Promise<{ outcomes: Outcome[]; maxLagMs: number }> {
  const total = rate * seconds;
  const pending: Array<Promise<Outcome>> = [];
  const start = performance.now() + 2;
  let sent = 0;
  let maxLagMs = 0;
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const at = start + (sent * 1000) / rate;
      maxLagMs = Math.max(maxLagMs, now - at);
      pending.push(request(port, paths[(offset + sent) % paths.length]!, at));
    }
    // Wake for the next due request; the event loop runs the responses in between.
    const next = start + (sent * 1000) / rate;
    await sleep(Math.max(0, Math.floor(next - performance.now())));
  }
  return { outcomes: await Promise.all(pending), maxLagMs };
}

/**
 * What one measured phase accumulates over its blocks: the outcomes, the byte ranges of the server
 * log written meanwhile, the client's event-loop delay and CPU, and the machine's CPU pressure.
 */
class Phase {
  outcomes: Outcome[] = [];
  logRanges: Array<[number, number]> = [];
  maxLagMs = 0;
  seconds = 0;
  waitMicros = 0;
  wallMicros = 0;
  clientCpuMicros = 0;
  pressureKnown = true;
  loopMaxMs = 0;
  loopP99Ms = 0;
  private next = 0;
  constructor(readonly paths: string[]) {}

  async block(port: number, logFile: string, rate: number, seconds: number): Promise<void> {
    const from = fs.statSync(logFile).size;
    const w0 = cpuWaitMicros();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    // A fresh monitor per block: a re-enabled one would count the gap between blocks as delay.
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const run = await openLoop(port, this.paths, this.next, rate, seconds);
    delay.disable();
    this.loopMaxMs = Math.max(this.loopMaxMs, delay.max / 1e6);
    this.loopP99Ms = Math.max(this.loopP99Ms, delay.percentile(99) / 1e6);
    const c1 = process.cpuUsage(c0);
    const w1 = cpuWaitMicros();
    this.wallMicros += (performance.now() - t0) * 1000;
    if (w0 === null || w1 === null) this.pressureKnown = false; else this.waitMicros += w1 - w0;
    this.clientCpuMicros += c1.user + c1.system;
    this.next += run.outcomes.length;
    this.outcomes.push(...run.outcomes);
    this.maxLagMs = Math.max(this.maxLagMs, run.maxLagMs);
    this.seconds += seconds;
    // Let the last answers' log lines reach the file.
    await sleep(50);
    this.logRanges.push([from, fs.statSync(logFile).size]);
  }
}


/** The seconds of the run (from its start) in which some request took over the goal: [second, count, worst ms]. */
function slowSeconds(outcomes: Outcome[]): Array<[number, number, number]> {
  const t0 = Math.min(...outcomes.map((o) => o.dueS));
  const by = new Map<number, [number, number]>();
  for (const o of outcomes) {
    if (o.ms < GOAL.p99Ms) continue;
    const sec = Math.floor(o.dueS - t0);
    const [n, worst] = by.get(sec) ?? [0, 0];
    by.set(sec, [n + 1, Math.max(worst, o.ms)]);
  }
  return [...by].sort((a, b) => a[0] - b[0]).map(([sec, [n, worst]]) => [sec, n, r1(worst)]);
}

/**
 * The server's own times (Fastify's responseTime: request received to response written) logged in
 * a byte range of its log, overall and per endpoint (log lines joined by request id).
 */
function serverTimes(logFile: string, ranges: Array<[number, number]>, endpoint: (p: string) => string) {
  const fd = fs.openSync(logFile, 'r');
  const buf = Buffer.concat(ranges.map(([from, to]) => {
    const b = Buffer.alloc(to - from);
    fs.readSync(fd, b, 0, b.length, from);
    return Buffer.concat([b, Buffer.from('\n')]);
  }));
  fs.closeSync(fd);
  const urlOf = new Map<string, string>();
  const probes: Array<{ maxMs: number; cpuMs: number }> = [];
  const all: number[] = [];
  const by = new Map<string, number[]>();
  for (const line of buf.toString('utf8').split('\n')) {
    let e: { reqId?: string; msg?: string; req?: { url?: string }; responseTime?: number; probe?: string; maxMs?: number; cpuMs?: number };
    try { e = JSON.parse(line) as typeof e; } catch { continue; } // a partial line at either end
    if (e.probe === 'loop') probes.push({ maxMs: e.maxMs ?? 0, cpuMs: e.cpuMs ?? 0 });
    if (!e.reqId) continue;
    if (e.msg === 'incoming request' && e.req?.url) urlOf.set(e.reqId, e.req.url);
    if (e.msg === 'request completed' && typeof e.responseTime === 'number') {
      all.push(e.responseTime);
      const url = urlOf.get(e.reqId);
      if (url) { const k = endpoint(url); (by.get(k) ?? by.set(k, []).get(k)!).push(e.responseTime); }
    }
  }
  if (!all.length) return null;
  const sum = (xs: number[]) => {
    const ms = Float64Array.from(xs).sort();
    return { logged: ms.length, p50Ms: r1(quantile(ms, 0.5)), p99Ms: r1(quantile(ms, 0.99)), maxMs: r1(ms[ms.length - 1]!) };
  };
  // Per second of the phase: the worst event-loop delay, and the CPU the server used (ms per s).
  const loop = probes.length ? {
    seconds: probes.length, maxMs: r1(Math.max(...probes.map((p) => p.maxMs))),
    secondsOver50Ms: probes.filter((p) => p.maxMs > 50).length, cpuPercent: r1(probes.reduce((s, p) => s + p.cpuMs, 0) / probes.length / 10),
  } : null;
  return { ...sum(all), eventLoop: loop, byEndpoint: by.size > 1 ? Object.fromEntries([...by].map(([k, xs]) => [k, sum(xs)])) : undefined };
}

const quantile = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;

function stats(outcomes: Outcome[], seconds: number) {
  const ms = Float64Array.from(outcomes.map((o) => o.ms)).sort();
  const errors: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.status >= 200 && o.status <= 299) continue;
    const k = o.status === -1 ? 'timeout' : o.status === 0 ? 'network' : String(o.status);
    errors[k] = (errors[k] ?? 0) + 1;
  }
  return {
    requests: outcomes.length, achievedRate: r1(outcomes.length / seconds),
    p50Ms: r1(quantile(ms, 0.5)), p90Ms: r1(quantile(ms, 0.9)), p99Ms: r1(quantile(ms, 0.99)), maxMs: r1(ms[ms.length - 1] ?? NaN),
    errors: Object.values(errors).reduce((s, n) => s + n, 0), errorsByStatus: errors,
    meanKB: r1(outcomes.reduce((s, o) => s + o.bytes, 0) / Math.max(1, outcomes.length) / 1024),
  };
}

function summary(ph: Phase, logFile: string, byEndpoint: (p: string) => string) {
  const groups = new Map<string, Outcome[]>();
  for (const o of ph.outcomes) {
    const k = byEndpoint(o.path);
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(o);
  }
  return {
    ...stats(ph.outcomes, ph.seconds), seconds: ph.seconds, clientMaxSendLagMs: r1(ph.maxLagMs),
    clientLoopDelay: { worstBlockP99Ms: r1(ph.loopP99Ms), maxMs: r1(ph.loopMaxMs) },
    clientCpuPercent: r1(ph.clientCpuMicros / ph.wallMicros * 100),
    cpuPressurePercent: ph.pressureKnown ? r1((ph.waitMicros / ph.wallMicros) * 100) : null,
    slowSeconds: slowSeconds(ph.outcomes),
    byEndpoint: Object.fromEntries([...groups].map(([k, os]) => {
      const s = stats(os, ph.seconds);
      return [k, { requests: s.requests, p50Ms: s.p50Ms, p99Ms: s.p99Ms, maxMs: s.maxMs, errors: s.errors, meanKB: s.meanKB }];
    })),
    server: serverTimes(logFile, ph.logRanges, byEndpoint),
  };
}

// ---- the portal's JavaScript -------------------------------------------------------------------

/** What the server sends for a file when a browser offers gzip/br: the bytes on the wire and the caching headers. */
function served(port: number, p: string): Promise<{ wireBytes: number; contentEncoding: string | null; cacheControl: string | null }> {
  return new Promise((resolve, reject) => {
    http.get({ host: HOST, port, path: p, agent, headers: { ...HEADERS, 'accept-encoding': 'gzip, deflate, br' } }, (res) => {
      let wireBytes = 0;
      res.on('data', (c: Buffer) => { wireBytes += c.length; });
      res.on('end', () => resolve({ wireBytes, contentEncoding: res.headers['content-encoding'] ?? null, cacheControl: res.headers['cache-control'] ?? null }));
    }).on('error', reject);
  });
}

/**
 * Every JS file portal.html loads, statically or lazily, following imports between chunks, with its
 * size, its gzipped size (level 9: the budget's measure) and what the server actually sends.
 */
async function portalScripts(port: number, html: string) {
  const queue = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const seen = new Map<string, { bytes: number; gzipBytes: number; wireBytes: number; contentEncoding: string | null; cacheControl: string | null }>();
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const js = await getText(port, file);
    const buf = Buffer.from(js, 'utf8');
    seen.set(file, { bytes: buf.length, gzipBytes: zlib.gzipSync(buf, { level: 9 }).length, ...(await served(port, file)) });
    for (const m of js.matchAll(/(?:from|import)\s*\(?\s*"\.\/([^"]+\.js)"/g)) queue.push(`/assets/${m[1]}`);
  }
  return [...seen].map(([file, s]) => ({ file, ...s })).sort((a, b) => a.file.localeCompare(b.file));
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const loads: Array<{ stage: string; load: number[] }> = [{ stage: 'start', load: loadAvg() }];
  log('web build (if stale)');
  execFileSync('node', [path.join(root, 'scripts/build-web-if-stale.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });

  let databaseUrl: string | undefined;
  if (POSTGRES) {
    log(`database ${DB_NAME} on ${SERVER.replace(/\/\/[^@]*@/, '//')}`);
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${DB_NAME}`);
    const u = new URL(SERVER);
    u.pathname = `/${DB_NAME}`;
    databaseUrl = u.toString();
  }
  let server: Server | undefined;
  try {
    log(`starting minsheng serve (demo city of ${PERSONS.toLocaleString('en')} persons, ${POSTGRES ? 'PostgreSQL' : 'PGlite'})`);
    const t0 = performance.now();
    server = await startServer(databaseUrl);
    const startSeconds = r1((performance.now() - t0) / 1000);
    log(`server on ${server.base} after ${startSeconds} s`);
    loads.push({ stage: 'server up', load: loadAvg() });
    const { port } = server;

    // What a portal visit loads: the page and its assets, then the tracker's API calls.
    const html = await getText(port, '/portal');
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    const scripts = await portalScripts(port, html);
    const jsGzipBytes = scripts.reduce((s, x) => s + x.gzipBytes, 0);
    const data = JSON.parse(await getText(port, '/api/public/tracker.json')) as { tasks: Array<{ id: number; projectId: number }> };
    const taskIds = data.tasks.map((t) => t.id);
    const projectIds = [...new Set(data.tasks.map((t) => t.projectId))];
    if (!taskIds.length) throw new Error('the demo tracker has no published tasks');
    // One round of the mix: each page-load call once, projects and tasks advancing every round.
    const rounds = Math.max(taskIds.length, projectIds.length);
    const mix: string[] = [];
    for (let i = 0; i < rounds; i++) {
      mix.push('/portal', ...assets, '/api/public/tracker', `/api/public/projects/${projectIds[i % projectIds.length]}`,
        `/api/public/tasks/${taskIds[i % taskIds.length]}`, '/api/public/suggestions?limit=50', '/api/public/tracker.json');
    }
    const endpoint = (p: string): string => p.startsWith('/assets/') ? `asset ${p.replace(/-[\w-]{8}\.(js|css)$/, '.$1')}`
      : p.replace(/\/(projects|tasks)\/\d+/, '/$1/:id');

    if (WARMUP > 0) {
      log(`warm-up: ${WARMUP} s of the tracker mix at ${RATE}/s`);
      await openLoop(port, mix, 0, RATE, WARMUP);
    }
    // The two phases alternate in blocks of BLOCK seconds, so that both meet the same moments of a
    // shared machine and their ratio is about the server, not about what the neighbours were doing.
    const baselinePhase = new Phase(['/api/health']);
    const trackerPhase = new Phase(mix);
    log(`baseline GET /api/health and the tracker mix (${mix.length / rounds} requests a page round, ${taskIds.length} tasks, ${projectIds.length} projects), `
      + `${DURATION} s each at ${RATE}/s, alternating in ${BLOCK} s blocks`);
    for (let done = 0; done < DURATION; done += BLOCK) {
      const s = Math.min(BLOCK, DURATION - done);
      await baselinePhase.block(port, server.logFile, RATE, s);
      loads.push({ stage: `block ${done / BLOCK + 1}`, load: loadAvg() });
      await trackerPhase.block(port, server.logFile, RATE, s);
    }
    loads.push({ stage: 'end', load: loadAvg() });
    const baseline = summary(baselinePhase, server.logFile, endpoint);
    const tracker = summary(trackerPhase, server.logFile, endpoint);
    // The page's data calls alone (the API), beside the whole page load with its static files.
    const api = stats(trackerPhase.outcomes.filter((o) => o.path.startsWith('/api/')), DURATION);

    const serverLogLines = fs.readFileSync(server.logFile, 'utf8').split('\n').length;
    const jsGzipKB = r1(jsGzipBytes / 1024);
    console.log(JSON.stringify({
      bench: 'portal', date: new Date().toISOString(), database: POSTGRES ? 'postgresql' : 'pglite', demoPersons: PERSONS,
      machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loads },
      server: { startSeconds, logLevel: LOG_LEVEL, logLines: serverLogLines },
      load: { openLoop: true, rate: RATE, durationSeconds: DURATION, warmupSeconds: WARMUP, blockSeconds: BLOCK, maxSockets: MAX_SOCKETS, timeoutMs: TIMEOUT_MS, mixPerRound: mix.length / rounds },
      baseline: { path: '/api/health', ...baseline, byEndpoint: undefined },
      tracker,
      trackerApiOnly: { requests: api.requests, p50Ms: api.p50Ms, p90Ms: api.p90Ms, p99Ms: api.p99Ms, maxMs: api.maxMs, errors: api.errors },
      ratio: { p50: r2(tracker.p50Ms / baseline.p50Ms), p99: r2(tracker.p99Ms / baseline.p99Ms), apiP99: r2(api.p99Ms / baseline.p99Ms) },
      js: { files: scripts, totalGzipBytes: jsGzipBytes, totalGzipKB: jsGzipKB, totalWireKB: r1(scripts.reduce((t, x) => t + x.wireBytes, 0) / 1024) },
      goal: {
        p99Ms: GOAL.p99Ms, jsGzipKB: GOAL.jsGzipKB,
        p99Met: RATE >= GOAL.rate && tracker.p99Ms < GOAL.p99Ms && tracker.errors === 0, jsMet: jsGzipKB < GOAL.jsGzipKB,
      },
    }));
  } finally {
    await server?.stop();
    agent.destroy();
    if (POSTGRES) await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`).catch((e: Error) => log(`could not drop ${DB_NAME}: ${e.message}`));
  }
}

main().catch((e: Error) => { console.error(e); process.exit(1); });
