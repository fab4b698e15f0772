/**
 * Import jobs (import_job, import_row_error; migrations 003 and 004): one row per import with its
 * progress, updated in the same transaction as each batch it counts, and the rejected rows with
 * their cells for the rejected-rows download.
 */
import type { ImportJob, ImportKind, RowError } from '@minsheng/contracts';
import type { Db, Queryable } from '../../platform/db.ts';
import type { RowReject } from './types.ts';

/** The most errors a job answer carries; the counts stay exact. */
export const ERRORS_IN_ANSWER = 1000;

export async function createJob(db: Queryable, kind: ImportKind, fileName: string, startedBy: string): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    'INSERT INTO import_job (kind, file_name, started_by) VALUES ($1, $2, $3) RETURNING id', [kind, fileName.slice(0, 255), startedBy]);
  return row!.id;
}

export async function setEncoding(db: Queryable, id: number, encoding: string | null): Promise<void> {
  await db.query('UPDATE import_job SET encoding = $2 WHERE id = $1', [id, encoding]);
}

export async function setHeader(db: Queryable, id: number, header: readonly string[], warnings: readonly string[]): Promise<void> {
  await db.query('UPDATE import_job SET header = $2::jsonb, warnings = $3::jsonb WHERE id = $1', [id, JSON.stringify(header), JSON.stringify(warnings)]);
}

async function insertErrors(db: Queryable, id: number, errors: ReadonlyArray<{ row: number; field: string; message: string; raw: unknown }>): Promise<void> {
  if (errors.length === 0) return;
  await db.query(
    `INSERT INTO import_row_error (job_id, row_no, field, message, raw)
     SELECT $1, e.row_no, e.field, e.message, e.raw::jsonb FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS e(row_no, field, message, raw)`,
    [id, errors.map((e) => e.row), errors.map((e) => e.field), errors.map((e) => e.message), errors.map((e) => JSON.stringify(e.raw))]);
}

/** Counts one batch and keeps its rejected rows; called inside the batch's transaction. */
export async function recordBatch(tx: Queryable, id: number, processed: number, accepted: number, rejects: readonly RowReject[]): Promise<void> {
  await insertErrors(tx, id, rejects.map((r) => ({ row: r.row, field: r.field, message: r.message, raw: r.cells })));
  await tx.query('UPDATE import_job SET processed = processed + $2, accepted = accepted + $3, rejected = rejected + $4 WHERE id = $1',
    [id, processed, accepted, rejects.length]);
}

/**
 * Ends the job. Problems of the file as a whole (a missing column names row 1 and the field)
 * are kept with the errors, without cells: they are not rows of the file.
 */
export async function finishJob(db: Db, id: number, failure: string | null, fileProblems: ReadonlyArray<{ row: number; field: string; message: string }> = []): Promise<void> {
  await db.transaction(async (tx) => {
    await insertErrors(tx, id, fileProblems.map((p) => ({ ...p, raw: null })));
    await tx.query(`UPDATE import_job SET status = $2, failure = $3, finished_at = now() WHERE id = $1`,
      [id, failure === null ? 'done' : 'failed', failure]);
  });
}

interface JobRow {
  id: number; kind: ImportKind; file_name: string; encoding: string | null; status: ImportJob['status'];
  processed: number; accepted: number; rejected: number; failure: string | null; started_at: string;
  finished_at: string | null; started_by: string; warnings: string[];
}

const JOB_COLUMNS = 'id, kind, file_name, encoding, status, processed, accepted, rejected, failure, started_at, finished_at, started_by, warnings';

const toJob = (r: JobRow, errors: RowError[]): ImportJob => ({
  id: r.id, kind: r.kind, fileName: r.file_name, encoding: r.encoding, status: r.status, processed: r.processed,
  accepted: r.accepted, rejected: r.rejected, errors, failure: r.failure, startedAt: r.started_at, finishedAt: r.finished_at,
  startedBy: r.started_by, warnings: r.warnings ?? [],
});

export async function getJob(db: Queryable, id: number, errorLimit = ERRORS_IN_ANSWER): Promise<ImportJob | undefined> {
  const [row] = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM import_job WHERE id = $1`, [id]);
  if (!row) return undefined;
  const errors = await db.query<RowError>(
    'SELECT row_no AS row, field, message FROM import_row_error WHERE job_id = $1 ORDER BY row_no, field LIMIT $2', [id, errorLimit]);
  return toJob(row, errors);
}

/** The latest jobs, newest first, without their errors; only those started by `startedBy` if given. */
export async function listJobs(db: Queryable, startedBy: string | null, limit = 50): Promise<ImportJob[]> {
  const rows = await db.query<JobRow>(
    `SELECT ${JOB_COLUMNS} FROM import_job WHERE ($1::text IS NULL OR started_by = $1) ORDER BY id DESC LIMIT $2`, [startedBy, limit]);
  return rows.map((r) => toJob(r, []));
}

export async function jobHeader(db: Queryable, id: number): Promise<{ kind: ImportKind; header: string[] | null; startedBy: string } | undefined> {
  const [row] = await db.query<{ kind: ImportKind; header: string[] | null; started_by: string }>(
    'SELECT kind, header, started_by FROM import_job WHERE id = $1', [id]);
  return row ? { kind: row.kind, header: row.header, startedBy: row.started_by } : undefined;
}

/** The rejected rows of a job in file order, a page at a time (never all in memory). */
export async function* rejectedRows(db: Queryable, id: number, pageSize = 2000): AsyncGenerator<Array<{ row: number; field: string; message: string; cells: string[] }>> {
  let after = 0;
  for (;;) {
    const page = await db.query<{ row_no: number; field: string; message: string; raw: string[] }>(
      `SELECT row_no, field, message, raw FROM import_row_error
       WHERE job_id = $1 AND row_no > $2 AND jsonb_typeof(raw) = 'array' ORDER BY row_no LIMIT $3`, [id, after, pageSize]);
    if (page.length === 0) return;
    yield page.map((p) => ({ row: p.row_no, field: p.field, message: p.message, cells: p.raw }));
    after = page.at(-1)!.row_no;
    if (page.length < pageSize) return;
  }
}
