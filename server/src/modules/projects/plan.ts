/**
 * The annual plan as data: the plan file (data/tianjin-YYYY.yaml: headline figures, sources,
 * categories, departments) and the task list (CSV/XLSX, plan-file.ts). Import is all or nothing in
 * one transaction and reports what it created, changed and left unchanged; export writes the same
 * format, so export → import changes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { DATA_DIR } from './settings.ts';
import { parsePlanRows, planCsv, planXlsx, readPlanFile, type PlanLookup, type PlanRow, type RowError } from './plan-file.ts';

const Source = z.object({ title: z.string(), url: z.string().nullable(), publisher: z.string().nullable(), date: z.union([z.string(), z.date()]).nullable() });
const PlanYaml = z.object({
  year: z.number().int(),
  title: z.string(),
  sources: z.record(z.string(), Source),
  headline: z.object({ projects: z.number().int(), tasks: z.number().int(), leadDepartments: z.number().int(), suggestionsCollected: z.number().int(), source: z.string(), quote: z.string() }),
  coverageNote: z.string(),
  coverageNoteEn: z.string(),
  categories: z.array(z.object({ code: z.string(), no: z.number().int(), title: z.string(), officialTaskCount: z.number().int() })),
  departments: z.array(z.object({ code: z.string(), name: z.string(), fullName: z.string() })),
});
export type PlanYaml = z.infer<typeof PlanYaml>;

const dateText = (d: string | Date | null): string | null => (d instanceof Date ? d.toISOString().slice(0, 10) : d);

export function planYaml(year: number): PlanYaml | undefined {
  const file = path.join(DATA_DIR, `tianjin-${year}.yaml`);
  if (!fs.existsSync(file)) return undefined;
  const parsed = PlanYaml.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export const planTasksFile = (year: number): string => path.join(DATA_DIR, `tianjin-${year}-tasks.csv`);

/** Writes the plan's headline, categories and departments (idempotent: changed values are updated). */
export async function storePlanMeta(tx: Queryable, p: PlanYaml): Promise<void> {
  const src = p.sources[p.headline.source];
  if (!src) throw new Error(`plan ${p.year}: headline source ${p.headline.source} is not in sources`);
  const source = { ...src, date: dateText(src.date), quote: p.headline.quote, id: p.headline.source, all: Object.fromEntries(Object.entries(p.sources).map(([k, s]) => [k, { ...s, date: dateText(s.date) }])) };
  const { source: _s, quote: _q, ...headline } = p.headline;
  await tx.query(
    `INSERT INTO project_plan (year, title, headline, source, coverage_note, coverage_note_en) VALUES ($1,$2,$3::jsonb,$4::jsonb,$5,$6)
     ON CONFLICT (year) DO UPDATE SET title = EXCLUDED.title, headline = EXCLUDED.headline, source = EXCLUDED.source,
       coverage_note = EXCLUDED.coverage_note, coverage_note_en = EXCLUDED.coverage_note_en`,
    [p.year, p.title, JSON.stringify(headline), JSON.stringify(source), p.coverageNote.trim(), p.coverageNoteEn.trim()]);
  for (const d of p.departments) {
    await tx.query(`INSERT INTO project_department (code, name, full_name) VALUES ($1,$2,$3)
      ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, full_name = EXCLUDED.full_name`, [d.code, d.name, d.fullName]);
  }
  for (const c of p.categories) {
    await tx.query(`INSERT INTO project_category (plan_year, code, no, title, official_task_count) VALUES ($1,$2,$3,$4,$5)
      ON CONFLICT (plan_year, code) DO UPDATE SET no = EXCLUDED.no, title = EXCLUDED.title, official_task_count = EXCLUDED.official_task_count`,
    [p.year, c.code, c.no, c.title, c.officialTaskCount]);
  }
}

