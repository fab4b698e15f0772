/** Checks every kind of row goes through before its own fields are read. */
import type { ImportKind } from '@minsheng/contracts';
import { COLUMNS, type HeaderMap } from './headers.ts';
import { Problem } from './fields.ts';
import type { SheetRow } from './source.ts';
import type { RowReject } from './types.ts';

/** The field name for a 0-based column: the registry field if the column is known, else its position. */
export function fieldOfColumn(header: HeaderMap, column: number): string {
  for (const [field, i] of header.columns) if (i === column) return field;
  return `column ${column + 1}`;
}

export const reject = (r: SheetRow, field: string, message: string): RowReject => ({ row: r.row, field, message, cells: r.cells });

/**
 * Structural problems of a row: a broken CSV record, more cells than the header has (usually an
 * unquoted comma in a value), text that could not be decoded in the file's encoding.
 */
export function precheck(r: SheetRow, header: HeaderMap, headerWidth: number, encoding: string | null, undecodable: boolean): RowReject | undefined {
  if (r.error) return reject(r, fieldOfColumn(header, r.error.column), `malformed CSV: ${r.error.message}`);
  if (encoding !== null && r.cells.length > headerWidth) {
    for (let i = headerWidth; i < r.cells.length; i++) {
      if (r.cells[i]!.trim() !== '') {
        return reject(r, fieldOfColumn(header, headerWidth - 1), `the row has ${r.cells.length} cells but the header has ${headerWidth} columns: a comma inside a value must be enclosed in double quotes`);
      }
    }
  }
  if (undecodable) {
    for (const [field, i] of header.columns) {
      if (r.cells[i]?.includes('\uFFFD')) {
        return reject(r, field, `contains bytes that are not valid ${encoding ?? 'text'}: the file mixes encodings; save it again as UTF-8 (or GB18030) as a whole`);
      }
    }
  }
  return undefined;
}

/** Reads the cells of the known columns of a row. */
export class Cells {
  private readonly index: Record<string, number | undefined>;
  constructor(kind: ImportKind, header: HeaderMap) {
    this.index = Object.fromEntries(COLUMNS[kind].map((s) => [s.field, header.columns.get(s.field)]));
  }
  has(field: string): boolean { return this.index[field] !== undefined; }
  /** The trimmed cell, or null when empty or the column is absent. */
  get(r: SheetRow, field: string): string | null {
    const i = this.index[field];
    if (i === undefined) return null;
    const v = r.cells[i];
    if (v === undefined) return null;
    const t = v.trim();
    return t === '' ? null : t;
  }
  lossy(r: SheetRow, field: string): boolean {
    const i = this.index[field];
    return i !== undefined && r.lossy !== undefined && r.lossy.includes(i);
  }
}

/** Thrown inside a row check to reject the row; caught once per row. */
export class RowProblem {
  constructor(readonly field: string, readonly message: string) {}
}

/** The value, or a RowProblem naming the field. */
export function must<T>(field: string, v: T | Problem): T {
  if (v instanceof Problem) throw new RowProblem(field, v.message);
  return v;
}
