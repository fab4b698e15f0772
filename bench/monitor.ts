/**
 * `npm run bench -- monitor [--persons N] [--sample S] [--feeds-per-person F] [--database NAME | --keep] [--parallel P]`:
 * the warning rules over a demo city on a real PostgreSQL with feeds, and the full run to stored
 * warnings (chains, verification work orders).
 *
 * Two modes:
 *  - built (default): a fresh database of N persons (default 10,000,000 — the city; about
 *    25 min to build on 2 cores; `--persons 50000` for a quick look, at least 1,000): demo city,
 *    dibao / dibao-edge batch runs (policy module), the demo feed CSVs through the importer (import
 *    speed, GBK included), then feed rows up to F per person (default 2, the 20 M at 10 M)
 *    from the SQL generator (demo-feed-rows.ts); dropped at the end (also on error) unless `--keep`
 *    (then a later run can use it with `--database minsheng_bench_monitor`).
 *  - `--database NAME`: an existing city on the same server (e.g. a copy of the 13.6 M-person demo
 *    city), used as it is: its dibao / dibao-edge decisions must be stored already (the bench
 *    refuses otherwise); feed rows are generated (demo-feed-rows.ts) only when it has none.
 *    Nothing is dropped; the full run's warnings stay in it (a second full run then finds them and
 *    suppresses, so only the first full run on a database measures raising).
 *
 * Measured: the full run (`runMonitoring`: one set-based query per rule, up to P at once on their own
 * connections — default 2 —, each rule's warnings raised in one batch), then each rule query alone,
 * one after the other. Baseline in the same run: the same rules, one query per person (person
 * rules) or household (household rules) on a sample of S (default 300), extrapolated to the
 * database's persons / households; ratio = baseline / rule queries. Prints one JSON line.
 * Needs BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres). Statements are cut
 * at 1,800 s (a pathological plan, not a slow city).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDb, type Db } from '../server/src/platform/db.ts';
import { migrate } from '../server/src/platform/migrate.ts';
import { systemScope } from '../server/src/platform/auth/scope.ts';
import { seedRegions } from '../server/src/modules/regions/seed.ts';
import { buildDemoCity } from '../server/src/modules/demo/write.ts';
import { PolicyCatalogue } from '../server/src/modules/policy/catalogue.ts';
import { runPolicy } from '../server/src/modules/policy/service.ts';
import { writeDemoFeeds } from '../server/src/modules/monitoring/demo-feeds.ts';
import { insertDemoFeedRows } from '../server/src/modules/monitoring/demo-feed-rows.ts';
import { importFeed } from '../server/src/modules/monitoring/feed-import.ts';
import { loadRules } from '../server/src/modules/monitoring/rule-file.ts';
import { ruleCandidates, runMonitoring } from '../server/src/modules/monitoring/run.ts';
import { ruleEvidence } from '../server/src/modules/monitoring/evidence.ts';

const args = process.argv.slice(2);
const opt = (flag: string): string | undefined => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
const num = (flag: string, dflt: number): number => { const v = opt(flag); return v === undefined ? dflt : Number(v); };
const EXISTING = opt('--database');
const KEEP = args.includes('--keep');
const PERSONS = num('--persons', 10_000_000);
const SAMPLE = num('--sample', 300);
const PER_PERSON = num('--feeds-per-person', 2);
const PARALLEL = num('--parallel', 2);
for (const [name, v, min, max] of [['--persons', PERSONS, 1_000, 10_000_000], ['--sample', SAMPLE, 1, 10_000], ['--feeds-per-person', PER_PERSON, 1, 20], ['--parallel', PARALLEL, 1, 8]] as const) {
  if (!Number.isSafeInteger(v) || v < min || v > max) { console.error(`${name} must be a whole number from ${min} to ${max.toLocaleString('en')}`); process.exit(2); }
}
if (EXISTING !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(EXISTING)) { console.error('--database: a database name (lower-case letters, digits, _)'); process.exit(2); }
const GOAL = { citySeconds: 60, ratio: 50 };
const ON = '2026-11-20';
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = EXISTING ?? 'minsheng_bench_monitor';
const log = (msg: string): void => { process.stderr.write(`[bench monitor ${new Date().toISOString().slice(11, 19)}] ${msg}\n`); };
const r2 = (x: number): number => Math.round(x * 100) / 100;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVER });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}
const timed = async <T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> => {
  const t = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t) / 1000 };
};
const count = async (db: Db, sql: string): Promise<number> => ((await db.query<{ n: number }>(sql))[0]!.n);

/** A fresh demo city with decisions and the demo feed CSVs imported; answers the import figures. */
async function build(db: Db, dir: string): Promise<Record<string, number>> {
  await migrate(db);
  await seedRegions(db);
  log(`demo city of ${PERSONS.toLocaleString('en')} persons`);
  const city = await timed(() => buildDemoCity(db, { persons: PERSONS }));
  const catalogue = new PolicyCatalogue();
  for (const id of ['tianjin/dibao', 'tianjin/dibao-edge']) await runPolicy(db, catalogue, id, ON, systemScope(), 'bench');
  log('demo feed files through the importer');
  const files = await writeDemoFeeds(db, { dir, on: ON });
  let rows = 0;
  const imports = await timed(async () => {
    for (const f of files) rows += (await importFeed(db, { type: f.type, filePath: f.file, fileName: path.basename(f.file), period: f.period, actor: 'bench' })).batch.accepted;
  });
  return { cityBuildSeconds: r2(city.seconds), importedRows: rows, importSeconds: r2(imports.seconds), importRowsPerSecond: Math.round(rows / imports.seconds) };
}

