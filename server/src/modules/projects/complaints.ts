/**
 * Complaints and demands (群众诉求, "一键直达"): a resident files one with a category and a place;
 * it becomes a shared work order (type 'complaint') for the office responsible for the place — the
 * street (街道办事处/乡镇人民政府), or the district when only a district is given — with the
 * category's SLA in working days (data). The resident follows it by an unguessable ticket code,
 * reads the reply and rates it. The history is append-only; the status is derived from it.
 */
import type { ComplaintCategory, ComplaintReceipt, ComplaintSubmit, PublicComplaint } from '@minsheng/contracts';
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { scopeSql, type Scope } from '../../platform/auth/scope.ts';
import { appendAction, createWorkOrder, dueTime } from '../workorders/service.ts';
import { settings } from './settings.ts';
import { randomCode } from './suggestions.ts';
import { maskName, maskPhone } from './redact.ts';

export type ComplaintEventKind = 'received' | 'accepted' | 'note' | 'replied' | 'rated' | 'closed';
export type ComplaintStatus = PublicComplaint['status'];

/** Status from the events (oldest first). */
export function complaintStatus(kinds: readonly ComplaintEventKind[]): ComplaintStatus {
  let s: ComplaintStatus = 'received';
  for (const k of kinds) {
    if (k === 'accepted' && s === 'received') s = 'in-progress';
    else if (k === 'replied') s = 'answered';
    else if (k === 'closed' || k === 'rated') s = 'closed';
  }
  return s;
}

export const complaintCategories = (): ComplaintCategory[] =>
  settings().complaints.categories.map(({ code, label, labelEn, slaWorkingDays }) => ({ code, label, labelEn, slaWorkingDays }));

const LABELS: Record<ComplaintEventKind, string> = {
  received: '已受理，转交责任单位', accepted: '责任单位已接单办理', note: '办理进展', replied: '已答复', rated: '群众已评价', closed: '已办结',
};

export const newTicket = (): string => { const c = randomCode(16); return `${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8, 12)}-${c.slice(12)}`; };

interface OfficeOf { office: string; officeRegion: string; role: 'street-staff' | 'district-staff'; regionName: string }

async function responsibleOffice(db: Queryable, regionCode: string): Promise<OfficeOf> {
  const [r] = await db.query<{ level: string; name: string; parent_code: string | null; parent_name: string | null }>(
    'SELECT g.level, g.name, g.parent_code, p.name AS parent_name FROM region g LEFT JOIN region p ON p.code = g.parent_code WHERE g.code = $1', [regionCode]);
  if (!r) throw new AppError('validation', 'regionCode: unknown division code', { field: 'regionCode' });
  if (r.level === 'city') throw new AppError('validation', 'regionCode: choose a district, street or community', { field: 'regionCode' });
  const officeName = (name: string): string => (name.endsWith('街道') ? `${name}办事处` : `${name}人民政府`);
  if (r.level === 'district') return { office: officeName(r.name), officeRegion: regionCode, role: 'district-staff', regionName: r.name };
  if (r.level === 'street') return { office: officeName(r.name), officeRegion: regionCode, role: 'street-staff', regionName: r.name };
  return { office: officeName(r.parent_name ?? ''), officeRegion: r.parent_code ?? regionCode, role: 'street-staff', regionName: `${r.parent_name ?? ''}${r.name}` };
}

