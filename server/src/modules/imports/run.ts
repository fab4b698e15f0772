/**
 * Running an import: file -> header -> batches of rows -> checked -> stored, with the job's
 * progress counted in each batch's own transaction. A batch is all or nothing; when something
 * fails halfway (the database, a CSV that breaks off), the batches before it stay stored, the job
 * ends `failed` with the reason, and importing the file again completes it (upserts).
 *
 * While a batch is being written, the next one is read and checked: the database and the parser
 * work at the same time.
 */
import type { ImportJob, ImportKind } from '@minsheng/contracts';
import type { Scope } from '../../platform/auth/scope.ts';
import type { Actor } from '../../platform/context.ts';
import type { Db } from '../../platform/db.ts';
import { COLUMNS, knownHeaderCount, matchHeaders, type HeaderMap } from './headers.ts';
import { createJob, finishJob, getJob, recordBatch, setEncoding, setHeader } from './job.ts';
import { FileRefused, openSource, type SheetRow, type Source } from './source.ts';
import { householdImporter } from './store-households.ts';
import { personImporter } from './store-persons.ts';
import { relationImporter } from './store-relations.ts';
import type { ImporterFactory, ImportSettings, KindImporter, RowReject } from './types.ts';
import { precheck } from './validate-common.ts';

/** Rows per batch (one transaction, one progress step): households are written one by one. */
export const DEFAULT_BATCH_ROWS: Record<ImportKind, number> = { persons: 10_000, households: 1_000, relations: 5_000 };
/** Title rows above the header (e.g. "XX社区老年人名单") are skipped; the header is looked for this far. */
const HEADER_SEARCH_ROWS = 10;
/** A household's rows stay in one batch; past this many extra rows the batch is cut anyway. */
const MAX_GROUP_OVERFLOW = 1000;

const IMPORTERS: Record<ImportKind, ImporterFactory> = {
  persons: personImporter as ImporterFactory,
  households: householdImporter as ImporterFactory,
  relations: relationImporter as ImporterFactory,
};

export interface Progress { bytesRead: number; totalBytes: number; processed: number; accepted: number; rejected: number }

export interface RunOptions {
  kind: ImportKind;
  filePath: string;
  actor: Actor;
  scope: Scope;
  batchRows?: number;
  onProgress?: (p: Progress) => void;
  /** Stops the import between two batches (server shutting down). */
  signal?: AbortSignal;
}

export interface RunResult {
  job: ImportJob;
  /** The file was refused as a whole (nothing in it was read as data). */
  refused: boolean;
}

class Interrupted extends Error {}

/** Finds the header: the first row naming at least two known columns, within the first rows. */
async function readHeader(it: AsyncGenerator<SheetRow[]>, kind: ImportKind): Promise<{ header: SheetRow; rest: SheetRow[] }> {
  const seen: SheetRow[] = [];
  for (;;) {
    const idx = seen.findIndex((r, i) => i < HEADER_SEARCH_ROWS && !r.error && knownHeaderCount(kind, r.cells) >= 2);
    if (idx >= 0) return { header: seen[idx]!, rest: seen.slice(idx + 1) };
    if (seen.length >= HEADER_SEARCH_ROWS) break;
    const next = await it.next();
    if (next.done) break;
    seen.push(...next.value);
  }
  const first = seen[0];
  if (!first) throw new FileRefused('the file has no rows');
  if (first.error) throw new FileRefused(`row ${first.row}: malformed CSV: ${first.error.message}`, [{ row: first.row, field: 'header', message: `malformed CSV: ${first.error.message}` }]);
  return { header: first, rest: seen.slice(1) };
}

function refuseHeader(kind: ImportKind, header: SheetRow, source: Source): HeaderMap {
  const m = matchHeaders(kind, header.cells);
  if (m.ok) return m.map;
  const expected = COLUMNS[kind].filter((c) => c.required).map((c) => `${c.label} (${c.field})`).join(', ');
  const read = source.encoding ? `; the file was read as ${source.encoding}` : '';
  throw new FileRefused(
    `row ${header.row}: ${m.problems.map((p) => p.message).join('; ')} (a ${kind} file needs the columns ${expected}${read})`,
    m.problems.map((p) => ({ row: header.row, field: p.field, message: p.message })));
}

