/**
 * Command-line commands of the monitoring module:
 *   minsheng feeds import <type> <FILE> [--department D] [--period P]   one feed batch (then a run for the persons it touches)
 *   minsheng feeds demo [--dir DIR] [--on DATE] [--import]               realistic feeds over the registry (the demo city)
 *   minsheng monitor run [--on DATE]                                     every warning rule over the whole registry
 * Answers are JSON on stdout; problems (rows, rule files with line numbers) on stderr.
 * Exit status: 0 done (even with rejected rows), 2 the file or the arguments were refused, 1 failed.
 */
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { formatLoadError, type LoadError } from '@minsheng/rules';
import { writeAudit } from '../../platform/audit.ts';
import { bootContext } from '../../platform/boot.ts';
import { beijingDate } from '../../platform/calendar.ts';
import { loadConfig } from '../../platform/config.ts';
import type { Db } from '../../platform/db.ts';
import { writeDemoFeeds } from './demo-feeds.ts';
import { importFeed } from './feed-import.ts';
import { FeedType, isFeedType } from './feeds.ts';
import { runMonitoring, type MonitoringRunSummary } from './run.ts';

export interface CliIo { out(text: string): void; err(text: string): void }

const invalid = (message: string): InvalidArgumentError => Object.assign(new InvalidArgumentError(message), { exitCode: 2 });
const parseType = (v: string): FeedType => { if (!isFeedType(v)) throw invalid(`the feed type must be one of ${FeedType.join(', ')}, got "${v}"`); return v; };
/** `--on`: a real calendar date (2026-13-01 or 2026-02-30 is refused with this message, exit 2). */
export const parseDate = (v: string): string => {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : undefined;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) throw invalid(`--on must be a date YYYY-MM-DD, got "${v}"`);
  return v;
};
function cliActor(): string { try { return `cli:${os.userInfo().username}`; } catch { return 'cli'; } }
const system = (name: string) => ({ kind: 'system' as const, userId: null, name, role: null, office: null, regionCode: null });

function reportProblems(run: MonitoringRunSummary, io: CliIo): void {
  for (const p of run.problems) io.err(`${'file' in p ? formatLoadError(p as LoadError) : `rule ${p.rule}: ${p.message}`}\n`);
}

export async function runFeedImport(db: Db, type: FeedType, file: string, opts: { department?: string; period?: string }, io: CliIo): Promise<number> {
  const actor = cliActor();
  const r = await importFeed(db, { type, filePath: path.resolve(file), fileName: path.basename(file), department: opts.department, period: opts.period, actor });
  await writeAudit(db, system(actor), { action: 'feed.import', entity: 'feed-batch', entityId: r.batch.id, outcome: r.batch.status === 'failed' ? 'failed' : 'ok', detail: { type, file: path.basename(file), duplicate: r.duplicate } });
  const run = r.duplicate || r.personIds.length === 0 ? null
    : await runMonitoring(db, { on: beijingDate(new Date()), personIds: r.personIds, trigger: 'feed-batch', batchId: r.batch.id, startedBy: actor });
  const { errors, ...batch } = r.batch;
  io.out(`${JSON.stringify({ batch, duplicate: r.duplicate, errors, run: run && { id: run.id, raised: run.raised, suppressed: run.suppressed } })}\n`);
  if (r.duplicate) io.err(`note: this batch was imported before (batch #${r.batch.id}, same checksum or same department and period): nothing stored again\n`);
  if (run) reportProblems(run, io);
  if (r.batch.status === 'done') return 0;
  io.err(`refused: ${r.batch.failure ?? 'unknown failure'}\n`);
  return 2;
}

export async function runMonitorCommand(db: Db, on: string, io: CliIo): Promise<number> {
  const actor = cliActor();
  const run = await runMonitoring(db, { on, startedBy: actor });
  await writeAudit(db, system(actor), { action: 'monitoring.run', entity: 'monitoring-run', entityId: run.id, detail: { on, raised: run.raised } });
  io.out(`${JSON.stringify({ id: run.id, on: run.onDate, rules: run.rules, raised: run.raised, suppressed: run.suppressed, perRule: run.perRule, problems: run.problems.length })}\n`);
  reportProblems(run, io);
  return 0;
}

async function withDb(fn: (db: Db) => Promise<number>): Promise<void> {
  const { ctx, close } = await bootContext(loadConfig(), { withMqtt: false });
  let code = 1;
  try { code = await fn(ctx.db); } finally { await close(); }
  process.exitCode = code;
}

const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function registerMonitoringCommand(program: Command): void {
  const feeds = program.command('feeds').description('department data feeds for low-income monitoring (医保, 残联, 人社, deaths, 不动产, vehicles, 市场监管, contribution bases)');
  feeds.command('import')
    .description('import one feed batch from a CSV (UTF-8 or GBK), XLSX or JSON file; a batch with the same checksum or department + period is not imported twice')
    .argument('<type>', FeedType.join(' | '), parseType)
    .argument('<file>', 'the feed file')
    .option('--department <name>', 'the sending department (default: the usual one for the type)')
    .option('--period <period>', 'the period the batch covers, e.g. 2026-10')
    .action(async (type: FeedType, file: string, opts: { department?: string; period?: string }) => withDb((db) => runFeedImport(db, type, file, opts, io)));
  feeds.command('demo')
    .description('write realistic feeds over the registry (the demo city) as files, and import them with --import')
    .option('--dir <dir>', 'where to write the files', './data/demo-feeds')
    .option('--on <date>', 'the feeds end on this date (default: today)', parseDate)
    .option('--import', 'import the files too (each one triggers a monitoring run)')
    .action(async (opts: { dir: string; on?: string; import?: boolean }) => withDb(async (db) => {
      const files = await writeDemoFeeds(db, { dir: path.resolve(opts.dir), on: opts.on ?? beijingDate(new Date()) });
      for (const f of files) io.err(`${f.type}: ${f.rows} rows -> ${f.file} (${f.encoding})\n`);
      if (!opts.import) { io.out(`${JSON.stringify({ files })}\n`); return 0; }
      let code = 0;
      for (const f of files) code = Math.max(code, await runFeedImport(db, f.type, f.file, { period: f.period }, io));
      return code;
    }));
  program.command('monitor')
    .description('low-income dynamic monitoring')
    .command('run')
    .description('run every warning rule (policies/monitoring) over the whole registry, one SQL query per rule')
    .option('--on <date>', 'the date to monitor for (default: today)', parseDate)
    .action(async (opts: { on?: string }) => withDb((db) => runMonitorCommand(db, opts.on ?? beijingDate(new Date()), io)));
}
