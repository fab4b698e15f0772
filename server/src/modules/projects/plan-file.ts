/**
 * The one file format of the task list (CSV or XLSX, the same columns): what `projects export`
 * writes and `projects import` reads, so an exported file imports without changing anything.
 * Parsing is pure: it checks every cell against the plan's categories, departments, districts
 * and sources and names the row and field of every error; nothing is stored here.
 */
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import { AppError } from '../../platform/errors.ts';

export const MAX_TARGETS = 6;
const TARGET_FIELDS = ['key', 'label', 'value', 'unit', 'at_least'] as const;
export const COLUMNS: readonly string[] = [
  'code', 'category', 'project_code', 'project_title', 'project_official', 'title', 'lead_department',
  'co_lead_departments', 'districts', 'planned_start', 'planned_end', 'weight',
  ...Array.from({ length: MAX_TARGETS }, (_, i) => TARGET_FIELDS.map((f) => `t${i + 1}_${f}`)).flat(),
  'milestones', 'description', 'source', 'source_quote',
];

export interface PlanTarget { key: string; label: string; unit: string; target: number; atLeast: boolean }
export interface PlanMilestone { title: string; plannedDate: string | null; weight: number }
export interface PlanRow {
  code: string; category: string; projectCode: string; projectTitle: string; projectOfficial: boolean;
  title: string; leadDepartment: string; coLead: string[]; districts: string[];
  plannedStart: string | null; plannedEnd: string | null; weight: number;
  targets: PlanTarget[]; milestones: PlanMilestone[]; description: string | null; source: string; sourceQuote: string | null;
}

/** What a file is checked against. */
export interface PlanLookup {
  categories: ReadonlySet<string>;
  sources: ReadonlySet<string>;
  /** code, short name and full name → code */
  departments: ReadonlyMap<string, string>;
  departmentName: ReadonlyMap<string, string>;
  /** district name and code → code */
  districts: ReadonlyMap<string, string>;
  districtName: ReadonlyMap<string, string>;
}

export interface RowError { row: number; field: string; message: string }

const LIST_SPLIT = /[、;；,，]/;
const isDate = (v: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
const NUMBER = /^\d+(\.\d+)?$/;

/** Reads the cells of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file into header-keyed records. */
export async function readPlanFile(buf: Buffer, name: string): Promise<Array<Record<string, string>>> {
  const isXlsx = buf.subarray(0, 2).toString('latin1') === 'PK' || /\.xlsx$/i.test(name);
  let rows: string[][];
  if (isXlsx) {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(buf as unknown as ArrayBuffer);
    } catch {
      throw new AppError('unsupported_media', 'file: not a readable XLSX workbook', { field: 'file' });
    }
    const ws = wb.worksheets[0];
    if (!ws) throw new AppError('validation', 'file: the workbook has no sheet', { field: 'file' });
    rows = [];
    ws.eachRow({ includeEmpty: true }, (r, n) => {
      const cells: string[] = [];
      for (let c = 1; c <= Math.max(r.cellCount, COLUMNS.length); c += 1) cells.push(cellText(r.getCell(c).value));
      rows[n - 1] = cells;
    });
    for (let i = 0; i < rows.length; i += 1) rows[i] ??= [];
  } else {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      text = iconv.decode(buf, 'gb18030');
    }
    try {
      rows = parseCsv(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: false }) as string[][];
    } catch (err) {
      throw new AppError('validation', `file: not a readable CSV (${(err as Error).message})`, { field: 'file' });
    }
  }
  const header = (rows[0] ?? []).map((h) => h.trim());
  const missing = COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new AppError('validation', `header: missing column(s) ${missing.join(', ')}`, { field: 'header', row: 1 });
  return rows.slice(1).map((cells) => Object.fromEntries(header.map((h, i) => [h, (cells[i] ?? '').trim()])));
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('text' in v) return String(v.text);
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    return '';
  }
  return String(v);
}

/**
 * Checks every record; answers the rows when all are valid, else every error with its row
 * (spreadsheet numbering: the header is row 1) and field.
 */