/** Creates the job row; the import itself is `runImport`. */
export function startJob(db: Db, kind: ImportKind, fileName: string, actor: Actor): Promise<number> {
  return createJob(db, kind, fileName, actor.name);
}

export async function runImport(db: Db, jobId: number, opts: RunOptions): Promise<RunResult> {
  const counts = { processed: 0, accepted: 0, rejected: 0 };
  let source: Source | undefined;
  let it: AsyncGenerator<SheetRow[]> | undefined;
  let failure: string | null = null;
  let fileProblems: ReadonlyArray<{ row: number; field: string; message: string }> = [];
  let refused = false;
  const progress = (): void => {
    opts.onProgress?.({ bytesRead: source?.bytesRead() ?? 0, totalBytes: source?.totalBytes ?? 0, ...counts });
  };
  try {
    source = await openSource(opts.filePath);
    await setEncoding(db, jobId, source.encoding);
    it = source.batches();
    const { header, rest } = await readHeader(it, opts.kind);
    const map = refuseHeader(opts.kind, header, source);
    const warnings = map.unknown.length > 0
      ? [`columns not recognised and ignored: ${map.unknown.map((u) => `${u.column} "${u.text}"`).join(', ')}`] : [];
    await setHeader(db, jobId, header.cells, warnings);
    const settings: ImportSettings = {
      kind: opts.kind, actor: opts.actor, scope: opts.scope, excelSerials: source.format === 'xlsx', today: new Date(),
      reason: `imported from a file (import #${jobId})`,
    };
    const importer = IMPORTERS[opts.kind](settings, map);
    const width = header.cells.length;
    const src = source;
    const all = it;
    await runBatches(db, jobId, importer, (async function* () { if (rest.length > 0) yield rest; yield* all; })(), {
      batchRows: opts.batchRows ?? DEFAULT_BATCH_ROWS[opts.kind],
      precheck: (r) => precheck(r, map, width, src.encoding, src.sawUndecodable()),
      counts, progress, signal: opts.signal,
      onFatal: (r) => { failure = `row ${r.row}: malformed CSV: ${r.error?.message ?? ''}; the rows before it were imported`; },
    });
  } catch (err) {
    if (err instanceof FileRefused) {
      failure = err.message;
      fileProblems = err.problems;
      refused = counts.processed === 0;
    } else if (err instanceof Interrupted) {
      failure = `interrupted: the server was stopped after ${counts.processed} rows; import the file again to complete it`;
    } else {
      failure = (err as Error).message || String(err);
    }
  } finally {
    // A file refused at its header is not read to the end: let the reader close what it opened.
    await it?.return(undefined).catch(() => undefined);
    source?.close();
  }
  await finishJob(db, jobId, failure, fileProblems);
  progress();
  const job = await getJob(db, jobId);
  if (!job) throw new Error(`import job ${jobId} vanished`);
  return { job, refused };
}

interface BatchLoop {
  batchRows: number;
  precheck: (r: SheetRow) => ReturnType<typeof precheck>;
  counts: { processed: number; accepted: number; rejected: number };
  progress: () => void;
  signal: AbortSignal | undefined;
  onFatal: (r: SheetRow) => void;
}

