/**
 * Importing a feed batch. The file is read as a stream by the registry import's machinery
 * (imports/source.ts: CSV in any encoding incl. GBK/GB18030, XLSX) or as JSON, its header matched
 * with imports/headers.ts, each row checked (feed-rows.ts), and the whole batch stored in ONE
 * transaction: a batch is in the database completely or not at all. Rejected rows are recorded
 * with row, field and message and do not stop the others.
 *
 * Idempotent: a file with the checksum of a batch already imported, or a batch with the same type,
 * department and period, is not imported again; the answer is the existing batch (`duplicate`).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { knownColumnCount, matchColumns, type HeaderMap } from '../imports/headers.ts';
import { FileRefused, openSource, type SheetRow } from '../imports/source.ts';
import { precheck } from '../imports/validate-common.ts';
import { FeedRowParser, isReject, type FeedRecord, type FeedReject } from './feed-rows.ts';
import { columnsOf, FEEDS, type FeedType } from './feeds.ts';
import { jsonRows, looksLikeJson } from './json-source.ts';
import { matchBatch } from './matching.ts';

const HEADER_SEARCH_ROWS = 10;
const WRITE_ROWS = 5000;

export interface FeedBatch {
  id: number; feedType: FeedType; schemaVersion: number; department: string; period: string; fileName: string; checksum: string;
  encoding: string | null; status: 'running' | 'done' | 'failed'; processed: number; accepted: number; rejected: number;
  matched: number; inReview: number; unmatched: number; warnings: string[]; failure: string | null;
  startedBy: string; startedAt: string; finishedAt: string | null;
  errors: FeedReject[];
}

export interface FeedImportOptions {
  type: FeedType;
  filePath: string;
  fileName: string;
  department?: string | undefined;
  period?: string | undefined;
  actor: string;
  today?: Date;
}

export interface FeedImportResult {
  batch: FeedBatch;
  /** The same batch was imported before: nothing was stored this time. */
  duplicate: boolean;
  /** Persons the batch's records are linked to (for the monitoring run it triggers). */
  personIds: number[];
}

