/**
 * Opening an import file: what it is (by its first bytes, never by its name), which encoding a
 * CSV is in, and its rows as a spreadsheet user sees them, streamed in batches.
 *
 * - XLSX: a ZIP whose directory names xl/workbook.xml; the first worksheet is read with exceljs'
 *   streaming reader.
 * - CSV (comma, tab or semicolon separated): BOM first (UTF-8, UTF-16, GB18030); else UTF-8 if
 *   the first 64 KB are valid UTF-8; else what chardet recognises among the East Asian
 *   encodings, GB18030 (a superset of GBK and GB2312) when unsure.
 * - Anything else (other ZIPs, old .xls, PDF, images, binary data) is refused with its name.
 */
import fs from 'node:fs';
import * as chardet from 'chardet';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { CsvParser, sniffDelimiter } from './csv.ts';
import { zipProblem } from './zip-check.ts';

export interface SheetRow {
  /** 1-based row number as a spreadsheet program shows it. */
  row: number;
  cells: string[];
  /** Columns (0-based) whose XLSX cell was a number too long to be exact (e.g. an ID typed as a number). */
  lossy?: number[];
  /** A CSV record that could not be read properly. */
  error?: { column: number; message: string; fatal: boolean };
}

/** The whole file is refused: not a spreadsheet, unreadable, no usable header row. */
export class FileRefused extends Error {
  constructor(message: string, readonly problems: ReadonlyArray<{ row: number; field: string; message: string }> = []) {
    super(message);
    this.name = 'FileRefused';
  }
}

export interface Source {
  readonly format: 'csv' | 'xlsx';
  /** The encoding a CSV was read in (null for XLSX). */
  readonly encoding: string | null;
  readonly totalBytes: number;
  bytesRead(): number;
  /** Whether text that could not be decoded (U+FFFD) has been seen so far. */
  sawUndecodable(): boolean;
  /** Rows in file order, blank rows left out, in batches as they are read. */
  batches(): AsyncGenerator<SheetRow[]>;
  close(): void;
}

const SAMPLE_BYTES = 64 * 1024;
const CHUNK_BYTES = 1 << 20;

type Sniffed = { format: 'xlsx' } | { format: 'csv'; encoding: string };