async function runBatches<P, D>(db: Db, jobId: number, importer: KindImporter<P, D>, rows: AsyncGenerator<SheetRow[]>, loop: BatchLoop): Promise<void> {
  // Two batches in flight use both cores of a PostgreSQL server; PGlite runs one query at a time.
  const writers = importer.parallelWrites && db.kind === 'postgres' ? 2 : 1;
  let batch: SheetRow[] = [];
  const inflight = new Set<Promise<void>>();
  let writeError: { first: number; last: number; message: string } | undefined;
  const committed: Array<[number, number]> = [];

  const write = async (taken: SheetRow[], decided: D, early: RowReject[]): Promise<void> => {
    const first = taken[0]!.row, last = taken.at(-1)!.row;
    try {
      const { accepted, rejected } = await db.transaction(async (tx) => {
        const outcome = await importer.commit(tx, decided);
        const rejects = early.length > 0 ? [...early, ...outcome.rejects].sort((a, b) => a.row - b.row) : outcome.rejects;
        await recordBatch(tx, jobId, taken.length, outcome.accepted, rejects);
        return { accepted: outcome.accepted, rejected: rejects.length };
      });
      loop.counts.processed += taken.length;
      loop.counts.accepted += accepted;
      loop.counts.rejected += rejected;
      committed.push([first, last]);
      loop.progress();
    } catch (err) {
      if (!writeError || first < writeError.first) writeError = { first, last, message: (err as Error).message };
    }
  };

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const taken = batch;
    batch = [];
    const early: RowReject[] = [];
    const checked: SheetRow[] = [];
    for (const r of taken) {
      const bad = loop.precheck(r);
      if (bad) early.push(bad); else checked.push(r);
    }
    const prepared = importer.prepare(checked);
    let decided: D;
    try {
      decided = importer.decide ? await importer.decide(db, prepared) : (prepared as unknown as D);
    } catch (err) {
      writeError ??= { first: taken[0]!.row, last: taken.at(-1)!.row, message: (err as Error).message };
      return;
    }
    while (inflight.size >= writers) await Promise.race(inflight);
    if (writeError !== undefined) return;
    if (loop.signal?.aborted) throw new Interrupted();
    const p = write(taken, decided, early);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  let fatal: SheetRow | undefined;
  let readError: unknown;
  try {
    for await (const chunk of rows) {
      for (const r of chunk) {
        if (batch.length >= loop.batchRows) {
          const key = importer.groupKey;
          const last = batch[batch.length - 1]!;
          if (!key || key(r) !== key(last) || batch.length >= loop.batchRows + MAX_GROUP_OVERFLOW) await flush();
        }
        batch.push(r);
        if (r.error?.fatal) { fatal = r; break; }
      }
      if (writeError !== undefined) break;
      loop.progress();
      if (fatal) break;
    }
  } catch (err) {
    // The file broke off (a damaged XLSX...) or the import was interrupted: what was read is
    // still stored, then the job fails with the reason.
    readError = err;
  }
  if (!(readError instanceof Interrupted) && writeError === undefined) {
    try { await flush(); } catch (err) { readError ??= err; }
  }
  await Promise.all(inflight);
  if (writeError !== undefined) {
    const { first, last, message } = writeError;
    const after = committed.filter(([a]) => a > first).sort((a, b) => a[0] - b[0]).map(([a, b]) => `${a}–${b}`);
    throw new Error(`rows ${first}–${last} could not be stored (${message}); nothing of them was written`
      + `${first > 2 ? ', the rows before them are stored' : ''}${after.length > 0 ? ` and so are rows ${after.join(', ')}` : ''}`);
  }
  if (readError !== undefined) throw readError;
  if (fatal) loop.onFatal(fatal);
}

/** An audit entry for a job's outcome. */
export function finishAudit(result: RunResult): { action: string; entity: string; entityId: number; outcome: 'ok' | 'failed'; detail: Record<string, unknown> } {
  const j = result.job;
  return {
    action: 'import.finish', entity: 'import', entityId: j.id, outcome: j.status === 'done' ? 'ok' : 'failed',
    detail: { kind: j.kind, fileName: j.fileName, processed: j.processed, accepted: j.accepted, rejected: j.rejected, failure: j.failure },
  };
}

/** Creates a job and runs it to the end (the CLI, tests and `?wait=1`). */
export async function importFile(db: Db, opts: RunOptions & { fileName: string }): Promise<RunResult> {
  const id = await startJob(db, opts.kind, opts.fileName, opts.actor);
  return runImport(db, id, opts);
}
