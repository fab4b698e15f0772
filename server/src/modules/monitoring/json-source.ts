/**
 * JSON feeds: a JSON array of objects, `{"rows": [...]}`, or JSON Lines (one object per line,
 * streamed). Keys are column names as in the CSV headers. The rows come out as spreadsheet rows:
 * row 1 is the header (the first object's keys), record N is row N + 1, like a CSV with a header.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { FileRefused, type SheetRow } from '../imports/source.ts';

/** Whole JSON documents are read at once up to this size; JSON Lines are streamed whatever the size. */
const MAX_JSON_DOCUMENT = 64 * 1024 * 1024;
const BATCH = 2000;

export async function looksLikeJson(filePath: string): Promise<boolean> {
  const fd = await fs.promises.open(filePath, 'r');
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await fd.read(buf, 0, 256, 0);
    const head = buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    return head.startsWith('[') || head.startsWith('{');
  } finally {
    await fd.close();
  }
}

const cellOf = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Rows of a JSON feed in batches; the first yielded row is the header. */
export async function* jsonRows(filePath: string): AsyncGenerator<SheetRow[]> {
  let header: string[] | undefined;
  const toRow = (obj: unknown, n: number): SheetRow => {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      return { row: n + 1, cells: [], error: { column: 0, message: `record ${n} is not an object`, fatal: false } };
    }
    const rec = obj as Record<string, unknown>;
    header ??= Object.keys(rec);
    const extra = Object.keys(rec).filter((k) => !header!.includes(k));
    if (extra.length > 0) {
      return { row: n + 1, cells: header.map((k) => cellOf(rec[k])), error: { column: 0, message: `unknown field "${extra[0]}" (not in the first record)`, fatal: false } };
    }
    return { row: n + 1, cells: header.map((k) => cellOf(rec[k])) };
  };
  const withHeader = (rows: SheetRow[], first: boolean): SheetRow[] => (first && header ? [{ row: 1, cells: header }, ...rows] : rows);

  const stat = await fs.promises.stat(filePath);
  const text = stat.size <= MAX_JSON_DOCUMENT ? (await fs.promises.readFile(filePath, 'utf8')).replace(/^\uFEFF/, '') : undefined;
  let records: unknown[] | undefined;
  if (text !== undefined) {
    try {
      const doc: unknown = JSON.parse(text);
      if (Array.isArray(doc)) records = doc;
      else if (doc && typeof doc === 'object' && Array.isArray((doc as { rows?: unknown }).rows)) records = (doc as { rows: unknown[] }).rows;
      else if (!text.includes('\n')) throw new FileRefused('the JSON file holds neither an array of records nor {"rows": [...]}');
    } catch (e) {
      if (e instanceof FileRefused) throw e;
      if (!text.trimEnd().includes('\n')) throw new FileRefused(`the file is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (records) {
    if (records.length === 0) throw new FileRefused('the JSON file holds no records');
    for (let i = 0; i < records.length; i += BATCH) {
      yield withHeader(records.slice(i, i + BATCH).map((r, j) => toRow(r, i + j + 1)), i === 0);
    }
    return;
  }
  // JSON Lines.
  const lines = readline.createInterface({ input: fs.createReadStream(filePath, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  let batch: SheetRow[] = [];
  let first = true;
  for await (const raw of lines) {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line === '') continue;
    n += 1;
    let obj: unknown;
    try { obj = JSON.parse(line); } catch (e) {
      batch.push({ row: n + 1, cells: [], error: { column: 0, message: `line ${n} is not valid JSON: ${(e as Error).message}`, fatal: false } });
      continue;
    }
    batch.push(toRow(obj, n));
    if (batch.length >= BATCH) { yield withHeader(batch, first); first = false; batch = []; }
  }
  if (n === 0) throw new FileRefused('the file holds no records');
  if (batch.length > 0 || first) yield withHeader(batch, first);
}
