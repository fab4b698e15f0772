/**
 * The reporting workflow (填报 → 审核 → 发布): a department's reporter files progress with evidence on
 * its own tasks; the city office approves (publishes) or returns it with a comment. Reports and
 * reviews are append-only; a returned report stays in the history and the department files anew.
 */
import { createHash } from 'node:crypto';
import type { ProgressReport, ReviewDecision, TaskStatus } from '@minsheng/contracts';
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { StaffPrincipal } from '../../platform/auth/sessions.ts';
import { checkUpload } from './evidence.ts';
import { invalidateTracker } from './tracker.ts';
import type { PlanTarget } from './plan-file.ts';

/** The department a reporter files for: an explicit assignment, else the account's office name. */
export async function departmentOf(db: Queryable, staff: Pick<StaffPrincipal, 'userId' | 'office'>): Promise<string | undefined> {
  const [row] = await db.query<{ code: string }>(
    `SELECT department_code AS code FROM project_reporter WHERE user_id = $1
     UNION ALL SELECT code FROM project_department WHERE full_name = $2 OR name = $2 LIMIT 1`, [staff.userId, staff.office]);
  return row?.code;
}

export async function requireDepartment(db: Queryable, staff: StaffPrincipal): Promise<string> {
  const dept = await departmentOf(db, staff);
  if (!dept) throw new AppError('forbidden', 'your account reports for no department (ask the city office to assign one)');
  return dept;
}

export async function assignReporter(db: Queryable, userId: number, department: string, by: string): Promise<void> {
  await db.query(`INSERT INTO project_reporter (user_id, department_code, assigned_by) VALUES ($1,$2,$3)
    ON CONFLICT (user_id) DO UPDATE SET department_code = EXCLUDED.department_code, assigned_by = EXCLUDED.assigned_by, assigned_at = now()`, [userId, department, by]);
}

