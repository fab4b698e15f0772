/**
 * The public read model of a plan year: everything the tracker, project and task pages and the
 * open data show, built from the plan and the PUBLISHED reports only (an approving review is what
 * makes a report part of it). Built in a handful of queries and kept for a couple of seconds, so
 * the portal's busiest pages do not re-query per request; local writes drop it at once.
 */
import type {
  CategoryOverview, Department, DistrictOverview, Evidence, PlanInfo, ProjectDetail, ProjectSummary, PublishedUpdate,
  TaskDetail, TaskSummary, TrackerOverview,
} from '@minsheng/contracts';
import type { Queryable } from '../../platform/db.ts';
import { beijingDate } from '../../platform/calendar.ts';
import { notFound } from '../../platform/errors.ts';
import { settings } from './settings.ts';
import { taskState, weightedProgress, type PublishedFacts } from './progress.ts';
import type { PlanTarget } from './plan-file.ts';
import { latestPlanYear } from './plan.ts';
import { RefreshingCache } from './cache.ts';

const CACHE_MS = 2000;
const REPORTER_ROLE = '牵头部门填报员';

interface TaskRecord {
  id: number; code: string; project_id: number; title: string; description: string | null; lead_department: string; co_lead: string[];
  districts: string[]; targets: PlanTarget[]; planned_start: string | null; planned_end: string | null; weight: number;
  source: { id: string; quote: string | null };
}
interface UpdateRecord {
  id: number; task_id: number; status: PublishedUpdate['status']; progress: number | null; note: string; figures: Record<string, number>;
  milestones_done: number[]; actual_start: string | null; actual_end: string | null; department_code: string; reported_at: string;
  reviewed_at: string; reviewer_office: string; example: boolean;
}

export interface YearView {
  year: number;
  plan: PlanInfo;
  sourceAll: Record<string, { title: string; url: string | null; publisher: string | null; date: string | null }>;
  categories: Array<{ code: string; no: number; title: string; officialTaskCount: number }>;
  projects: Array<{ id: number; code: string; categoryCode: string; title: string; officialName: boolean; description: string | null }>;
  tasks: TaskSummary[];
  taskDescription: Map<number, string | null>;
  milestones: Map<number, TaskDetail['milestones']>;
  /** Published updates per task, newest first. */
  history: Map<number, PublishedUpdate[]>;
  departments: Map<string, Department>;
  districtNames: Map<string, string>;
  suggestionLinks: Array<{ kind: 'project' | 'task'; targetId: number; id: number; title: string; status: string }>;
  lastPublishedAt: string | null;
  /** Serialised answers built from this view (the busiest public pages), built once per view. */
  memo: Map<string, string>;
}

/** The JSON text of `build()` for this view, computed once per view (views live ~2 s). */
export function memoJson(v: YearView, key: string, build: () => unknown): string {
  let text = v.memo.get(key);
  if (text === undefined) { text = JSON.stringify(build()); v.memo.set(key, text); }
  return text;
}

// Stale-while-revalidate (cache.ts): a request never waits for the periodic rebuild, only for the first one.
const cache = new RefreshingCache<number, YearView>(CACHE_MS);
export function invalidateTracker(): void { cache.clear(); latest = undefined; }

let latest: { at: number; year: Promise<number | undefined> } | undefined;

export async function resolveYear(db: Queryable, year?: number): Promise<number> {
  if (year === undefined && (!latest || Date.now() - latest.at >= CACHE_MS)) latest = { at: Date.now(), year: latestPlanYear(db) };
  const y = year ?? (await latest!.year);
  if (y === undefined) throw notFound('plan');
  return y;
}

export function yearView(db: Queryable, year: number): Promise<YearView> {
  return cache.get(year, () => buildYearView(db, year));
}

