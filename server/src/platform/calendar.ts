/**
 * China's official working-day calendar (工作日). Sources, in order: an administrator's override
 * loaded from the State Council notice (table calendar_override), then the chinese-days package
 * for the years it covers, then, for a year nobody has loaded, the statutory fixed holidays of
 * 《全国年节及纪念日放假办法》 (2024 revision) with a warning, because the adjusted working days
 * (调休) of such a year are unknown. Without this last step the package would call 2027-01-01 a
 * working day.
 */
import chineseDays from 'chinese-days';
import official from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import type { Queryable } from './db.ts';

export type DayKind = 'weekday' | 'weekend' | 'holiday' | 'adjusted-workday';
export type DaySource = 'override' | 'official' | 'statutory-fallback';

export interface CalendarDay {
  date: string;
  workday: boolean;
  kind: DayKind;
  source: DaySource;
  /** Holiday or notice name, when there is one (e.g. 春节). */
  name?: string;
  /** Set when the day's status is a guess (a year without official data). */
  warning?: string;
}

export interface CalendarOverride { day: string; workday: boolean; name: string; source: string }

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const officialData = official as { holidays: Record<string, string>; workdays: Record<string, string> };

/** Years the package has an official notice for. */
export const OFFICIAL_YEARS: ReadonlySet<number> = new Set(
  [...Object.keys(officialData.holidays), ...Object.keys(officialData.workdays)].map((d) => Number(d.slice(0, 4))));

const isWeekend = (date: string): boolean => {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return dow === 0 || dow === 6;
};
const holidayName = (raw: string | undefined): string | undefined => raw?.split(',')[1];

const statutoryCache = new Map<number, Map<string, string>>();
/** The statutory fixed holidays of a year: 元旦 1, 春节 4 (除夕 to 初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3. */
export function statutoryHolidays(year: number): Map<string, string> {
  const cached = statutoryCache.get(year);
  if (cached) return cached;
  const days = new Map<string, string>();
  const add = (date: string, name: string, count = 1): void => {
    const d = new Date(`${date}T00:00:00Z`);
    for (let i = 0; i < count; i++) { days.set(d.toISOString().slice(0, 10), name); d.setUTCDate(d.getUTCDate() + 1); }
  };
  add(`${year}-01-01`, '元旦');
  const springFestival = chineseDays.getSolarDateFromLunar(`${year}-01-01`).date;
  const eve = new Date(`${springFestival}T00:00:00Z`);
  eve.setUTCDate(eve.getUTCDate() - 1);
  add(eve.toISOString().slice(0, 10), '春节', 4);
  const qingming = chineseDays.getSolarTerms(`${year}-04-01`, `${year}-04-10`).find((t) => t.term === 'pure_brightness');
  if (qingming) add(qingming.date, '清明节');
  add(`${year}-05-01`, '劳动节', 2);
  add(chineseDays.getSolarDateFromLunar(`${year}-05-05`).date, '端午节');
  add(chineseDays.getSolarDateFromLunar(`${year}-08-15`).date, '中秋节');
  add(`${year}-10-01`, '国庆节', 3);
  statutoryCache.set(year, days);
  return days;
}

/** The day as the official sources say, without administrator overrides. */
export function officialDay(date: string): CalendarDay {
  if (!ISO_DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw new RangeError(`not a date: ${date}`);
  const year = Number(date.slice(0, 4));
  const weekend = isWeekend(date);
  if (OFFICIAL_YEARS.has(year)) {
    const holiday = officialData.holidays[date];
    if (holiday !== undefined) return { date, workday: false, kind: 'holiday', source: 'official', ...(holidayName(holiday) ? { name: holidayName(holiday) } : {}) };
    const adjusted = officialData.workdays[date];
    if (adjusted !== undefined) return { date, workday: true, kind: 'adjusted-workday', source: 'official', ...(holidayName(adjusted) ? { name: holidayName(adjusted) } : {}) };
    return { date, workday: !weekend, kind: weekend ? 'weekend' : 'weekday', source: 'official' };
  }
  const warning = `${year}年的国务院放假通知尚未载入，按法定节假日推算，调休未计入 (no official notice loaded for ${year}: statutory holidays only, adjusted working days unknown)`;
  const statutory = statutoryHolidays(year).get(date);
  if (statutory !== undefined) return { date, workday: false, kind: 'holiday', source: 'statutory-fallback', name: statutory, warning };
  return { date, workday: !weekend, kind: weekend ? 'weekend' : 'weekday', source: 'statutory-fallback', warning };
}

function fromOverride(date: string, o: CalendarOverride): CalendarDay {
  const weekend = isWeekend(date);
  const kind: DayKind = o.workday ? (weekend ? 'adjusted-workday' : 'weekday') : (weekend ? 'weekend' : 'holiday');
  return { date, workday: o.workday, kind, source: 'override', ...(o.name ? { name: o.name } : {}) };
}

/** The day, with administrator overrides applied. */
export async function calendarDay(db: Queryable, date: string): Promise<CalendarDay> {
  const base = officialDay(date);
  const [o] = await db.query<CalendarOverride>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, workday, name, source FROM calendar_override WHERE day = $1::date`, [date]);
  return o ? fromOverride(date, o) : base;
}

/** Days from `from` to `to` inclusive, overrides applied, in one query. */
export async function calendarRange(db: Queryable, from: string, to: string): Promise<CalendarDay[]> {
  const rows = await db.query<CalendarOverride>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, workday, name, source FROM calendar_override WHERE day BETWEEN $1::date AND $2::date`, [from, to]);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const out: CalendarDay[] = [];
  const d = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (d <= end) {
    const date = d.toISOString().slice(0, 10);
    const o = byDay.get(date);
    out.push(o ? fromOverride(date, o) : officialDay(date));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** China Standard Time date of an instant (working days are days in Beijing, not in UTC). */
export const beijingDate = (at: Date): string => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * The date `n` working days after `from` (a date): n = 1 is the next working day. Used for SLAs
 * such as "answer within 5 working days".
 */
export async function addWorkingDays(db: Queryable, from: string, n: number): Promise<string> {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number >= 0, got ${n}`);
  if (n === 0) return from;
  const start = new Date(`${from}T00:00:00Z`);
  start.setUTCDate(start.getUTCDate() + 1);
  // Long holidays are at most ~9 days; 2n + 30 calendar days always hold n working days.
  const end = new Date(start);
  end.setUTCDate(end.getUTCDate() + 2 * n + 30);
  const days = await calendarRange(db, start.toISOString().slice(0, 10), end.toISOString().slice(0, 10));
  let left = n;
  for (const day of days) if (day.workday && --left === 0) return day.date;
  throw new Error(`no ${n} working days found after ${from}`);
}
