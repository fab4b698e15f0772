/**
 * One feed row -> a stored record, or the field that is wrong. Cells are read with the registry
 * import's parsers (dates as people type them, IDs damaged by spreadsheets, full-width digits).
 */
import { checkCitizenId } from '@minsheng/contracts';
import * as f from '../imports/fields.ts';
import type { HeaderMap } from '../imports/headers.ts';
import type { SheetRow } from '../imports/source.ts';
import { FEEDS, type FeedType } from './feeds.ts';

export interface FeedRecord {
  row: number;
  citizenId: string | null;
  name: string | null;
  birthDate: string | null;
  regionCode: string | null;
  eventDate: string;
  data: Record<string, unknown>;
}

export interface FeedReject { row: number; field: string; message: string }

class Bad { constructor(readonly field: string, readonly message: string) {} }

/** Defaults for optional fields the stored schema needs. */
const DEFAULTS: Partial<Record<FeedType, Record<string, unknown>>> = {
  medical: { hospital: null }, unemployment: { kind: 'registered' }, 'real-estate': { area: null },
};

export class FeedRowParser {
  private readonly def;
  /** Duplicates in the file: the normalised record -> the first row it was on. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly type: FeedType, private readonly header: HeaderMap, private readonly excelSerials: boolean, private readonly todayIso: string) {
    this.def = FEEDS[type];
  }

  private cell(r: SheetRow, field: string): string | null {
    const i = this.header.columns.get(field);
    if (i === undefined) return null;
    const v = r.cells[i]?.trim();
    return v ? v : null;
  }

  private lossy(r: SheetRow, field: string): boolean {
    const i = this.header.columns.get(field);
    return i !== undefined && (r.lossy?.includes(i) ?? false);
  }

  parse(r: SheetRow): FeedRecord | FeedReject {
    try {
      return this.read(r);
    } catch (e) {
      if (e instanceof Bad) return { row: r.row, field: e.field, message: e.message };
      throw e;
    }
  }

  private must<T>(field: string, v: T | f.Problem): T {
    if (v instanceof f.Problem) throw new Bad(field, v.message);
    return v;
  }

  private read(r: SheetRow): FeedRecord {
    const rawId = this.cell(r, 'citizenId');
    let citizenId: string | null = null;
    let idBirth: string | null = null;
    if (rawId !== null) {
      const id = this.must('citizenId', f.citizenId(rawId, this.lossy(r, 'citizenId')));
      const check = checkCitizenId(id);
      if (!check.ok) throw new Bad('citizenId', `citizen ID ${id}: ${check.message}`);
      citizenId = id;
      idBirth = check.birthDate;
    }
    const rawName = this.cell(r, 'name');
    const name = rawName === null ? null : this.must('name', f.limitedText(rawName, 50, 'the name'));
    const rawBirth = this.cell(r, 'birthDate');
    let birthDate = rawBirth === null ? idBirth : this.must('birthDate', f.date(rawBirth, this.excelSerials));
    if (birthDate !== null && idBirth !== null && birthDate !== idBirth) {
      throw new Bad('birthDate', `birth date ${birthDate} does not agree with the citizen ID (${idBirth})`);
    }
    birthDate ??= idBirth;
    const rawRegion = this.cell(r, 'regionCode');
    const regionCode = rawRegion === null ? null : this.must('regionCode', f.regionCode(rawRegion));
    if (citizenId === null && (name === null || birthDate === null || regionCode === null)) {
      throw new Bad('citizenId', 'the citizen ID is empty, and name + birth date + region (all three) are needed to match the row instead');
    }
    const data: Record<string, unknown> = { ...DEFAULTS[this.type] };
    for (const d of this.def.fields) {
      const raw = this.cell(r, d.spec.field);
      if (raw === null) {
        if (d.spec.required) throw new Bad(d.spec.field, `${d.spec.label} (${d.spec.field}) is empty`);
        continue;
      }
      const v = d.parse(raw, this.excelSerials);
      if (v instanceof f.Problem) throw new Bad(d.spec.field, v.message);
      if (d.notFuture && typeof v === 'string' && v > this.todayIso) throw new Bad(d.spec.field, `${d.spec.label} ${v} is in the future`);
      data[d.spec.field] = v;
    }
    const checked = this.def.schema.safeParse(data);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const field = issue?.path.join('.') || 'row';
      throw new Bad(field, issue?.message.replace(/^\w+: /, '') ?? 'invalid');
    }
    const key = JSON.stringify([citizenId ?? `${name}|${birthDate}|${regionCode}`, data]);
    const first = this.seen.get(key);
    if (first !== undefined) throw new Bad(citizenId ? 'citizenId' : 'name', `duplicate of row ${first} in the same file`);
    this.seen.set(key, r.row);
    return { row: r.row, citizenId, name, birthDate, regionCode, eventDate: data[this.def.dateField] as string, data: checked.data as Record<string, unknown> };
  }
}

export const isReject = (x: FeedRecord | FeedReject): x is FeedReject => 'message' in x;