/** The names a file may use, from the database (plan year's categories and sources, departments, districts). */
export async function planLookup(db: Queryable, year: number): Promise<PlanLookup> {
  const cats = await db.query<{ code: string }>('SELECT code FROM project_category WHERE plan_year = $1', [year]);
  const [plan] = await db.query<{ source: { all?: Record<string, unknown> } }>('SELECT source FROM project_plan WHERE year = $1', [year]);
  const deps = await db.query<{ code: string; name: string; full_name: string }>('SELECT code, name, full_name FROM project_department');
  const dists = await db.query<{ code: string; name: string }>(`SELECT code, name FROM region WHERE level = 'district'`);
  const departments = new Map<string, string>();
  for (const d of deps) { departments.set(d.code, d.code); departments.set(d.name, d.code); departments.set(d.full_name, d.code); }
  const districts = new Map<string, string>();
  for (const d of dists) { districts.set(d.code, d.code); districts.set(d.name, d.code); }
  return {
    categories: new Set(cats.map((c) => c.code)),
    sources: new Set(Object.keys(plan?.source.all ?? {})),
    departments, departmentName: new Map(deps.map((d) => [d.code, d.name])),
    districts, districtName: new Map(dists.map((d) => [d.code, d.name])),
  };
}

interface TaskRow {
  id: number; code: string; category_code: string; project_code: string; project_title: string; official_name: boolean;
  title: string; lead_department: string; co_lead: string[]; districts: string[]; planned_start: string | null; planned_end: string | null;
  weight: number; targets: PlanRow['targets']; description: string | null; source: { id: string; quote: string | null };
  milestones: Array<{ title: string; plannedDate: string | null; weight: number }> | null;
}

/** The plan's tasks as file rows, in plan order. */
export async function planRows(db: Queryable, year: number): Promise<PlanRow[]> {
  const rows = await db.query<TaskRow>(
    `SELECT t.id, t.code, p.category_code, p.code AS project_code, p.title AS project_title, p.official_name, t.title, t.lead_department,
       t.co_lead, t.districts, t.planned_start, t.planned_end, t.weight, t.targets, t.description, t.source,
       (SELECT jsonb_agg(jsonb_build_object('title', m.title, 'plannedDate', m.planned_date, 'weight', m.weight) ORDER BY m.seq)
          FROM project_milestone m WHERE m.task_id = t.id) AS milestones
     FROM project_task t JOIN project p ON p.id = t.project_id WHERE t.plan_year = $1 ORDER BY t.sort, t.id`, [year]);
  return rows.map((r) => ({
    code: r.code, category: r.category_code, projectCode: r.project_code, projectTitle: r.project_title, projectOfficial: r.official_name,
    title: r.title, leadDepartment: r.lead_department, coLead: r.co_lead, districts: r.districts, plannedStart: r.planned_start, plannedEnd: r.planned_end,
    weight: Number(r.weight),
    // jsonb does not keep key order: rebuild in the parser's order so rows compare equal.
    targets: r.targets.map((t) => ({ key: t.key, label: t.label, unit: t.unit, target: Number(t.target), atLeast: t.atLeast })),
    milestones: (r.milestones ?? []).map((m) => ({ title: m.title, plannedDate: m.plannedDate, weight: Number(m.weight) })),
    description: r.description, source: r.source.id, sourceQuote: r.source.quote,
  }));
}

export interface ImportResult { year: number; created: number; updated: number; unchanged: number; notInFile: string[] }