async function readAt(fd: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fd.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

const startsWith = (buf: Buffer, ...bytes: number[]): boolean => bytes.every((b, i) => buf[i] === b);

/** Not a spreadsheet: a name for what it seems to be instead. */
function knownBinary(head: Buffer): string | undefined {
  if (startsWith(head, 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return 'an old Excel 97–2003 (.xls) or other legacy Office file: save it as .xlsx or as CSV';
  if (startsWith(head, 0x25, 0x50, 0x44, 0x46)) return 'a PDF document';
  if (startsWith(head, 0x89, 0x50, 0x4e, 0x47)) return 'a PNG image';
  if (startsWith(head, 0xff, 0xd8, 0xff)) return 'a JPEG image';
  if (startsWith(head, 0x47, 0x49, 0x46, 0x38)) return 'a GIF image';
  if (startsWith(head, 0x1f, 0x8b)) return 'a gzip archive';
  if (startsWith(head, 0x52, 0x61, 0x72, 0x21)) return 'a RAR archive';
  if (startsWith(head, 0x37, 0x7a, 0xbc, 0xaf)) return 'a 7-Zip archive';
  if (startsWith(head, 0x50, 0x4b, 0x05, 0x06)) return 'an empty ZIP archive';
  return undefined;
}

/** Length of `buf` without an incomplete UTF-8 sequence cut off at its end. */
function utf8CompleteLength(buf: Buffer): number {
  for (let k = 1; k <= Math.min(3, buf.length); k++) {
    const b = buf[buf.length - k]!;
    if ((b & 0xc0) === 0x80) continue;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > k ? buf.length - k : buf.length;
    }
    return buf.length;
  }
  return buf.length;
}

function isUtf8(sample: Buffer, whole: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(whole ? sample : sample.subarray(0, utf8CompleteLength(sample)));
    return true;
  } catch {
    return false;
  }
}

const EAST_ASIAN = new Set(['GB18030', 'Big5', 'Shift_JIS', 'EUC-JP', 'EUC-KR']);

function sniffText(sample: Buffer, whole: boolean, nonUtf8?: string): Sniffed {
  if (startsWith(sample, 0xef, 0xbb, 0xbf)) return { format: 'csv', encoding: 'UTF-8' };
  if (startsWith(sample, 0xff, 0xfe)) return { format: 'csv', encoding: 'UTF-16LE' };
  if (startsWith(sample, 0xfe, 0xff)) return { format: 'csv', encoding: 'UTF-16BE' };
  if (startsWith(sample, 0x84, 0x31, 0x95, 0x33)) return { format: 'csv', encoding: 'GB18030' };
  // UTF-16 without a BOM: every other byte of ASCII text is zero.
  let zeroEven = 0, zeroOdd = 0;
  const n = Math.min(sample.length, 4096) & ~1;
  for (let i = 0; i < n; i += 2) { if (sample[i] === 0) zeroEven++; if (sample[i + 1] === 0) zeroOdd++; }
  if (n >= 8 && zeroOdd > n * 0.2 && zeroEven === 0) return { format: 'csv', encoding: 'UTF-16LE' };
  if (n >= 8 && zeroEven > n * 0.2 && zeroOdd === 0) return { format: 'csv', encoding: 'UTF-16BE' };
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const b = sample[i]!;
    if (b === 0) throw new FileRefused('not a CSV or XLSX spreadsheet: the file holds binary data (NUL bytes)');
    if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) control++;
  }
  if (control > sample.length * 0.01) throw new FileRefused('not a CSV or XLSX spreadsheet: the file holds binary data, not text');
  if (isUtf8(sample, whole)) return { format: 'csv', encoding: 'UTF-8' };
  if (nonUtf8) return { format: 'csv', encoding: nonUtf8 };
  const top = chardet.analyse(sample)[0];
  const encoding = top && top.confidence >= 50 && EAST_ASIAN.has(top.name) ? top.name : 'GB18030';
  return { format: 'csv', encoding };
}

async function sniff(fd: fs.promises.FileHandle, size: number, nonUtf8?: string): Promise<Sniffed> {
  if (size === 0) throw new FileRefused('the file is empty');
  const head = await readAt(fd, 0, Math.min(size, SAMPLE_BYTES));
  const binary = knownBinary(head);
  if (binary) throw new FileRefused(`not a CSV or XLSX spreadsheet: this is ${binary}`);
  if (startsWith(head, 0x50, 0x4b, 0x03, 0x04)) {
    // The central directory at the end of the ZIP names every entry.
    const tailStart = Math.max(0, size - SAMPLE_BYTES);
    const names = (tailStart === 0 ? head : await readAt(fd, tailStart, size - tailStart)).toString('latin1') + head.toString('latin1');
    if (names.includes('xl/workbook.xml') || names.includes('xl/worksheets/')) return { format: 'xlsx' };
    if (names.includes('word/')) throw new FileRefused('not a CSV or XLSX spreadsheet: this is a Word document (.docx)');
    if (names.includes('ppt/')) throw new FileRefused('not a CSV or XLSX spreadsheet: this is a PowerPoint file (.pptx)');
    if (names.includes('opendocument.spreadsheet')) throw new FileRefused('not a CSV or XLSX spreadsheet: this is an OpenDocument spreadsheet (.ods); save it as .xlsx or CSV');
    throw new FileRefused('not a CSV or XLSX spreadsheet: this is a ZIP archive without a workbook in it');
  }
  return sniffText(head, head.length === size, nonUtf8);
}

export interface SourceOptions {
  /**
   * The encoding of a CSV that is not UTF-8, instead of guessing among the East Asian encodings
   * (short Chinese texts are often guessed as EUC-KR): e.g. GB18030 for feeds from Chinese
   * government departments.
   */
  nonUtf8?: string;
}