export async function submitComplaint(db: Db, input: ComplaintSubmit): Promise<ComplaintReceipt> {
  const category = complaintCategories().find((c) => c.code === input.category);
  if (!category) throw new AppError('validation', `category: expected one of ${complaintCategories().map((c) => c.code).join(', ')}`, { field: 'category' });
  const office = await responsibleOffice(db, input.regionCode);
  return db.transaction(async (tx) => {
    const ticket = newTicket();
    const due = await dueTime(tx, { workingDays: category.slaWorkingDays });
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO complaint (ticket, category, region_code, place, description, contact_name, contact_phone, office, office_region, sla_working_days, due_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id`,
      [ticket, category.code, input.regionCode, input.place, input.description, input.contactName ?? null, input.contactPhone ?? null,
        office.office, office.officeRegion, category.slaWorkingDays, due]);
    const id = row!.id;
    // The ticket is the resident's secret: it never goes into the work order.
    const order = await createWorkOrder(tx, {
      type: 'complaint', subject: { kind: 'complaint', id: String(id) }, regionCode: input.regionCode, title: `群众诉求：${category.label}（${office.regionName}）`,
      priority: 'normal', assignee: { role: office.role, regionCode: office.officeRegion }, due: { workingDays: category.slaWorkingDays },
      payload: { complaintId: id, category: category.code, place: input.place, console: `/projects?tab=complaints&complaint=${id}` }, clientKey: `complaint:${id}`, actor: 'portal',
    });
    await tx.query('UPDATE complaint SET work_order_id = $2, due_at = coalesce($3, due_at) WHERE id = $1', [id, order.id, order.dueAt]);
    await tx.query(`INSERT INTO complaint_event (complaint_id, kind, actor, office) VALUES ($1,'received','portal',$2)`, [id, office.office]);
    return { ticket, status: 'received' as const, office: office.office, slaWorkingDays: category.slaWorkingDays, dueAt: order.dueAt ?? due };
  });
}

interface ComplaintRow {
  id: number; ticket: string; category: string; region_code: string; region_name: string; place: string; description: string;
  contact_name: string | null; contact_phone: string | null; office: string; office_region: string; sla_working_days: number; due_at: string | null;
  work_order_id: number | null; submitted_at: string; status: ComplaintStatus;
}
interface EventRow { id: number; kind: ComplaintEventKind; note: string | null; score: number | null; public: boolean; actor: string; office: string | null; at: string }

const SELECT = `SELECT c.*, g.name AS region_name FROM complaint c JOIN region g ON g.code = c.region_code`;

async function events(db: Queryable, id: number): Promise<EventRow[]> {
  return db.query<EventRow>('SELECT id, kind, note, score, public, actor, office, at FROM complaint_event WHERE complaint_id = $1 ORDER BY id', [id]);
}

export async function publicComplaint(db: Queryable, ticket: string): Promise<PublicComplaint> {
  const [c] = await db.query<ComplaintRow>(`${SELECT} WHERE c.ticket = $1`, [ticket]);
  if (!c) throw notFound('complaint');
  const ev = await events(db, c.id);
  const reply = [...ev].reverse().find((e) => e.kind === 'replied');
  const rated = ev.find((e) => e.kind === 'rated');
  const category = complaintCategories().find((x) => x.code === c.category) ?? { code: c.category, label: c.category, labelEn: c.category, slaWorkingDays: c.sla_working_days };
  const status = complaintStatus(ev.map((e) => e.kind));
  return {
    ticket: c.ticket, category, regionName: c.region_name, place: c.place, description: c.description, status, office: c.office,
    submittedAt: c.submitted_at, dueAt: c.due_at, overdue: c.due_at !== null && !reply && Date.parse(c.due_at) < Date.now(),
    timeline: ev.filter((e) => e.public).map((e) => ({ at: e.at, kind: e.kind, label: LABELS[e.kind], note: e.kind === 'rated' ? null : e.note })),
    reply: reply ? { text: reply.note ?? '', at: reply.at, office: reply.office ?? c.office } : null,
    rating: rated ? { score: rated.score ?? 0, comment: rated.note, at: rated.at } : null,
    canRate: status === 'answered' && !rated,
  };
}

async function addEvent(tx: Queryable, c: ComplaintRow, e: { kind: ComplaintEventKind; note?: string | null; score?: number; public?: boolean; actor: string; office?: string | null; clientKey?: string }): Promise<void> {
  await tx.query('INSERT INTO complaint_event (complaint_id, kind, note, score, public, actor, office, client_key) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)',
    [c.id, e.kind, e.note ?? null, e.score ?? null, e.public ?? true, e.actor, e.office ?? null, e.clientKey ?? null]);
  const kinds = (await events(tx, c.id)).map((x) => x.kind);
  await tx.query('UPDATE complaint SET status = $2 WHERE id = $1', [c.id, complaintStatus(kinds)]);
}

export async function rateComplaint(db: Db, ticket: string, score: number, comment: string | null): Promise<void> {
  await db.transaction(async (tx) => {
    const [c] = await tx.query<ComplaintRow>(`${SELECT} WHERE c.ticket = $1 FOR UPDATE OF c`, [ticket]);
    if (!c) throw notFound('complaint');
    const kinds = (await events(tx, c.id)).map((e) => e.kind);
    if (kinds.includes('rated')) throw new AppError('conflict', 'this complaint has already been rated');
    if (complaintStatus(kinds) !== 'answered') throw new AppError('conflict', 'you can rate the answer once the office has replied');
    await addEvent(tx, c, { kind: 'rated', score, note: comment, actor: 'resident' });
    if (c.work_order_id) {
      try {
        await appendAction(tx, c.work_order_id, { kind: 'closed', actor: 'portal', clientActionId: `complaint-rated:${c.id}`, note: `群众评价 ${score}/5`, data: { score } });
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'conflict')) throw err;
      }
    }
  });
}

export interface StaffComplaint {
  id: number; category: string; regionCode: string; regionName: string; place: string; description: string; contactName: string | null; contactPhone: string | null;
  office: string; status: ComplaintStatus; submittedAt: string; dueAt: string | null; overdue: boolean; workOrderId: number | null;
  events?: Array<{ kind: string; label: string; note: string | null; score: number | null; actor: string; office: string | null; at: string; public: boolean }>;
}

const staffView = (c: ComplaintRow, reveal: boolean): StaffComplaint => ({
  id: c.id, category: c.category, regionCode: c.region_code, regionName: c.region_name, place: c.place, description: c.description,
  contactName: reveal ? c.contact_name : maskName(c.contact_name), contactPhone: reveal ? c.contact_phone : maskPhone(c.contact_phone),
  office: c.office, status: c.status, submittedAt: c.submitted_at, dueAt: c.due_at, workOrderId: c.work_order_id,
  overdue: c.due_at !== null && (c.status === 'received' || c.status === 'in-progress') && Date.parse(c.due_at) < Date.now(),
});

/** The inbox: complaints whose place lies in the caller's region subtree. */
export async function listComplaints(db: Queryable, scope: Scope, q: { status?: string; limit: number; offset: number }, revealPhones: boolean): Promise<{ total: number; items: StaffComplaint[] }> {
  const params: unknown[] = [];
  let where = scopeSql(scope, 'c.region_code', 'NULL', params);
  if (q.status) { params.push(q.status); where += ` AND c.status = $${params.length}`; }
  const [count] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM complaint c WHERE ${where}`, params);
  params.push(q.limit, q.offset);
  const rows = await db.query<ComplaintRow>(`${SELECT} WHERE ${where} ORDER BY (c.status IN ('received', 'in-progress')) DESC, c.due_at NULLS LAST, c.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`, params);
  return { total: count?.n ?? 0, items: rows.map((r) => staffView(r, revealPhones)) };
}

export async function getComplaint(db: Queryable, scope: Scope, id: number, revealPhones: boolean): Promise<StaffComplaint> {
  const params: unknown[] = [id];
  const [c] = await db.query<ComplaintRow>(`${SELECT} WHERE c.id = $1 AND ${scopeSql(scope, 'c.region_code', 'NULL', params)}`, params);
  if (!c) throw notFound('complaint');
  const ev = await events(db, id);
  return { ...staffView(c, revealPhones), events: ev.map((e) => ({ kind: e.kind, label: LABELS[e.kind], note: e.note, score: e.score, actor: e.actor, office: e.office, at: e.at, public: e.public })) };
}

/** Accept (办理中), a note (public or internal) or the reply (答复) from the responsible office. */
export async function actOnComplaint(db: Db, scope: Scope, id: number, a: { kind: 'accept' | 'note' | 'reply'; text?: string; public?: boolean; clientKey?: string }, staff: { username: string; office: string }): Promise<StaffComplaint> {
  await db.transaction(async (tx) => {
    const params: unknown[] = [id];
    const [c] = await tx.query<ComplaintRow>(`${SELECT} WHERE c.id = $1 AND ${scopeSql(scope, 'c.region_code', 'NULL', params)} FOR UPDATE OF c`, params);
    if (!c) throw notFound('complaint');
    // The same client key is one action: a double click or a retried request changes nothing.
    if (a.clientKey && (await tx.query('SELECT 1 FROM complaint_event WHERE complaint_id = $1 AND client_key = $2', [c.id, a.clientKey])).length > 0) return;
    const kinds = (await events(tx, c.id)).map((e) => e.kind);
    const status = complaintStatus(kinds);
    if (status === 'closed') throw new AppError('conflict', 'this complaint is closed');
    // The work order may already be ahead (resolved from the work-order console): the complaint's
    // own history is what the resident sees, so a refused transition there is not an error here.
    const wo = async (kind: 'accepted' | 'note' | 'resolved', note?: string): Promise<void> => {
      if (!c.work_order_id) return;
      try {
        await appendAction(tx, c.work_order_id, { kind, actor: staff.username, note, clientActionId: `complaint:${c.id}:${kinds.length}` });
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'conflict')) throw err;
      }
    };
    if (a.kind === 'accept') {
      if (status !== 'received') throw new AppError('conflict', `already ${status}`);
      await addEvent(tx, c, { kind: 'accepted', actor: staff.username, office: staff.office, clientKey: a.clientKey });
      await wo('accepted');
    } else {
      const text = (a.text ?? '').trim();
      if (text.length < 2) throw new AppError('validation', 'text: write the note or the reply', { field: 'text' });
      if (a.kind === 'note') {
        await addEvent(tx, c, { kind: 'note', note: text, public: a.public ?? false, actor: staff.username, office: staff.office, clientKey: a.clientKey });
        await wo('note', text);
      } else {
        await addEvent(tx, c, { kind: 'replied', note: text, actor: staff.username, office: staff.office, clientKey: a.clientKey });
        await wo('resolved', text);
      }
    }
  });
  return getComplaint(db, scope, id, false);
}
