/**
 * HTTP routes of the projects module: the public tracker/forms/open data (public-routes.ts), the
 * reporting workflow for departments and the city office (here), suggestion moderation and the
 * complaints inbox (staff-routes.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProgressReport, ReviewDecision } from '@minsheng/contracts';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { parseInput } from '../../platform/validate.ts';
import { hasPermission, staffOf } from '../../platform/auth/guard.ts';
import { staffActor, writeAudit } from '../../platform/audit.ts';
import { registerPublicProjectRoutes } from './public-routes.ts';
import { registerStaffRoutes } from './staff-routes.ts';
import { settings } from './settings.ts';
import { departmentOf, evidenceFile, listReports, requireDepartment, reviewReport, storeUpload, submitReport } from './reporting.ts';
import { invalidateTracker, resolveYear, taskDetail, yearView, type YearView } from './tracker.ts';
import { exportPlan, importPlanFile } from './plan.ts';

const IdParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const YearQuery = z.object({ year: z.coerce.number().int().min(2000).max(2100).optional() });
const ReportsQuery = z.object({ state: z.enum(['submitted', 'returned', 'published']).optional(), taskId: z.coerce.number().int().positive().optional() });
const ExportQuery = YearQuery.extend({ format: z.enum(['csv', 'xlsx']).default('xlsx') });

/** The staff task list: the public summary plus how many reports wait for review or were returned. */
async function staffTasks(ctx: AppContext, v: YearView, department?: string) {
  const reports = await listReports(ctx.db, { department });
  const tasks = department ? v.tasks.filter((t) => t.leadDepartment.code === department) : v.tasks;
  return {
    year: v.year, plan: v.plan, department: department ?? null,
    items: tasks.map((t) => ({
      ...t,
      pending: reports.filter((r) => r.taskId === t.id && r.state === 'submitted').length,
      returned: reports.filter((r) => r.taskId === t.id && r.state === 'returned').length,
    })),
  };
}

export function registerProjectRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  registerPublicProjectRoutes(app, ctx);
  registerStaffRoutes(app, ctx);

  app.get('/api/projects/tasks', { config: { access: 'projects.review' } }, async (req) => {
    const { year } = parseInput(YearQuery, req.query, 'query');
    return staffTasks(ctx, await yearView(db, await resolveYear(db, year)));
  });

  app.get('/api/projects/my-tasks', { config: { access: 'projects.report' } }, async (req) => {
    const { year } = parseInput(YearQuery, req.query, 'query');
    const dept = await requireDepartment(db, staffOf(req));
    return staffTasks(ctx, await yearView(db, await resolveYear(db, year)), dept);
  });

  const detail = async (req: FastifyRequest, department?: string) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const [row] = await db.query<{ plan_year: number; lead_department: string }>('SELECT plan_year, lead_department FROM project_task WHERE id = $1', [id]);
    if (!row || (department && row.lead_department !== department)) throw new AppError('not_found', 'task not found');
    const task = taskDetail(await yearView(db, row.plan_year), id);
    return { ...task, reports: await listReports(db, { taskId: id, department }) };
  };
  app.get('/api/projects/tasks/:id', { config: { access: 'projects.review' } }, async (req) => detail(req));
  app.get('/api/projects/my-tasks/:id', { config: { access: 'projects.report' } }, async (req) => detail(req, await requireDepartment(db, staffOf(req))));

  app.post('/api/projects/uploads', { config: { access: 'projects.report' } }, async (req, reply) => {
    const staff = staffOf(req);
    const dept = await requireDepartment(db, staff);
    if (!req.isMultipart()) throw new AppError('unsupported_media', 'file: send multipart/form-data with a field "file"', { field: 'file' });
    const ev = settings().evidence;
    const max = Math.max(ev.maxPhotoBytes.value, ev.maxDocumentBytes.value);
    const file = await req.file({ limits: { fileSize: max, files: 1 } });
    if (!file) throw new AppError('validation', 'file: missing', { field: 'file' });
    const buf = await file.toBuffer();
    const stored = await storeUpload(db, staff, dept, buf, file.file.truncated, file.filename ?? '');
    await writeAudit(db, staffActor(staff), { action: 'projects.upload', entity: 'project_evidence', entityId: stored.uploadId, detail: { mime: stored.mime, bytes: stored.bytes } }, req);
    return reply.status(201).send(stored);
  });

  app.post('/api/projects/tasks/:id/updates', { config: { access: 'projects.report' } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const staff = staffOf(req);
    const dept = await requireDepartment(db, staff);
    const report = parseInput(ProgressReport, req.body);
    const result = await submitReport(db, staff, dept, id, report);
    await writeAudit(db, staffActor(staff), { action: 'projects.report', entity: 'project_task', entityId: id, detail: { updateId: result.id } }, req);
    return reply.status(201).send(result);
  });

  app.get('/api/projects/reports', { config: { access: 'projects.review' } }, async (req) => {
    const q = parseInput(ReportsQuery, req.query, 'query');
    return { items: await listReports(db, q) };
  });

  app.post('/api/projects/reports/:id/review', { config: { access: 'projects.review' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const d = parseInput(ReviewDecision, req.body);
    const staff = staffOf(req);
    const result = await reviewReport(db, staff, id, d);
    await writeAudit(db, staffActor(staff), { action: `projects.review.${d.decision}`, entity: 'project_update', entityId: id }, req);
    return result;
  });

  // Unpublished evidence: the city office sees all, a department its own.
  app.get('/api/projects/evidence/:id', { config: { access: 'staff' } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const staff = staffOf(req);
    let who: { department?: string };
    if (hasPermission(staff, 'projects.review')) who = {};
    else if (hasPermission(staff, 'projects.report')) who = { department: (await departmentOf(db, staff)) ?? '-' };
    else throw new AppError('forbidden', 'your roles do not allow this (needs projects.report or projects.review)');
    const f = await evidenceFile(db, id, who);
    return reply.header('content-type', f.mime).header('x-content-type-options', 'nosniff').header('cache-control', 'private, no-store').send(f.content);
  });

  app.get('/api/projects/export', { config: { access: 'projects.review' } }, async (req, reply) => {
    const q = parseInput(ExportQuery, req.query, 'query');
    const year = await resolveYear(db, q.year);
    const buf = await exportPlan(db, year, q.format);
    return reply.header('content-type', q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="minsheng-plan-${year}.${q.format}"`).send(buf);
  });

  app.post('/api/projects/import', { config: { access: 'projects.review' } }, async (req) => {
    const { year } = parseInput(YearQuery, req.query, 'query');
    if (!req.isMultipart()) throw new AppError('unsupported_media', 'file: send multipart/form-data with a field "file"', { field: 'file' });
    const file = await req.file({ limits: { fileSize: settings().evidence.maxDocumentBytes.value, files: 1 } });
    if (!file) throw new AppError('validation', 'file: missing', { field: 'file' });
    const buf = await file.toBuffer();
    const result = await importPlanFile(db, buf, file.filename ?? 'plan.csv', await resolveYear(db, year));
    await writeAudit(db, staffActor(staffOf(req)), { action: 'projects.import', entity: 'project_plan', entityId: result.year, detail: { ...result } }, req);
    invalidateTracker();
    return result;
  });
}