async function main(): Promise<void> {
  if (!EXISTING) {
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${DB_NAME}`);
  }
  await admin(`ALTER DATABASE ${DB_NAME} SET statement_timeout = '1800s'`);
  const url = new URL(SERVER);
  url.pathname = `/${DB_NAME}`;
  const db = await openDb({ databaseUrl: url.toString() });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-bench-monitor-'));
  try {
    const setup: Record<string, unknown> = EXISTING ? { database: EXISTING } : await build(db, dir);
    if (EXISTING) {
      const runs = await db.query<{ policy_id: string }>(`SELECT DISTINCT policy_id FROM policy_run WHERE status = 'done' AND policy_id IN ('tianjin/dibao', 'tianjin/dibao-edge')`);
      if (runs.length < 2) throw new Error(`${EXISTING}: run the dibao and dibao-edge batch runs first (npx minsheng policy run tianjin/dibao --on ${ON}, likewise tianjin/dibao-edge)`);
    }
    const persons = await count(db, 'SELECT count(*)::int AS n FROM person');
    const hasGenerated = await count(db, `SELECT count(*)::int AS n FROM feed_batch WHERE department = 'demo' AND status = 'done'`);
    if (hasGenerated === 0) {
      log(`feed rows up to ${PER_PERSON} per person (SQL generator)`);
      const gen = await timed(() => insertDemoFeedRows(db, { on: ON, rowsPerPerson: PER_PERSON, log }));
      setup.generatedFeedRows = gen.value.rows;
      setup.generateSeconds = r2(gen.seconds);
      log('ANALYZE');
      await db.exec('ANALYZE');
    }
    const feedRows = await count(db, 'SELECT count(*)::int AS n FROM feed_row');
    const households = await count(db, 'SELECT count(*)::int AS n FROM household');
    const before = await count(db, 'SELECT count(*)::int AS n FROM monitoring_warning');
    log(`${persons.toLocaleString('en')} persons, ${households.toLocaleString('en')} households, ${feedRows.toLocaleString('en')} feed rows; ${before} warnings stored before`);

    const load0 = os.loadavg().map(r2);
    log(`full run (parallel ${PARALLEL}), load ${load0.join(' ')}`);
    const rules = loadRules();
    const full = await timed(() => runMonitoring(db, { on: ON, startedBy: 'bench', rules, parallel: PARALLEL }));
    const loadFull = os.loadavg().map(r2);
    log(`full run ${r2(full.seconds)} s, ${full.value.raised} raised, problems ${JSON.stringify(full.value.problems)}`);
    log('rule queries alone, one after the other');
    const queries: Array<{ rule: string; entity: string; over: string; seconds: number; candidates: number }> = [];
    for (const rule of rules.rules) {
      const q = await timed(() => ruleCandidates(db, rule, { on: ON, startedBy: 'bench' }, systemScope()));
      const needs = ruleEvidence(rule, ON);
      const over = needs ? `with evidence: ${needs.map((n) => n.map((e) => (e.kind === 'agg' || e.kind === 'memberAgg' ? e.name : e.kind)).join('|')).join(' & ')}` : 'all';
      queries.push({ rule: rule.id, entity: rule.policy.entity, over, seconds: r2(q.seconds), candidates: q.value.rows.length });
      log(`  ${rule.id}: ${r2(q.seconds)} s`);
    }
    const batchSeconds = queries.reduce((s, q) => s + q.seconds, 0);

    log(`baseline: one query per entity on a sample of ${SAMPLE}`);
    const personIds = (await db.query<{ id: number }>('SELECT id FROM person ORDER BY md5(id::text) LIMIT $1', [SAMPLE])).map((r) => r.id);
    const perRule: Array<{ rule: string; msPerEntity: number }> = [];
    let baselineSeconds = 0;
    for (const rule of rules.rules) {
      const t = await timed(async () => { for (const id of personIds) await ruleCandidates(db, rule, { on: ON, startedBy: 'bench', personIds: [id] }, systemScope()); });
      const perEntity = t.seconds / personIds.length;
      perRule.push({ rule: rule.id, msPerEntity: r2(perEntity * 1000) });
      baselineSeconds += perEntity * (rule.policy.entity === 'household' ? households : persons);
    }
    const ratio = baselineSeconds / batchSeconds;
    const out = {
      bench: 'monitor', date: new Date().toISOString().slice(0, 10), persons, households, feedRows, on: ON, setup,
      fullRun: {
        seconds: r2(full.seconds), parallel: PARALLEL, raised: full.value.raised, suppressed: full.value.suppressed, warningsStoredBefore: before,
        perRule: full.value.perRule.map((r) => ({ rule: r.rule, candidates: r.candidates, raised: r.raised, suppressed: r.suppressed })), loadBefore: load0, loadAfter: loadFull,
      },
      ruleQueries: { seconds: r2(batchSeconds), queries },
      baseline: { sample: SAMPLE, perRule, extrapolatedSeconds: r2(baselineSeconds) },
      ratio: r2(ratio),
      goals: { seconds: GOAL.citySeconds, met: full.seconds < GOAL.citySeconds, ratio: GOAL.ratio, ratioMet: ratio >= GOAL.ratio, note: persons < 10_000_000 ? 'not a city: the < 60 s goal is for 10 M persons' : undefined },
      cpus: os.cpus().length, load: os.loadavg().map(r2),
    };
    console.log(JSON.stringify(out));
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (!EXISTING && !KEEP) await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