export function parsePlanRows(records: Array<Record<string, string>>, lookup: PlanLookup): { rows: PlanRow[]; errors: RowError[] } {
  const rows: PlanRow[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  records.forEach((rec, i) => {
    const row = i + 2;
    if (Object.values(rec).every((v) => v === '')) return; // blank line
    const err = (field: string, message: string): void => { errors.push({ row, field, message }); };
    const code = rec.code ?? '';
    if (!/^[a-z0-9-]{2,40}$/.test(code)) err('code', 'expected 2–40 lowercase letters, digits or hyphens');
    else if (seen.has(code)) err('code', `duplicate of row ${seen.get(code)}`);
    else seen.set(code, row);
    const category = rec.category ?? '';
    if (!lookup.categories.has(category)) err('category', `unknown category "${category}" (expected one of ${[...lookup.categories].join(', ')})`);
    const projectCode = rec.project_code ?? '';
    if (!/^[a-z0-9-]{2,40}$/.test(projectCode)) err('project_code', 'expected 2–40 lowercase letters, digits or hyphens');
    const projectTitle = rec.project_title ?? '';
    if (projectTitle.length < 2 || projectTitle.length > 100) err('project_title', 'expected 2–100 characters');
    const projectOfficial = yesNo(rec.project_official ?? '', 'project_official', err);
    const title = rec.title ?? '';
    if (title.length < 2 || title.length > 200) err('title', 'expected 2–200 characters');
    const leadName = rec.lead_department ?? '';
    const leadDepartment = lookup.departments.get(leadName);
    if (leadName === '') err('lead_department', 'missing: every task needs its lead department (牵头部门)');
    else if (!leadDepartment) err('lead_department', `unknown department "${leadName}"`);
    const coLead: string[] = [];
    for (const n of splitList(rec.co_lead_departments ?? '')) {
      const c = lookup.departments.get(n);
      if (!c) err('co_lead_departments', `unknown department "${n}"`);
      else coLead.push(c);
    }
    const districts: string[] = [];
    for (const n of splitList(rec.districts ?? '')) {
      const c = lookup.districts.get(n);
      if (!c) err('districts', `unknown district "${n}" (use names such as 和平区, or 12-digit codes; empty = 全市)`);
      else districts.push(c);
    }
    const plannedStart = optDate(rec.planned_start ?? '', 'planned_start', err);
    const plannedEnd = optDate(rec.planned_end ?? '', 'planned_end', err);
    if (plannedStart && plannedEnd && plannedEnd < plannedStart) err('planned_end', 'before planned_start');
    const weightText = rec.weight === '' || rec.weight === undefined ? '1' : rec.weight;
    const weight = Number(weightText);
    if (!NUMBER.test(weightText) || !(weight > 0)) err('weight', `expected a positive number, got "${weightText}"`);
    const targets: PlanTarget[] = [];
    for (let t = 1; t <= MAX_TARGETS; t += 1) {
      const f = (k: string): string => rec[`t${t}_${k}`] ?? '';
      if (TARGET_FIELDS.every((k) => f(k) === '')) continue;
      const key = f('key');
      if (!/^[a-z0-9-]{1,30}$/.test(key)) err(`t${t}_key`, 'expected 1–30 lowercase letters, digits or hyphens');
      else if (targets.some((x) => x.key === key)) err(`t${t}_key`, `duplicate target key "${key}"`);
      if (f('label') === '') err(`t${t}_label`, 'missing');
      if (f('unit') === '') err(`t${t}_unit`, 'missing');
      const value = f('value');
      if (!NUMBER.test(value)) err(`t${t}_value`, `expected a number, got "${value}"`);
      const atLeast = yesNo(f('at_least'), `t${t}_at_least`, err);
      targets.push({ key, label: f('label'), unit: f('unit'), target: Number(value), atLeast });
    }
    const milestones: PlanMilestone[] = [];
    for (const part of (rec.milestones ?? '').split('|').map((s) => s.trim()).filter(Boolean)) {
      const m = /^(.+?)(?:@(\d{4}-\d{2}-\d{2}))?(?:\*(\d+(?:\.\d+)?))?$/.exec(part);
      if (!m || (m[2] && !isDate(m[2]))) { err('milestones', `"${part}": expected "title@YYYY-MM-DD*weight" (date and weight optional), items separated by |`); continue; }
      milestones.push({ title: m[1]!.trim(), plannedDate: m[2] ?? null, weight: m[3] ? Number(m[3]) : 1 });
    }
    const source = rec.source ?? '';
    if (!lookup.sources.has(source)) err('source', `unknown source "${source}" (expected one of ${[...lookup.sources].join(', ')})`);
    rows.push({
      code, category, projectCode, projectTitle, projectOfficial, title, leadDepartment: leadDepartment ?? '', coLead, districts,
      plannedStart, plannedEnd, weight, targets, milestones, description: rec.description || null, source, sourceQuote: rec.source_quote || null,
    });
  });
  if (rows.length === 0 && errors.length === 0) errors.push({ row: 2, field: 'code', message: 'the file has no task rows' });
  return errors.length > 0 ? { rows: [], errors } : { rows, errors };
}

const splitList = (v: string): string[] => v.split(LIST_SPLIT).map((s) => s.trim()).filter(Boolean);

function yesNo(v: string, field: string, err: (f: string, m: string) => void): boolean {
  if (v === '' || v === 'no' || v === '否') return false;
  if (v === 'yes' || v === '是') return true;
  err(field, `expected yes or no, got "${v}"`);
  return false;
}

function optDate(v: string, field: string, err: (f: string, m: string) => void): string | null {
  if (v === '') return null;
  if (!isDate(v)) { err(field, `expected a date YYYY-MM-DD, got "${v}"`); return null; }
  return v;
}

const fmtNum = (n: number): string => String(n);

/** One row as the file writes it (department and district names, not codes). */
export function planRowCells(r: PlanRow, lookup: PlanLookup): Record<string, string> {
  const out: Record<string, string> = {
    code: r.code, category: r.category, project_code: r.projectCode, project_title: r.projectTitle,
    project_official: r.projectOfficial ? 'yes' : 'no', title: r.title,
    lead_department: lookup.departmentName.get(r.leadDepartment) ?? r.leadDepartment,
    co_lead_departments: r.coLead.map((c) => lookup.departmentName.get(c) ?? c).join('、'),
    districts: r.districts.map((c) => lookup.districtName.get(c) ?? c).join('、'),
    planned_start: r.plannedStart ?? '', planned_end: r.plannedEnd ?? '', weight: fmtNum(r.weight),
    milestones: r.milestones.map((m) => `${m.title}${m.plannedDate ? `@${m.plannedDate}` : ''}*${fmtNum(m.weight)}`).join(' | '),
    description: r.description ?? '', source: r.source, source_quote: r.sourceQuote ?? '',
  };
  for (let t = 1; t <= MAX_TARGETS; t += 1) {
    const x = r.targets[t - 1];
    out[`t${t}_key`] = x?.key ?? ''; out[`t${t}_label`] = x?.label ?? ''; out[`t${t}_value`] = x ? fmtNum(x.target) : '';
    out[`t${t}_unit`] = x?.unit ?? ''; out[`t${t}_at_least`] = x ? (x.atLeast ? 'yes' : 'no') : '';
  }
  return out;
}

export function planCsv(rows: readonly PlanRow[], lookup: PlanLookup): string {
  const body = rows.map((r) => { const c = planRowCells(r, lookup); return COLUMNS.map((k) => c[k] ?? ''); });
  return `\uFEFF${stringifyCsv([COLUMNS as string[], ...body], { record_delimiter: '\r\n' })}`;
}

export async function planXlsx(rows: readonly PlanRow[], lookup: PlanLookup): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('tasks');
  ws.addRow([...COLUMNS]);
  // Every cell is written as text so that codes, dates and figures come back exactly as written.
  for (const r of rows) { const c = planRowCells(r, lookup); ws.addRow(COLUMNS.map((k) => c[k] ?? '')); }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