export async function openSource(filePath: string, opts: SourceOptions = {}): Promise<Source> {
  let fd: fs.promises.FileHandle;
  try {
    fd = await fs.promises.open(filePath, 'r');
  } catch (err) {
    throw new FileRefused(`cannot read the file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let sniffed: Sniffed;
  let size: number;
  try {
    const stat = await fd.stat();
    if (!stat.isFile()) throw new FileRefused('cannot read the file: not a regular file');
    size = stat.size;
    sniffed = await sniff(fd, size, opts.nonUtf8);
  } finally {
    await fd.close();
  }
  if (sniffed.format === 'xlsx') {
    const problem = await zipProblem(filePath);
    if (problem) throw new FileRefused(`the XLSX file is damaged and cannot be read: ${problem}`);
    return xlsxSource(filePath, size);
  }
  return csvSource(filePath, size, sniffed.encoding);
}

// ---- CSV -----------------------------------------------------------------------------------

interface TextDecoderLike { write(buf: Buffer): string; end(): string }

function decoderFor(encoding: string): TextDecoderLike {
  if (encoding === 'UTF-8') {
    const d = new TextDecoder('utf-8');
    return { write: (buf) => d.decode(buf, { stream: true }), end: () => d.decode() };
  }
  const d = iconv.getDecoder(encoding);
  return { write: (buf) => d.write(buf), end: () => d.end() ?? '' };
}

const isBlank = (cells: readonly string[]): boolean => cells.every((c) => c.trim() === '');

function csvSource(filePath: string, totalBytes: number, encoding: string): Source {
  let bytes = 0;
  let undecodable = false;
  let stream: fs.ReadStream | undefined;
  return {
    format: 'csv', encoding, totalBytes,
    bytesRead: () => bytes,
    sawUndecodable: () => undecodable,
    close: () => { stream?.destroy(); },
    async *batches() {
      stream = fs.createReadStream(filePath, { highWaterMark: CHUNK_BYTES });
      const decoder = decoderFor(encoding);
      let parser: CsvParser | undefined;
      let row = 0;
      const records: Array<{ cells: string[]; error?: SheetRow['error'] }> = [];
      const take = (): SheetRow[] => {
        const out: SheetRow[] = [];
        for (const r of records) {
          row++;
          if (!r.error && isBlank(r.cells)) continue;
          out.push(r.error ? { row, cells: r.cells, error: r.error } : { row, cells: r.cells });
        }
        records.length = 0;
        return out;
      };
      const feed = (text: string): void => {
        if (text.length === 0) return;
        if (!undecodable && text.includes('\uFFFD')) undecodable = true;
        parser ??= new CsvParser(sniffDelimiter(text));
        parser.feed(text, records);
      };
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        feed(decoder.write(chunk));
        const out = take();
        if (out.length > 0) yield out;
        if (out.at(-1)?.error?.fatal) return;
      }
      feed(decoder.end());
      parser?.finish(records);
      const out = take();
      if (out.length > 0) yield out;
    },
  };
}

// ---- XLSX ----------------------------------------------------------------------------------

const SAFE = 2 ** 53;

function dateText(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  const iso = d.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** The text of an exceljs cell value; `lossy` when it was a number too long to be exact. */
function cellText(v: unknown): { text: string; lossy: boolean } {
  if (v === null || v === undefined) return { text: '', lossy: false };
  if (typeof v === 'string') return { text: v, lossy: false };
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) >= 1e15) {
      return { text: Math.abs(v) < SAFE ? String(v) : BigInt(v).toString(), lossy: true };
    }
    return { text: String(v), lossy: false };
  }
  if (typeof v === 'boolean') return { text: v ? 'TRUE' : 'FALSE', lossy: false };
  if (v instanceof Date) return { text: dateText(v), lossy: false };
  if (typeof v === 'object') {
    const o = v as { richText?: Array<{ text?: string }>; text?: unknown; result?: unknown; error?: string; formula?: string; sharedString?: number };
    if (o.sharedString !== undefined) throw new Error('its shared strings are missing');
    if (Array.isArray(o.richText)) return { text: o.richText.map((r) => r.text ?? '').join(''), lossy: false };
    if ('result' in o || 'formula' in o) return cellText(o.result);
    if (o.text !== undefined) return cellText(o.text);
    if (typeof o.error === 'string') return { text: o.error, lossy: false };
  }
  return { text: String(v), lossy: false };
}

const XLSX_BATCH = 2000;
/** exceljs' streaming reader now and then loses ZIP entries (a race in its unzip stream); read again. */
const XLSX_ATTEMPTS = 3;

class NoWorksheet extends Error {}
class Stalled extends Error {}

/** Reading has made no progress (no bytes, no rows) for this long: the reader is stuck. */
export const STALL_MS = 60_000;

/** Passes the batches on; fails when the reader stops making progress while being waited for. */
export async function* watched(gen: AsyncGenerator<SheetRow[]>, progress: () => number, stallMs = STALL_MS): AsyncGenerator<SheetRow[]> {
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      let last = progress();
      const stall = new Promise<never>((_, reject) => {
        const tick = (): void => {
          const now = progress();
          if (now === last) reject(new Stalled('the XLSX file cannot be read: the reader stopped making progress (a damaged or unusual workbook)'));
          else { last = now; timer = setTimeout(tick, stallMs); }
        };
        timer = setTimeout(tick, stallMs);
      });
      try {
        const next = await Promise.race([gen.next(), stall]);
        if (next.done) return;
        yield next.value;
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    // Closing a reader stuck in an await would wait forever: only close one that is idle.
    void gen.return(undefined).catch(() => undefined);
  }
}

function xlsxSource(filePath: string, totalBytes: number): Source {
  let bytes = 0;
  let input: fs.ReadStream | undefined;

  async function* readOnce(): AsyncGenerator<SheetRow[]> {
    bytes = 0;
    input = fs.createReadStream(filePath, { highWaterMark: CHUNK_BYTES });
    input.on('data', (chunk) => { bytes += chunk.length; });
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
      worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'ignore',
    });
    let first = true;
    try {
      for await (const sheet of reader) {
        // Later sheets are read through and dropped: leaving one unread makes exceljs delete the
        // temporary file it buffered the sheet in while a stream still opens it (an unhandled error).
        if (!first) { for await (const _ of sheet) { /* skipped */ } continue; }
        first = false;
        let out: SheetRow[] = [];
        for await (const r of sheet) {
          const values = r.values as unknown[];
          const cells: string[] = [];
          let lossy: number[] | undefined;
          let blank = true;
          for (let c = 1; c < values.length; c++) {
            const { text, lossy: l } = cellText(values[c]);
            cells.push(text);
            if (text.trim() !== '') blank = false;
            if (l) (lossy ??= []).push(c - 1);
          }
          if (blank) continue;
          out.push(lossy ? { row: r.number, cells, lossy } : { row: r.number, cells });
          if (out.length >= XLSX_BATCH) { yield out; out = []; }
        }
        if (out.length > 0) yield out;
      }
      if (first) throw new NoWorksheet('the XLSX file has no worksheet');
    } finally {
      input.destroy();
    }
  }

  return {
    format: 'xlsx', encoding: null, totalBytes,
    bytesRead: () => bytes,
    sawUndecodable: () => false,
    close: () => { input?.destroy(); },
    async *batches() {
      for (let attempt = 1; ; attempt++) {
        let yielded = false;
        try {
          for await (const batch of watched(readOnce(), () => bytes)) { yielded = true; yield batch; }
          return;
        } catch (err) {
          if (err instanceof FileRefused || err instanceof Stalled) { input?.destroy(); throw err instanceof Stalled ? new FileRefused(err.message) : err; }
          if (!yielded && attempt < XLSX_ATTEMPTS) continue;
          if (err instanceof NoWorksheet) throw new FileRefused(err.message);
          throw new FileRefused(`the XLSX file is damaged and cannot be read (${(err as Error).message})`);
        }
      }
    },
  };
}