export async function storeUpload(db: Queryable, staff: StaffPrincipal, dept: string, buf: Buffer, truncated: boolean, name: string): Promise<{ uploadId: number; mime: string; bytes: number; kind: string }> {
  const s = checkUpload(buf, truncated);
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO project_evidence (kind, title, mime, bytes, sha256, content, uploader_user_id, department_code)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`,
    [s.kind, name.slice(0, 100) || s.kind, s.mime, buf.length, createHash('sha256').update(buf).digest('hex'), buf, staff.userId > 0 ? staff.userId : null, dept]);
  return { uploadId: row!.id, mime: s.mime, bytes: buf.length, kind: s.kind };
}

interface TaskPlanRow { id: number; lead_department: string; targets: PlanTarget[]; milestone_ids: number[] | null }

/** Files a report on one of the department's own tasks; another department's task answers 404. */
export async function submitReport(db: Db, staff: StaffPrincipal, dept: string, taskId: number, r: ProgressReport, opts: { example?: boolean } = {}): Promise<{ id: number; state: 'submitted' }> {
  return db.transaction(async (tx) => {
    const [task] = await tx.query<TaskPlanRow>(
      `SELECT t.id, t.lead_department, t.targets, (SELECT array_agg(m.id) FROM project_milestone m WHERE m.task_id = t.id) AS milestone_ids
       FROM project_task t WHERE t.id = $1`, [taskId]);
    if (!task || task.lead_department !== dept) throw notFound('task');
    if (r.clientKey) {
      const [dup] = await tx.query<{ id: number }>('SELECT id FROM project_update WHERE task_id = $1 AND client_key = $2', [taskId, r.clientKey]);
      if (dup) return { id: dup.id, state: 'submitted' as const };
    }
    const keys = new Set(task.targets.map((t) => t.key));
    for (const k of Object.keys(r.figures)) if (!keys.has(k)) throw new AppError('validation', `figures.${k}: not a target of this task (${[...keys].join(', ') || 'none'})`, { field: `figures.${k}` });
    const ms = new Set(task.milestone_ids ?? []);
    for (const m of r.milestonesDone) if (!ms.has(m)) throw new AppError('validation', `milestonesDone: ${m} is not a milestone of this task`, { field: 'milestonesDone' });
    if (r.status === 'completed' && r.progress !== undefined && r.progress !== null && r.progress < 1) {
      throw new AppError('validation', 'progress: a completed task is at 100 %', { field: 'progress' });
    }
    const [u] = await tx.query<{ id: number }>(
      `INSERT INTO project_update (task_id, client_key, status, progress, note, figures, milestones_done, actual_start, actual_end,
         department_code, reporter_user_id, reporter_name, example)
       VALUES ($1,$2,$3,$4,$5,$6::jsonb,$7::int[],$8,$9,$10,$11,$12,$13) RETURNING id`,
      [taskId, r.clientKey ?? null, r.status, r.progress ?? null, r.note, JSON.stringify(r.figures), r.milestonesDone, r.actualStart ?? null, r.actualEnd ?? null,
        dept, staff.userId > 0 ? staff.userId : null, staff.username, opts.example ?? false]);
    for (const up of r.uploads) {
      const attached = await tx.query<{ id: number }>(
        `UPDATE project_evidence SET update_id = $1, title = $2 WHERE id = $3 AND update_id IS NULL AND uploader_user_id IS NOT DISTINCT FROM $4 AND department_code = $5 RETURNING id`,
        [u!.id, up.title, up.uploadId, staff.userId > 0 ? staff.userId : null, dept]);
      if (attached.length === 0) throw new AppError('validation', `uploads: upload ${up.uploadId} is not one of your unattached uploads`, { field: 'uploads' });
    }
    for (const l of r.links) {
      await tx.query(`INSERT INTO project_evidence (update_id, kind, title, url, department_code, uploader_user_id) VALUES ($1,'link',$2,$3,$4,$5)`,
        [u!.id, l.title, l.url, dept, staff.userId > 0 ? staff.userId : null]);
    }
    if (Object.keys(r.figures).length > 0) {
      await tx.query(`INSERT INTO project_evidence (update_id, kind, title, figures, department_code, uploader_user_id) VALUES ($1,'figures','填报数据',$2::jsonb,$3,$4)`,
        [u!.id, JSON.stringify(r.figures), dept, staff.userId > 0 ? staff.userId : null]);
    }
    const [evidence] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM project_evidence WHERE update_id = $1', [u!.id]);
    if ((evidence?.n ?? 0) === 0) throw new AppError('validation', 'evidence: every status needs evidence (a photo, a document, a link or figures)', { field: 'evidence' });
    return { id: u!.id, state: 'submitted' as const };
  });
}

/** The city office's decision on a report: once per report. */
export async function reviewReport(db: Db, staff: StaffPrincipal, updateId: number, d: ReviewDecision): Promise<{ id: number; state: 'published' | 'returned' }> {
  if (d.decision === 'return' && d.comment.trim().length < 2) throw new AppError('validation', 'comment: say what the department should correct', { field: 'comment' });
  const result = await db.transaction(async (tx) => {
    const [u] = await tx.query<{ id: number; reviewed: boolean }>(
      'SELECT u.id, EXISTS (SELECT 1 FROM project_review r WHERE r.update_id = u.id) AS reviewed FROM project_update u WHERE u.id = $1', [updateId]);
    if (!u) throw notFound('report');
    if (u.reviewed) throw new AppError('conflict', 'this report has already been reviewed');
    await tx.query(`INSERT INTO project_review (update_id, decision, comment, reviewer_user_id, reviewer_name, reviewer_office) VALUES ($1,$2,$3,$4,$5,$6)`,
      [updateId, d.decision, d.comment, staff.userId > 0 ? staff.userId : null, staff.username, staff.office]);
    return { id: updateId, state: d.decision === 'approve' ? 'published' as const : 'returned' as const };
  });
  invalidateTracker(); // after the commit, so no reader caches the tracker without it
  return result;
}

export interface StaffReport {
  id: number; taskId: number; taskCode: string; taskTitle: string; department: string; status: TaskStatus; progress: number | null; note: string;
  figures: Record<string, number>; milestonesDone: number[]; reporter: string; reportedAt: string; example: boolean;
  state: 'submitted' | 'returned' | 'published'; review: { decision: string; comment: string; reviewer: string; office: string; at: string } | null;
  evidence: Array<{ id: number; kind: string; title: string; url: string | null; mime: string | null; bytes: number | null; figures: Record<string, number> | null }>;
}

/** Reports for the console: a department sees its own, the city office all (filter by task or state). */
export async function listReports(db: Queryable, f: { department?: string; taskId?: number; state?: 'submitted' | 'returned' | 'published' }): Promise<StaffReport[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (f.department) { params.push(f.department); where.push(`u.department_code = $${params.length}`); }
  if (f.taskId) { params.push(f.taskId); where.push(`u.task_id = $${params.length}`); }
  if (f.state) {
    where.push(f.state === 'submitted' ? 'r.update_id IS NULL' : f.state === 'published' ? `r.decision = 'approve'` : `r.decision = 'return'`);
  }
  const rows = await db.query<{
    id: number; task_id: number; code: string; title: string; department: string; status: TaskStatus; progress: number | null; note: string; figures: Record<string, number>;
    milestones_done: number[]; reporter_name: string; reported_at: string; example: boolean; decision: string | null; comment: string | null;
    reviewer_name: string | null; reviewer_office: string | null; reviewed_at: string | null;
    evidence: StaffReport['evidence'] | null;
  }>(
    `SELECT u.id, u.task_id, t.code, t.title, d.name AS department, u.status, u.progress, u.note, u.figures, u.milestones_done, u.reporter_name, u.reported_at, u.example,
       r.decision, r.comment, r.reviewer_name, r.reviewer_office, r.reviewed_at,
       (SELECT jsonb_agg(jsonb_build_object('id', e.id, 'kind', e.kind, 'title', e.title, 'url', e.url, 'mime', e.mime, 'bytes', e.bytes, 'figures', e.figures) ORDER BY e.id)
          FROM project_evidence e WHERE e.update_id = u.id) AS evidence
     FROM project_update u JOIN project_task t ON t.id = u.task_id JOIN project_department d ON d.code = u.department_code
     LEFT JOIN project_review r ON r.update_id = u.id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY u.reported_at DESC, u.id DESC LIMIT 500`, params);
  return rows.map((r) => ({
    id: r.id, taskId: r.task_id, taskCode: r.code, taskTitle: r.title, department: r.department, status: r.status, progress: r.progress, note: r.note,
    figures: r.figures, milestonesDone: r.milestones_done, reporter: r.reporter_name, reportedAt: r.reported_at, example: r.example,
    state: r.decision === null ? 'submitted' : r.decision === 'approve' ? 'published' : 'returned',
    review: r.decision ? { decision: r.decision, comment: r.comment ?? '', reviewer: r.reviewer_name ?? '', office: r.reviewer_office ?? '', at: r.reviewed_at ?? '' } : null,
    evidence: r.evidence ?? [],
  }));
}

/** An evidence file: public only when its report is published; staff see their own department's or (reviewers) all. */
export async function evidenceFile(db: Queryable, id: number, who: { publicOnly: true } | { department?: string }): Promise<{ mime: string; content: Buffer; title: string }> {
  const [row] = await db.query<{ mime: string | null; content: Buffer | Uint8Array | null; title: string; department_code: string | null; published: boolean }>(
    `SELECT e.mime, e.content, e.title, e.department_code,
       EXISTS (SELECT 1 FROM project_review r WHERE r.update_id = e.update_id AND r.decision = 'approve') AS published
     FROM project_evidence e WHERE e.id = $1`, [id]);
  if (!row || !row.content || !row.mime) throw notFound('evidence');
  if ('publicOnly' in who ? !row.published : who.department !== undefined && who.department !== row.department_code) throw notFound('evidence');
  return { mime: row.mime, content: Buffer.from(row.content), title: row.title };
}