async function buildYearView(db: Queryable, year: number): Promise<YearView> {
  const [plan] = await db.query<{ title: string; headline: { projects: number; tasks: number; leadDepartments: number; suggestionsCollected: number }; source: { id: string; title: string; url: string | null; publisher: string | null; date: string | null; quote: string | null; all: YearView['sourceAll'] }; coverage_note: string; coverage_note_en: string }>(
    'SELECT title, headline, source, coverage_note, coverage_note_en FROM project_plan WHERE year = $1', [year]);
  if (!plan) throw notFound('plan');
  const categories = await db.query<{ code: string; no: number; title: string; official_task_count: number }>(
    'SELECT code, no, title, official_task_count FROM project_category WHERE plan_year = $1 ORDER BY no', [year]);
  const projects = await db.query<{ id: number; code: string; category_code: string; title: string; official_name: boolean; description: string | null }>(
    'SELECT id, code, category_code, title, official_name, description FROM project WHERE plan_year = $1 ORDER BY id', [year]);
  const tasks = await db.query<TaskRecord>(
    `SELECT id, code, project_id, title, description, lead_department, co_lead, districts, targets, planned_start, planned_end, weight, source
     FROM project_task WHERE plan_year = $1 ORDER BY sort, id`, [year]);
  const milestones = await db.query<{ id: number; task_id: number; title: string; planned_date: string | null; weight: number }>(
    'SELECT m.id, m.task_id, m.title, m.planned_date, m.weight FROM project_milestone m JOIN project_task t ON t.id = m.task_id WHERE t.plan_year = $1 ORDER BY m.task_id, m.seq', [year]);
  const updates = await db.query<UpdateRecord>(
    `SELECT u.id, u.task_id, u.status, u.progress, u.note, u.figures, u.milestones_done, u.actual_start, u.actual_end, u.department_code,
       u.reported_at, r.reviewed_at, r.reviewer_office, u.example
     FROM project_update u JOIN project_review r ON r.update_id = u.id AND r.decision = 'approve'
     JOIN project_task t ON t.id = u.task_id WHERE t.plan_year = $1 ORDER BY r.reviewed_at, u.id`, [year]);
  const evidence = await db.query<{ id: number; update_id: number; kind: Evidence['kind']; title: string; url: string | null; mime: string | null; bytes: number | null; figures: Record<string, number> | null }>(
    `SELECT e.id, e.update_id, e.kind, e.title, e.url, e.mime, e.bytes, e.figures FROM project_evidence e
     JOIN project_review r ON r.update_id = e.update_id AND r.decision = 'approve'
     JOIN project_update u ON u.id = e.update_id JOIN project_task t ON t.id = u.task_id WHERE t.plan_year = $1 ORDER BY e.id`, [year]);
  const deps = await db.query<{ code: string; name: string; full_name: string }>('SELECT code, name, full_name FROM project_department ORDER BY code');
  const districts = await db.query<{ code: string; name: string }>(`SELECT code, name FROM region WHERE level = 'district' ORDER BY code`);
  const links = await db.query<{ kind: 'project' | 'task'; target_id: number; id: number; title: string; status: string }>(
    `SELECT l.kind, l.target_id, s.id, s.title, s.status FROM suggestion_link l JOIN suggestion s ON s.id = l.suggestion_id
     WHERE s.status IN ('published', 'adopted', 'not-adopted', 'merged') ORDER BY s.id`);

  const departments = new Map(deps.map((d) => [d.code, { code: d.code, name: d.name, fullName: d.full_name }]));
  const districtNames = new Map(districts.map((d) => [d.code, d.name]));
  const evidenceOf = new Map<number, Evidence[]>();
  for (const e of evidence) {
    const list = evidenceOf.get(e.update_id) ?? [];
    list.push({ id: e.id, kind: e.kind, title: e.title, url: e.url, mime: e.mime, bytes: e.bytes, figures: e.figures,
      fileUrl: e.kind === 'photo' || e.kind === 'document' ? `/api/public/evidence/${e.id}` : null });
    evidenceOf.set(e.update_id, list);
  }
  const factsOf = new Map<number, PublishedFacts[]>();
  const history = new Map<number, PublishedUpdate[]>();
  for (const u of updates) {
    (factsOf.get(u.task_id) ?? factsOf.set(u.task_id, []).get(u.task_id)!).push({
      status: u.status, progress: u.progress, figures: u.figures, milestonesDone: u.milestones_done, actualStart: u.actual_start, actualEnd: u.actual_end,
      reportedOn: beijingDate(new Date(u.reported_at)),
    });
    (history.get(u.task_id) ?? history.set(u.task_id, []).get(u.task_id)!).unshift({
      id: u.id, taskId: u.task_id, status: u.status, progress: u.progress, note: u.note, figures: u.figures,
      reportedBy: { department: departments.get(u.department_code)?.name ?? u.department_code, role: REPORTER_ROLE },
      reportedAt: u.reported_at, publishedAt: u.reviewed_at, reviewedBy: u.reviewer_office, evidence: evidenceOf.get(u.id) ?? [], example: u.example,
    });
  }
  const msOf = new Map<number, typeof milestones>();
  for (const m of milestones) (msOf.get(m.task_id) ?? msOf.set(m.task_id, []).get(m.task_id)!).push(m);
  const today = beijingDate(new Date());
  const gap = settings().flags.offTrackGap.value;
  const projectCategory = new Map(projects.map((p) => [p.id, p.category_code]));
  const src = plan.source.all[plan.source.id as keyof typeof plan.source.all];
  const milestoneView = new Map<number, TaskDetail['milestones']>();
  const summaries: TaskSummary[] = tasks.map((t) => {
    const ms = msOf.get(t.id) ?? [];
    const facts = factsOf.get(t.id) ?? [];
    const st = taskState({ targets: t.targets, milestones: ms, plannedStart: t.planned_start, plannedEnd: t.planned_end }, facts, today, gap);
    milestoneView.set(t.id, ms.map((m) => ({ id: m.id, title: m.title, plannedDate: m.planned_date, actualDate: null, weight: Number(m.weight), done: st.milestonesDone.has(m.id) })));
    const s = plan.source.all[t.source.id];
    const hist = history.get(t.id) ?? [];
    return {
      id: t.id, code: t.code, title: t.title, categoryCode: projectCategory.get(t.project_id) ?? '', projectId: t.project_id,
      leadDepartment: departments.get(t.lead_department)!, coLeadDepartments: t.co_lead.map((c) => departments.get(c)!).filter(Boolean),
      districts: t.districts.map((c) => ({ code: c, name: districtNames.get(c) ?? c })),
      targets: t.targets.map((x) => ({ key: x.key, label: x.label, unit: x.unit, target: Number(x.target), atLeast: x.atLeast, actual: st.actuals[x.key] ?? null })),
      plannedStart: t.planned_start, plannedEnd: t.planned_end, actualStart: st.actualStart, actualEnd: st.actualEnd,
      weight: Number(t.weight), status: st.status, progress: round(st.progress), flags: st.flags,
      source: { title: s?.title ?? '', url: s?.url ?? null, publisher: s?.publisher ?? null, date: s?.date ?? null, quote: t.source.quote },
      updateCount: hist.length, lastPublishedAt: hist[0]?.publishedAt ?? null,
    };
  });
  const listedDepartments = new Set(tasks.map((t) => t.lead_department)).size;
  return {
    year,
    plan: {
      year, title: plan.title,
      headline: { ...plan.headline, source: { title: src?.title ?? plan.source.title, url: src?.url ?? null, publisher: src?.publisher ?? null, date: src?.date ?? null, quote: plan.source.quote } },
      listedTasks: tasks.length, listedProjects: projects.length, listedDepartments,
      coverageNote: plan.coverage_note, coverageNoteEn: plan.coverage_note_en,
    },
    sourceAll: plan.source.all,
    categories: categories.map((c) => ({ code: c.code, no: c.no, title: c.title, officialTaskCount: c.official_task_count })),
    projects: projects.map((p) => ({ id: p.id, code: p.code, categoryCode: p.category_code, title: p.title, officialName: p.official_name, description: p.description })),
    tasks: summaries,
    taskDescription: new Map(tasks.map((t) => [t.id, t.description])),
    milestones: milestoneView,
    history, departments, districtNames,
    suggestionLinks: links.map((l) => ({ kind: l.kind, targetId: l.target_id, id: l.id, title: l.title, status: l.status })),
    lastPublishedAt: updates.length > 0 ? updates[updates.length - 1]!.reviewed_at : null,
    memo: new Map(),
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
const flagged = (t: TaskSummary): boolean => t.flags.overdue || t.flags.offTrack;

function projectSummary(v: YearView, p: YearView['projects'][number]): ProjectSummary {
  const tasks = v.tasks.filter((t) => t.projectId === p.id);
  return { id: p.id, code: p.code, title: p.title, officialName: p.officialName, categoryCode: p.categoryCode, taskCount: tasks.length,
    progress: round(weightedProgress(tasks)), flagged: tasks.filter(flagged).length };
}

export function trackerOverview(v: YearView): TrackerOverview {
  const categories: CategoryOverview[] = v.categories.map((c) => {
    const tasks = v.tasks.filter((t) => t.categoryCode === c.code);
    return { ...c, listedTaskCount: tasks.length, progress: round(weightedProgress(tasks)), overdue: tasks.filter((t) => t.flags.overdue).length,
      offTrack: tasks.filter((t) => t.flags.offTrack).length, projects: v.projects.filter((p) => p.categoryCode === c.code).map((p) => projectSummary(v, p)) };
  });
  const byDistrict = new Map<string, TaskSummary[]>();
  for (const t of v.tasks) for (const code of t.districts.length > 0 ? t.districts.map((d) => d.code) : ['citywide']) {
    (byDistrict.get(code) ?? byDistrict.set(code, []).get(code)!).push(t);
  }
  const districts: DistrictOverview[] = [...byDistrict.entries()].map(([code, tasks]) => ({
    code, name: code === 'citywide' ? '全市' : v.districtNames.get(code) ?? code, taskCount: tasks.length, progress: round(weightedProgress(tasks)),
  })).sort((a, b) => (a.code === 'citywide' ? -1 : b.code === 'citywide' ? 1 : a.code.localeCompare(b.code)));
  const departments = [...v.departments.values()].map((d) => {
    const tasks = v.tasks.filter((t) => t.leadDepartment.code === d.code);
    return { ...d, taskCount: tasks.length, progress: round(weightedProgress(tasks)), flagged: tasks.filter(flagged).length };
  }).filter((d) => d.taskCount > 0);
  return {
    plan: v.plan, progress: round(weightedProgress(v.tasks)),
    taskCounts: { listed: v.tasks.length, completed: v.tasks.filter((t) => t.status === 'completed').length,
      overdue: v.tasks.filter((t) => t.flags.overdue).length, offTrack: v.tasks.filter((t) => t.flags.offTrack).length },
    categories, districts, departments, lastPublishedAt: v.lastPublishedAt,
  };
}

const linksFor = (v: YearView, kind: 'project' | 'task', id: number) =>
  v.suggestionLinks.filter((l) => l.kind === kind && l.targetId === id).map((l) => ({ id: l.id, title: l.title, status: l.status }));

export function projectDetail(v: YearView, id: number): ProjectDetail {
  const p = v.projects.find((x) => x.id === id);
  if (!p) throw notFound('project');
  const tasks = v.tasks.filter((t) => t.projectId === id);
  const cat = v.categories.find((c) => c.code === p.categoryCode)!;
  const timeline = tasks.flatMap((t) => (v.history.get(t.id) ?? []).map((u) => ({ ...u, taskTitle: t.title })))
    .sort((a, b) => b.publishedAt.localeCompare(a.publishedAt) || b.id - a.id);
  const seen = new Set<number>();
  const suggestions = [...linksFor(v, 'project', id), ...tasks.flatMap((t) => linksFor(v, 'task', t.id))].filter((s) => !seen.has(s.id) && seen.add(s.id));
  return { ...projectSummary(v, p), category: { code: cat.code, title: cat.title }, description: p.description, tasks, timeline, suggestions };
}

export function taskDetail(v: YearView, id: number): TaskDetail {
  const t = v.tasks.find((x) => x.id === id);
  if (!t) throw notFound('task');
  const p = v.projects.find((x) => x.id === t.projectId)!;
  const cat = v.categories.find((c) => c.code === p.categoryCode)!;
  const seen = new Set<number>();
  const suggestions = [...linksFor(v, 'task', id), ...linksFor(v, 'project', p.id)].filter((s) => !seen.has(s.id) && seen.add(s.id));
  return {
    ...t, project: { id: p.id, title: p.title, officialName: p.officialName }, category: { code: cat.code, title: cat.title },
    description: v.taskDescription.get(id) ?? null, milestones: v.milestones.get(id) ?? [], history: v.history.get(id) ?? [], suggestions,
  };
}

/** The year a task belongs to (public task and project pages take no year). */
/** The cached view of the latest year when it holds the task/project, so the busy pages need no query. */
async function latestViewHolding(db: Queryable, has: (v: YearView) => boolean): Promise<YearView | undefined> {
  const year = await resolveYear(db).catch(() => undefined);
  if (year === undefined) return undefined;
  const v = await yearView(db, year);
  return has(v) ? v : undefined;
}
export async function viewOfTask(db: Queryable, id: number): Promise<YearView> {
  return (await latestViewHolding(db, (v) => v.tasks.some((t) => t.id === id))) ?? yearView(db, await yearOfTask(db, id));
}
export async function viewOfProject(db: Queryable, id: number): Promise<YearView> {
  return (await latestViewHolding(db, (v) => v.projects.some((p) => p.id === id))) ?? yearView(db, await yearOfProject(db, id));
}
export async function yearOfTask(db: Queryable, id: number): Promise<number> {
  const [row] = await db.query<{ plan_year: number }>('SELECT plan_year FROM project_task WHERE id = $1', [id]);
  if (!row) throw notFound('task');
  return row.plan_year;
}
export async function yearOfProject(db: Queryable, id: number): Promise<number> {
  const [row] = await db.query<{ plan_year: number }>('SELECT plan_year FROM project WHERE id = $1', [id]);
  if (!row) throw notFound('project');
  return row.plan_year;
}