export async function sha256File(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const BATCH_COLS = `id, feed_type AS "feedType", schema_version AS "schemaVersion", department, period, file_name AS "fileName", checksum, encoding, status,
  processed, accepted, rejected, matched, in_review AS "inReview", unmatched, warnings, failure, started_by AS "startedBy", started_at AS "startedAt", finished_at AS "finishedAt"`;

export async function getBatch(db: Queryable, id: number, errorLimit = 1000): Promise<FeedBatch | undefined> {
  const [b] = await db.query<Omit<FeedBatch, 'errors'>>(`SELECT ${BATCH_COLS} FROM feed_batch WHERE id = $1`, [id]);
  if (!b) return undefined;
  const errors = await db.query<FeedReject>('SELECT row_no AS row, field, message FROM feed_row_error WHERE batch_id = $1 ORDER BY row_no, field LIMIT $2', [id, errorLimit]);
  return { ...b, errors };
}

export async function listBatches(db: Queryable, startedBy: string | null, limit = 50): Promise<Array<Omit<FeedBatch, 'errors'>>> {
  return db.query(`SELECT ${BATCH_COLS} FROM feed_batch WHERE ($1::text IS NULL OR started_by = $1) ORDER BY id DESC LIMIT $2`, [startedBy, limit]);
}

/** The rows of the file, header first, whatever the format. */
async function openRows(filePath: string): Promise<{ rows: AsyncGenerator<SheetRow[]>; encoding: string | null; excelSerials: boolean; undecodable(): boolean; close(): void }> {
  if (await looksLikeJson(filePath)) return { rows: jsonRows(filePath), encoding: 'UTF-8', excelSerials: false, undecodable: () => false, close: () => undefined };
  // Department systems export GBK/GB18030 when not UTF-8; chardet guesses short Chinese texts as EUC-KR.
  const source = await openSource(filePath, { nonUtf8: 'GB18030' });
  return { rows: source.batches(), encoding: source.encoding, excelSerials: source.format === 'xlsx', undecodable: () => source.sawUndecodable(), close: () => source.close() };
}

function findHeader(type: FeedType, seen: SheetRow[]): SheetRow | undefined {
  return seen.find((r, i) => i < HEADER_SEARCH_ROWS && !r.error && knownColumnCount(columnsOf(type), r.cells) >= 2);
}

function headerMap(type: FeedType, header: SheetRow, encoding: string | null): HeaderMap {
  const m = matchColumns(columnsOf(type), header.cells);
  const read = encoding ? `; the file was read as ${encoding}` : '';
  if (!m.ok) {
    const expected = columnsOf(type).filter((c) => c.required).map((c) => `${c.label} (${c.field})`).join(', ');
    throw new FileRefused(`row ${header.row}: ${m.problems.map((p) => p.message).join('; ')} (a ${type} feed needs ${expected}, and 公民身份号码 or 姓名 + 出生日期 + 居住社区代码${read})`,
      m.problems.map((p) => ({ row: header.row, field: p.field, message: p.message })));
  }
  if (m.map.unknown.length > 0) {
    // A department feed has a fixed schema: an unknown column means the wrong feed type or a
    // changed schema version, and guessing would store wrong data.
    throw new FileRefused(`row ${header.row}: unknown columns ${m.map.unknown.map((u) => `${u.column} "${u.text}"`).join(', ')} for a ${type} feed (schema v${FEEDS[type].version})${read}`,
      m.map.unknown.map((u) => ({ row: header.row, field: u.text, message: `unknown column ${u.column} "${u.text}"` })));
  }
  return m.map;
}

async function insertRecords(tx: Queryable, batchId: number, type: FeedType, recs: readonly FeedRecord[]): Promise<void> {
  if (recs.length === 0) return;
  await tx.query(
    `INSERT INTO feed_row (batch_id, feed_type, row_no, citizen_id, name, birth_date, region_code, event_date, data, match_status)
     SELECT $1, $2, r.row_no, r.citizen_id, r.name, r.birth_date::date, r.region_code, r.event_date::date, r.data::jsonb, 'unmatched'
     FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS r(row_no, citizen_id, name, birth_date, region_code, event_date, data)`,
    [batchId, type, recs.map((r) => r.row), recs.map((r) => r.citizenId), recs.map((r) => r.name), recs.map((r) => r.birthDate),
      recs.map((r) => r.regionCode), recs.map((r) => r.eventDate), recs.map((r) => JSON.stringify(r.data))]);
}

async function insertErrors(tx: Queryable, batchId: number, errs: readonly FeedReject[]): Promise<void> {
  if (errs.length === 0) return;
  await tx.query(
    `INSERT INTO feed_row_error (batch_id, row_no, field, message) SELECT $1, e.r, e.f, e.m FROM unnest($2::int[], $3::text[], $4::text[]) AS e(r, f, m)`,
    [batchId, errs.map((e) => e.row), errs.map((e) => e.field), errs.map((e) => e.message)]);
}

const chinaToday = (d: Date): string => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

export async function importFeed(db: Db, opts: FeedImportOptions): Promise<FeedImportResult> {
  const def = FEEDS[opts.type];
  const checksum = await sha256File(opts.filePath);
  const department = (opts.department ?? def.department).trim();
  const period = (opts.period ?? `file-${checksum.slice(0, 12)}`).trim();
  if (department === '' || department.length > 100) throw new AppError('validation', 'department: must be 1–100 characters', { field: 'department' });
  if (period === '' || period.length > 40) throw new AppError('validation', 'period: must be 1–40 characters (e.g. 2026-04)', { field: 'period' });

  const [existing] = await db.query<{ id: number }>(
    `SELECT id FROM feed_batch WHERE feed_type = $1 AND status = 'done' AND (checksum = $2 OR (department = $3 AND period = $4)) ORDER BY id LIMIT 1`,
    [opts.type, checksum, department, period]);
  if (existing) return { batch: (await getBatch(db, existing.id))!, duplicate: true, personIds: [] };

  const [created] = await db.query<{ id: number }>(
    `INSERT INTO feed_batch (feed_type, schema_version, department, period, file_name, checksum, started_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [opts.type, def.version, department, period, opts.fileName.slice(0, 255), checksum, opts.actor]);
  const batchId = created!.id;
  let personIds: number[] = [];
  let failure: string | null = null;
  let fileProblems: ReadonlyArray<{ row: number; field: string; message: string }> = [];
  let opened: Awaited<ReturnType<typeof openRows>> | undefined;
  try {
    opened = await openRows(opts.filePath);
    const src = opened;
    personIds = await db.transaction(async (tx) => {
      const it = src.rows;
      const seen: SheetRow[] = [];
      let header: SheetRow | undefined;
      while (!(header = findHeader(opts.type, seen)) && seen.length < HEADER_SEARCH_ROWS) {
        const next = await it.next();
        if (next.done) break;
        seen.push(...next.value);
      }
      header ??= seen[0];
      if (!header) throw new FileRefused('the file has no rows');
      const map = headerMap(opts.type, header, src.encoding);
      const parser = new FeedRowParser(opts.type, map, src.excelSerials, chinaToday(opts.today ?? new Date()));
      const width = header.cells.length;
      const counts = { processed: 0, accepted: 0, rejected: 0 };
      let recs: FeedRecord[] = [];
      let errs: FeedReject[] = [];
      const flush = async (): Promise<void> => {
        await insertRecords(tx, batchId, opts.type, recs);
        await insertErrors(tx, batchId, errs);
        recs = []; errs = [];
      };
      const take = (r: SheetRow): void => {
        counts.processed++;
        const bad = precheck(r, map, width, src.encoding, src.undecodable());
        const out = bad ? { row: bad.row, field: bad.field, message: bad.message } : parser.parse(r);
        if (isReject(out)) { errs.push(out); counts.rejected++; } else { recs.push(out); counts.accepted++; }
      };
      for (const r of seen.slice(seen.indexOf(header) + 1)) take(r);
      for (;;) {
        const next = await it.next();
        if (next.done) break;
        for (const r of next.value) take(r);
        if (recs.length >= WRITE_ROWS) await flush();
      }
      await flush();
      const m = await matchBatch(tx, batchId);
      await tx.query(
        `UPDATE feed_batch SET status = 'done', encoding = $2, processed = $3, accepted = $4, rejected = $5, matched = $6, in_review = $7, unmatched = $8, finished_at = clock_timestamp() WHERE id = $1`,
        [batchId, src.encoding, counts.processed, counts.accepted, counts.rejected, m.matched, m.review, m.unmatched]);
      return m.personIds;
    });
  } catch (err) {
    if (err instanceof FileRefused) { failure = err.message; fileProblems = err.problems; } else failure = (err as Error).message || String(err);
  } finally {
    opened?.close();
  }
  if (failure !== null) {
    // The transaction rolled back: nothing of the batch is stored; the file's problems are kept.
    await db.transaction(async (tx) => {
      await insertErrors(tx, batchId, fileProblems);
      await tx.query(`UPDATE feed_batch SET status = 'failed', failure = $2, encoding = $3, finished_at = clock_timestamp() WHERE id = $1`, [batchId, failure, opened?.encoding ?? null]);
    });
  }
  return { batch: (await getBatch(db, batchId))!, duplicate: false, personIds };
}
