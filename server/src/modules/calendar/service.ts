/**
 * Administration of the working-day calendar: an administrator loads a year's State Council
 * notice (国务院办公厅关于…部分节假日安排的通知) as overrides, or corrects a single day. A whole
 * file is checked row by row first and stored in one transaction, or not at all.
 */
import { z } from 'zod';
import { calendarRange, type CalendarDay, type CalendarOverride } from '../../platform/calendar.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';

export const MAX_RANGE_DAYS = 400;

const isRealDate = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
export const OverrideInput = z.object({
  date: z.string().refine(isRealDate, 'expected a date YYYY-MM-DD'),
  workday: z.boolean(),
  name: z.string().trim().max(50).default(''),
  source: z.string().trim().min(2, 'name the notice the day comes from').max(200),
});
export type OverrideInput = z.infer<typeof OverrideInput>;

export async function calendarBetween(db: Queryable, from: string, to: string): Promise<{ days: CalendarDay[]; warnings: string[] }> {
  if (!isRealDate(from)) throw new AppError('validation', 'from: expected a date YYYY-MM-DD', { field: 'from' });
  if (!isRealDate(to)) throw new AppError('validation', 'to: expected a date YYYY-MM-DD', { field: 'to' });
  const span = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  if (span < 0) throw new AppError('validation', 'to: before from', { field: 'to' });
  if (span >= MAX_RANGE_DAYS) throw new AppError('validation', `to: at most ${MAX_RANGE_DAYS} days from from`, { field: 'to' });
  const days = await calendarRange(db, from, to);
  return { days, warnings: [...new Set(days.flatMap((d) => (d.warning ? [d.warning] : [])))] };
}

export async function listOverrides(db: Queryable, year: number): Promise<Array<CalendarOverride & { createdBy: string; createdAt: string }>> {
  return db.query(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, workday, name, source, created_by AS "createdBy", created_at AS "createdAt"
     FROM calendar_override WHERE day BETWEEN make_date($1, 1, 1) AND make_date($1, 12, 31) ORDER BY day`, [year]);
}

async function upsert(db: Queryable, o: OverrideInput, actor: string): Promise<void> {
  await db.query(
    `INSERT INTO calendar_override (day, workday, name, source, created_by) VALUES ($1::date, $2, $3, $4, $5)
     ON CONFLICT (day) DO UPDATE SET workday = EXCLUDED.workday, name = EXCLUDED.name, source = EXCLUDED.source,
       created_by = EXCLUDED.created_by, created_at = now()`, [o.date, o.workday, o.name, o.source, actor]);
}

export async function setOverride(db: Queryable, o: OverrideInput, actor: string): Promise<void> { await upsert(db, o, actor); }

export async function deleteOverride(db: Queryable, date: string): Promise<boolean> {
  if (!isRealDate(date)) throw new AppError('validation', 'date: expected a date YYYY-MM-DD', { field: 'date' });
  return (await db.query('DELETE FROM calendar_override WHERE day = $1::date RETURNING day', [date])).length > 0;
}

const WORKDAY_WORDS: Record<string, boolean> = {
  true: true, false: false, '1': true, '0': false, yes: true, no: false, workday: true, holiday: false,
  '是': true, '否': false, '班': true, '休': false, '上班': true, '放假': false, '工作日': true, '休息日': false,
};
const HEADERS: Record<string, keyof OverrideInput> = {
  date: 'date', '日期': 'date', workday: 'workday', '是否工作日': 'workday', '上班': 'workday', name: 'name', '名称': 'name', '节日': 'name', source: 'source', '来源': 'source', '文号': 'source',
};

/** Splits CSV text (commas, optional double quotes, a header row) into objects keyed by field. */
export function parseCalendarCsv(text: string): Array<Record<string, string>> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const cells = (line: string): string[] => {
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') { out.push(cur.trim()); cur = ''; } else cur += ch;
    }
    out.push(cur.trim());
    return out;
  };
  const [head, ...rows] = lines;
  if (head === undefined) return [];
  const keys = cells(head).map((h, i) => {
    const k = HEADERS[h.toLowerCase()] ?? HEADERS[h];
    if (!k) throw new AppError('validation', `unknown column "${h}" (expected date, workday, name, source)`, { field: h, row: 1, column: i + 1 });
    return k;
  });
  return rows.map((r) => Object.fromEntries(cells(r).map((v, i) => [keys[i] ?? `extra${i}`, v])));
}

/**
 * Loads rows (from JSON, or CSV parsed above) as overrides: every row is checked, errors name
 * the row (1 = the first data row; CSV adds 1 for its header) and field; then all are stored
 * in one transaction.
 */
export async function importOverrides(db: Db, rows: ReadonlyArray<Record<string, unknown>>, actor: string, opts: { rowOffset?: number } = {}): Promise<{ loaded: number; years: number[] }> {
  if (rows.length === 0) throw new AppError('validation', 'no rows to load', { field: 'rows' });
  if (rows.length > 1000) throw new AppError('validation', 'at most 1000 rows per file', { field: 'rows' });
  const offset = opts.rowOffset ?? 0;
  const seen = new Set<string>();
  const parsed = rows.map((raw, i) => {
    const row = i + 1 + offset;
    const w = raw.workday;
    const workday = typeof w === 'boolean' ? w : WORKDAY_WORDS[String(w ?? '').trim().toLowerCase()];
    if (workday === undefined) throw new AppError('validation', `row ${row}: workday: expected true/false (或 是/否, 班/休), got "${String(w ?? '')}"`, { field: 'workday', row });
    const result = OverrideInput.safeParse({ ...raw, workday, name: raw.name ?? '' });
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue?.path.join('.') || 'row';
      throw new AppError('validation', `row ${row}: ${field}: ${issue?.message ?? 'invalid'}`, { field, row });
    }
    if (seen.has(result.data.date)) throw new AppError('validation', `row ${row}: date: ${result.data.date} appears twice`, { field: 'date', row });
    seen.add(result.data.date);
    return result.data;
  });
  await db.transaction(async (tx) => { for (const o of parsed) await upsert(tx, o, actor); });
  return { loaded: parsed.length, years: [...new Set(parsed.map((o) => Number(o.date.slice(0, 4))))].sort() };
}
