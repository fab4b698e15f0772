/**
 * `npm run bench -- monitor [--persons N] [--sample S]`: the warning rules over a demo city of N
 * persons (default 50,000) on a real PostgreSQL with feeds: the demo feeds (all eight types) plus
 * one synthetic medical settlement per person over the last year, so feed rows ≈ 1.1 × N. The
 * assistance categories come from the dibao / dibao-edge batch runs (policy module).
 *
 * Measured: the feed imports (rows/s) and what the windowed-aggregate index (migration 032) adds to
 * a bulk insert, the full run to stored warnings (`runMonitoring`: one set-based query per rule —
 * over the entities with evidence where the rule proves the others cannot raise — then warnings,
 * chains and verification work orders), and the rule queries alone.
 * Baseline in the same run: the same six rules, one query per person (person rules) or household
 * (household rules) on a sample of S, extrapolated to N; ratio = baseline / set-based queries.
 * City figures (10 M persons, 20 M feed rows, the scale) are LINEAR extrapolations.
 * Prints one JSON line. Needs BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * creates and drops minsheng_bench_monitor (also on error). Statements are cut at 120 s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDb } from '../server/src/platform/db.ts';
import { migrate } from '../server/src/platform/migrate.ts';
import { systemScope } from '../server/src/platform/auth/scope.ts';
import { seedRegions } from '../server/src/modules/regions/seed.ts';
import { buildDemoCity } from '../server/src/modules/demo/write.ts';
import { PolicyCatalogue } from '../server/src/modules/policy/catalogue.ts';
import { runPolicy } from '../server/src/modules/policy/service.ts';
import { writeDemoFeeds } from '../server/src/modules/monitoring/demo-feeds.ts';
import { importFeed } from '../server/src/modules/monitoring/feed-import.ts';
import { loadRules } from '../server/src/modules/monitoring/rule-file.ts';
import { ruleCandidates, runMonitoring } from '../server/src/modules/monitoring/run.ts';
import { ruleEvidence } from '../server/src/modules/monitoring/evidence.ts';

const args = process.argv.slice(2);
const num = (flag: string, dflt: number): number => { const i = args.indexOf(flag); return i >= 0 ? Number(args[i + 1]) : dflt; };
const PERSONS = num('--persons', 50_000);
const SAMPLE = num('--sample', 300);
for (const [name, v, max] of [['--persons', PERSONS, 500_000], ['--sample', SAMPLE, 10_000]] as const) {
  if (!Number.isSafeInteger(v) || v < 1 || v > max) { console.error(`${name} must be a whole number from 1 to ${max.toLocaleString('en')}`); process.exit(2); }
}
const CITY = 10_000_000;
const GOAL = { citySeconds: 60, ratio: 50 };
const ON = '2026-11-20';
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = 'minsheng_bench_monitor';
const log = (msg: string): void => { process.stderr.write(`[bench monitor] ${msg}\n`); };
const r2 = (x: number): number => Math.round(x * 100) / 100;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVER });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}
class RollBack extends Error {}
const timed = async <T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> => {
  const t = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t) / 1000 };
};

async function main(): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${DB_NAME}`);
  await admin(`ALTER DATABASE ${DB_NAME} SET statement_timeout = '120s'`);
  const url = new URL(SERVER);
  url.pathname = `/${DB_NAME}`;
  const db = await openDb({ databaseUrl: url.toString() });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-bench-monitor-'));
  try {
    await migrate(db);
    await seedRegions(db);
    log(`demo city of ${PERSONS.toLocaleString('en')} persons`);
    const city = await timed(() => buildDemoCity(db, { persons: PERSONS }));
    const catalogue = new PolicyCatalogue();
    for (const id of ['tianjin/dibao', 'tianjin/dibao-edge']) await runPolicy(db, catalogue, id, ON, systemScope(), 'bench');

    log('feeds');
    const files = await writeDemoFeeds(db, { dir, on: ON });
    let demoRows = 0;
    const imports = await timed(async () => {
      for (const f of files) demoRows += (await importFeed(db, { type: f.type, filePath: f.file, fileName: path.basename(f.file), period: f.period, actor: 'bench' })).batch.accepted;
    });
    // One settlement per person over the year before ON, as the 医保 system would send monthly.
    const [b] = await db.query<{ id: number }>(`INSERT INTO feed_batch (feed_type, schema_version, department, period, file_name, checksum, status, started_by) VALUES ('medical', 1, 'bench', 'bench', 'bench', repeat('0', 64), 'done', 'bench') RETURNING id`);
    const bulk = await timed(() => db.query(
      `INSERT INTO feed_row (batch_id, feed_type, row_no, citizen_id, event_date, data, person_id, match_status, matched_by)
       SELECT $1, 'medical', row_number() OVER (), p.citizen_id, d, jsonb_build_object('date', d, 'total', 200 + p.id % 900, 'outOfPocket', 60 + p.id % 300, 'hospital', 'bench'), p.id, 'matched', 'citizen-id'
       FROM person p CROSS JOIN LATERAL (SELECT ($2::date - (p.id % 360)::int) AS d) x`, [b!.id, ON]));
    await db.exec('ANALYZE');
    // What the windowed-aggregate index (migration 032) costs a feed import: the same bulk insert,
    // rolled back, without and with it.
    const reinsert = (): Promise<{ value: unknown; seconds: number }> => timed(() => db.transaction(async (tx) => {
      await tx.query(`INSERT INTO feed_row (batch_id, feed_type, row_no, citizen_id, event_date, data, person_id, match_status, matched_by)
        SELECT batch_id, feed_type, row_no + 100000000, citizen_id, event_date, data, person_id, match_status, matched_by FROM feed_row WHERE batch_id = $1`, [b!.id]);
      throw new RollBack();
    }).catch((e: unknown) => { if (!(e instanceof RollBack)) throw e; }));
    await db.exec('DROP INDEX feed_row_type_date_idx');
    const withoutIndex = await reinsert();
    await db.exec(`CREATE INDEX feed_row_type_date_idx ON feed_row (feed_type, event_date) WHERE person_id IS NOT NULL`);
    const withIndex = await reinsert();
    await db.exec('ANALYZE');
    const [{ n: feedRows }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM feed_row') as [{ n: number }];
    const [{ n: households }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM household') as [{ n: number }];

    log('full run');
    const rules = loadRules();
    const full = await timed(() => runMonitoring(db, { on: ON, startedBy: 'bench', rules }));
    log('rule queries alone');
    const queries: Array<{ rule: string; entity: string; over: string; seconds: number; candidates: number }> = [];
    for (const rule of rules.rules) {
      const q = await timed(() => ruleCandidates(db, rule, { on: ON, startedBy: 'bench' }, systemScope()));
      const needs = ruleEvidence(rule, ON);
      const over = needs ? `with evidence: ${needs.map((n) => n.map((e) => (e.kind === 'agg' ? e.name : e.kind)).join('|')).join(' & ')}` : 'all';
      queries.push({ rule: rule.id, entity: rule.policy.entity, over, seconds: r2(q.seconds), candidates: q.value.rows.length });
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
      baselineSeconds += perEntity * (rule.policy.entity === 'household' ? households : PERSONS);
    }
    const ratio = baselineSeconds / batchSeconds;
    const cityFull = full.seconds * (CITY / PERSONS);
    const out = {
      bench: 'monitor', date: new Date().toISOString().slice(0, 10), persons: PERSONS, households, feedRows, on: ON,
      cityBuildSeconds: r2(city.seconds),
      feedImport: { rows: demoRows, seconds: r2(imports.seconds), rowsPerSecond: Math.round(demoRows / imports.seconds), bulkMedicalRows: PERSONS, bulkSeconds: r2(bulk.seconds),
        typeDateIndex: { rows: PERSONS, insertSecondsWithout: r2(withoutIndex.seconds), insertSecondsWith: r2(withIndex.seconds) } },
      fullRun: { seconds: r2(full.seconds), raised: full.value.raised, perRule: full.value.perRule.map((r) => ({ rule: r.rule, candidates: r.candidates, raised: r.raised })) },
      ruleQueries: { seconds: r2(batchSeconds), queries },
      baseline: { sample: SAMPLE, perRule, extrapolatedSeconds: r2(baselineSeconds) },
      ratio: r2(ratio),
      city: { persons: CITY, feedRows: CITY * 2, fullRunSecondsLinear: Math.round(cityFull), ruleQueriesSecondsLinear: Math.round(batchSeconds * (CITY / PERSONS)) },
      goals: { citySeconds: GOAL.citySeconds, met: cityFull < GOAL.citySeconds, ratio: GOAL.ratio, ratioMet: ratio >= GOAL.ratio },
      cpus: os.cpus().length, load: os.loadavg().map(r2),
    };
    console.log(JSON.stringify(out));
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
