/**
 * `minsheng import <persons|households|relations> <FILE>`: imports a CSV or XLSX file with a
 * progress bar on stderr and prints {"accepted":N,"rejected":N,"errors":[...]} on stdout.
 * Exit status: 0 when the file was processed (even with rejected rows), 2 when it was refused as a
 * whole (bad kind, unreadable, not a spreadsheet, missing columns), 1 when it stopped partway.
 * The embedded database can be open in one process only: stop the server first, or use
 * DATABASE_URL.
 */
import os from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { ImportKind, type ImportResult } from '@minsheng/contracts';
import { writeAudit } from '../../platform/audit.ts';
import { systemScope } from '../../platform/auth/scope.ts';
import { bootContext } from '../../platform/boot.ts';
import { loadConfig } from '../../platform/config.ts';
import type { Actor } from '../../platform/context.ts';
import type { Db } from '../../platform/db.ts';
import { ERRORS_IN_ANSWER } from './job.ts';
import { finishAudit, importFile, type Progress } from './run.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Show a progress bar (an interactive terminal). */
  progress: boolean;
}

function parseKind(v: string): ImportKind {
  const kind = ImportKind.find((k) => k === v);
  if (!kind) {
    const err = new InvalidArgumentError(`the kind must be persons, households or relations, got "${v}"`);
    err.exitCode = 2;
    throw err;
  }
  return kind;
}

function cliActor(): Actor {
  try { return { name: `cli:${os.userInfo().username}` }; } catch { return { name: 'cli' }; }
}

/** Runs one import from the command line; answers the exit status. */
export async function runImportCommand(db: Db, kind: ImportKind, file: string, io: CliIo): Promise<number> {
  const bar = io.progress ? new cliProgress.SingleBar({
    stream: process.stderr, hideCursor: true, etaBuffer: 50, fps: 5,
    format: `import ${kind} |{bar}| {percentage}% | {processed} rows: {accepted} accepted, {rejected} rejected | {duration_formatted}, ETA {eta_formatted}`,
    formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? String(v) : typeof v === 'number' ? v.toLocaleString('en') : String(v)),
  }, cliProgress.Presets.shades_classic) : undefined;
  let started = false;
  const onProgress = (p: Progress): void => {
    if (!bar) return;
    const payload = { processed: p.processed, accepted: p.accepted, rejected: p.rejected };
    if (!started) { bar.start(Math.max(p.totalBytes, 1), 0, payload); started = true; }
    bar.update(Math.min(p.bytesRead, p.totalBytes), payload);
  };
  const actor = cliActor();
  let result;
  try {
    result = await importFile(db, { kind, filePath: path.resolve(file), fileName: path.basename(file), actor, scope: systemScope(), onProgress });
  } finally {
    if (started) bar?.stop();
  }
  await writeAudit(db, { kind: 'system', userId: null, name: actor.name, role: null, office: null, regionCode: null }, finishAudit(result));
  const { job } = result;
  const answer: ImportResult = { accepted: job.accepted, rejected: job.rejected, errors: job.errors };
  io.out(`${JSON.stringify(answer)}\n`);
  for (const w of job.warnings) io.err(`warning: ${w}\n`);
  if (job.rejected > ERRORS_IN_ANSWER) {
    io.err(`note: the first ${ERRORS_IN_ANSWER} of ${job.rejected} rejected rows are listed; all are in the console (import #${job.id}, rejected rows as XLSX)\n`);
  }
  if (job.status === 'done') return 0;
  io.err(`${result.refused ? 'refused' : 'stopped'}: ${job.failure ?? 'unknown failure'}\n`);
  return result.refused ? 2 : 1;
}

export function registerImportCommand(program: Command): void {
  program.command('import')
    .description('import persons, households or relations from a CSV or XLSX file (docs/import-format.md); stop the server first in the embedded mode, or use DATABASE_URL')
    .argument('<kind>', 'persons | households | relations', parseKind)
    .argument('<file>', 'the CSV (UTF-8 or GB18030) or XLSX file')
    .action(async (kind: ImportKind, file: string) => {
      const { ctx, close } = await bootContext(loadConfig(), { withMqtt: false });
      let code = 1;
      try {
        code = await runImportCommand(ctx.db, kind, file, {
          out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), progress: process.stderr.isTTY === true,
        });
      } finally {
        await close();
      }
      process.exitCode = code;
    });
}