/** Raises one validation error that carries every row error (the first names row and field). */
export function rowErrors(errors: RowError[]): AppError {
  const first = errors[0]!;
  return new AppError('validation', `row ${first.row}, ${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
    { row: first.row, field: first.field, errors });
}

/** Imports a task list file into a plan year: all rows valid, or nothing stored. */
export async function importPlanFile(db: Db, buf: Buffer, name: string, year: number): Promise<ImportResult> {
  const meta = planYaml(year);
  const records = await readPlanFile(buf, name);
  return db.transaction(async (tx) => {
    if (meta) await storePlanMeta(tx, meta);
    const [plan] = await tx.query('SELECT 1 FROM project_plan WHERE year = $1', [year]);
    if (!plan) throw new AppError('validation', `year: no plan ${year} (add data/tianjin-${year}.yaml)`, { field: 'year' });
    const lookup = await planLookup(tx, year);
    const { rows, errors } = parsePlanRows(records, lookup);
    if (errors.length > 0) throw rowErrors(errors);
    return storeRows(tx, year, rows);
  });
}

const sameRow = (a: PlanRow, b: PlanRow): boolean => JSON.stringify(a) === JSON.stringify(b);

async function storeRows(tx: Queryable, year: number, rows: PlanRow[]): Promise<ImportResult> {
  const existing = new Map((await planRows(tx, year)).map((r) => [r.code, r]));
  const result: ImportResult = { year, created: 0, updated: 0, unchanged: 0, notInFile: [] };
  let sort = 0;
  for (const r of rows) {
    sort += 1;
    const before = existing.get(r.code);
    existing.delete(r.code);
    if (before && sameRow(before, r)) { result.unchanged += 1; await tx.query('UPDATE project_task SET sort = $3 WHERE plan_year = $1 AND code = $2 AND sort <> $3', [year, r.code, sort]); continue; }
    const [project] = await tx.query<{ id: number }>(
      `INSERT INTO project (plan_year, code, category_code, title, official_name) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (plan_year, code) DO UPDATE SET category_code = EXCLUDED.category_code, title = EXCLUDED.title, official_name = EXCLUDED.official_name
       RETURNING id`, [year, r.projectCode, r.category, r.projectTitle, r.projectOfficial]);
    const [task] = await tx.query<{ id: number }>(
      `INSERT INTO project_task (plan_year, code, project_id, sort, title, description, lead_department, co_lead, districts, targets,
         planned_start, planned_end, weight, source)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8::text[],$9::text[],$10::jsonb,$11,$12,$13,$14::jsonb)
       ON CONFLICT (plan_year, code) DO UPDATE SET project_id = EXCLUDED.project_id, sort = EXCLUDED.sort, title = EXCLUDED.title,
         description = EXCLUDED.description, lead_department = EXCLUDED.lead_department, co_lead = EXCLUDED.co_lead, districts = EXCLUDED.districts,
         targets = EXCLUDED.targets, planned_start = EXCLUDED.planned_start, planned_end = EXCLUDED.planned_end, weight = EXCLUDED.weight, source = EXCLUDED.source
       RETURNING id`,
      [year, r.code, project!.id, sort, r.title, r.description, r.leadDepartment, r.coLead, r.districts, JSON.stringify(r.targets),
        r.plannedStart, r.plannedEnd, r.weight, JSON.stringify({ id: r.source, quote: r.sourceQuote })]);
    // Milestones keep their ids by position, so reports that marked one done still point at it.
    for (const [i, m] of r.milestones.entries()) {
      await tx.query(`INSERT INTO project_milestone (task_id, seq, title, planned_date, weight) VALUES ($1,$2,$3,$4,$5)
        ON CONFLICT (task_id, seq) DO UPDATE SET title = EXCLUDED.title, planned_date = EXCLUDED.planned_date, weight = EXCLUDED.weight`,
      [task!.id, i + 1, m.title, m.plannedDate, m.weight]);
    }
    await tx.query(`DELETE FROM project_milestone WHERE task_id = $1 AND seq > $2
      AND NOT EXISTS (SELECT 1 FROM project_update u WHERE u.task_id = $1 AND project_milestone.id = ANY (u.milestones_done))`, [task!.id, r.milestones.length]);
    if (before) result.updated += 1; else result.created += 1;
  }
  // Tasks missing from the file are kept (reports may point at them) and listed.
  result.notInFile = [...existing.keys()];
  await tx.query('DELETE FROM project p WHERE plan_year = $1 AND NOT EXISTS (SELECT 1 FROM project_task t WHERE t.project_id = p.id)', [year]);
  return result;
}

export async function exportPlan(db: Queryable, year: number, format: 'csv' | 'xlsx'): Promise<Buffer> {
  const [lookup, rows] = await Promise.all([planLookup(db, year), planRows(db, year)]);
  return format === 'csv' ? Buffer.from(planCsv(rows, lookup), 'utf8') : planXlsx(rows, lookup);
}

/** Loads a plan year from the data directory when it is not loaded yet (demo start, tests). */
export async function ensurePlan(db: Db, year: number): Promise<ImportResult | undefined> {
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM project_task WHERE plan_year = $1', [year]);
  if ((row?.n ?? 0) > 0) return undefined;
  const file = planTasksFile(year);
  return importPlanFile(db, fs.readFileSync(file), path.basename(file), year);
}

export async function latestPlanYear(db: Queryable): Promise<number | undefined> {
  const [row] = await db.query<{ year: number | null }>('SELECT max(year) AS year FROM project_plan');
  return row?.year ?? undefined;
}
