/**
 * Read models of the console: the warnings inbox by region, the grid worker's verification tasks,
 * the dashboard (open chains by district, overdue, median days to closure), photos. Every query
 * takes the caller's Scope.
 */
import { scopeSql, type Scope } from '../../platform/auth/scope.ts';
import type { Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { listWorkOrders, type WorkOrderScope } from '../workorders/service.ts';
import { VERIFICATION } from './chain.ts';

export interface WarningItem {
  id: number; ruleId: string; severity: string; reason: string; onDate: string; raisedAt: string; chainId: number; chainStatus: string;
  householdId: number | null; personId: number | null; regionCode: string; regionName: string | null; headName: string | null; householdNo: string | null;
}

export async function listWarnings(db: Queryable, scope: Scope, f: { region?: string | undefined; status?: 'open' | 'closed' | undefined; severity?: string | undefined; rule?: string | undefined; household?: number | undefined; limit: number; offset: number }): Promise<{ items: WarningItem[]; total: number }> {
  const params: unknown[] = [];
  const where = [scopeSql(scope, 'w.region_code', 'w.grid_id', params)];
  const p = (v: unknown): string => { params.push(v); return `$${params.length}`; };
  if (f.region) where.push(`w.region_code LIKE ${p(`${f.region.replace(/(000)+$/, '')}%`)}`);
  if (f.status) where.push(`c.status = ${p(f.status)}`);
  if (f.severity) where.push(`w.severity = ${p(f.severity)}`);
  if (f.rule) where.push(`w.rule_id = ${p(f.rule)}`);
  if (f.household !== undefined) where.push(`w.household_id = ${p(f.household)}`);
  const cond = where.join(' AND ');
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM monitoring_warning w JOIN monitoring_chain c ON c.id = w.chain_id WHERE ${cond}`, params) as [{ n: number }];
  const items = await db.query<WarningItem>(
    `SELECT w.id, w.rule_id AS "ruleId", w.severity, w.reason, to_char(w.on_date, 'YYYY-MM-DD') AS "onDate", w.raised_at AS "raisedAt", w.chain_id AS "chainId", c.status AS "chainStatus",
       w.household_id AS "householdId", w.person_id AS "personId", w.region_code AS "regionCode", r.name AS "regionName",
       coalesce((SELECT name FROM person WHERE id = h.head_person_id), (SELECT name FROM person WHERE id = w.person_id)) AS "headName", h.household_no AS "householdNo"
     FROM monitoring_warning w JOIN monitoring_chain c ON c.id = w.chain_id LEFT JOIN household h ON h.id = w.household_id LEFT JOIN region r ON r.code = w.region_code
     WHERE ${cond} ORDER BY (w.severity = 'high') DESC, w.id DESC LIMIT ${p(f.limit)} OFFSET ${p(f.offset)}`, params);
  return { items, total: n };
}

export interface TaskItem {
  workOrderId: number; status: string; dueAt: string | null; overdue: boolean; title: string; priority: string; chainId: number | null;
  reason: string | null; householdId: number | null; headName: string | null; address: string | null; regionName: string | null; members: number;
}

/** Verification tasks the caller may see (a grid worker: their grids'), open first, earliest due first. */
export async function listTasks(db: Queryable, viewer: WorkOrderScope, status: 'open' | 'done'): Promise<TaskItem[]> {
  const { items } = await listWorkOrders(db, { type: VERIFICATION, status: status === 'open' ? ['open', 'accepted'] : ['resolved', 'closed'], limit: 200 }, viewer);
  const ids = items.map((o) => (o.subject.kind === 'household' ? Number(o.subject.id) : 0));
  const info = await db.query<{ id: number; head: string | null; address: string | null; region: string | null; members: number }>(
    `SELECT h.id, (SELECT name FROM person WHERE id = h.head_person_id) AS head, h.address, r.name AS region, (SELECT count(*)::int FROM person WHERE household_id = h.id) AS members
     FROM household h LEFT JOIN region r ON r.code = h.residence_community WHERE h.id = ANY ($1::bigint[])`, [ids]);
  const byId = new Map(info.map((i) => [i.id, i]));
  return items
    .map((o) => {
      const h = o.subject.kind === 'household' ? byId.get(Number(o.subject.id)) : undefined;
      return {
        workOrderId: o.id, status: o.status, dueAt: o.dueAt, overdue: o.overdue, title: o.title, priority: o.priority,
        chainId: typeof o.payload.chainId === 'number' ? o.payload.chainId : null, reason: typeof o.payload.reason === 'string' ? o.payload.reason : null,
        householdId: h?.id ?? null, headName: h?.head ?? null, address: h?.address ?? null, regionName: h?.region ?? null, members: h?.members ?? 0,
      };
    })
    .sort((a, b) => (a.dueAt ?? '9').localeCompare(b.dueAt ?? '9'));
}

export interface Dashboard {
  openByDistrict: Array<{ code: string; name: string; open: number; overdue: number }>;
  open: number; overdueTasks: number; closed: number; medianDaysToClose: number | null;
  bySeverity: Record<string, number>;
}

export async function dashboard(db: Queryable, scope: Scope): Promise<Dashboard> {
  const params: unknown[] = [];
  const inScope = scopeSql(scope, 'c.region_code', 'c.grid_id', params);
  const districts = await db.query<{ code: string; name: string; open: number; overdue: number }>(
    `SELECT d.code, d.name, count(*) FILTER (WHERE c.status = 'open')::int AS open,
       count(*) FILTER (WHERE c.status = 'open' AND EXISTS (
         SELECT 1 FROM monitoring_chain_action a WHERE a.chain_id = c.id AND a.kind = 'task'
           AND (a.data->>'dueAt')::timestamptz < now()
           AND NOT EXISTS (SELECT 1 FROM monitoring_chain_action v WHERE v.chain_id = c.id AND v.kind = 'visit' AND (v.data->>'workOrderId') = (a.data->>'workOrderId'))))::int AS overdue
     FROM monitoring_chain c JOIN region d ON d.code = left(c.region_code, 6) || '000000'
     WHERE ${inScope} GROUP BY d.code, d.name ORDER BY d.code`, params);
  const [totals] = await db.query<{ open: number; closed: number; median: number | null }>(
    `SELECT count(*) FILTER (WHERE c.status = 'open')::int AS open, count(*) FILTER (WHERE c.status = 'closed')::int AS closed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.closed_at - c.opened_at) / 86400) FILTER (WHERE c.status = 'closed') AS median
     FROM monitoring_chain c WHERE ${inScope}`, params);
  const sev = await db.query<{ severity: string; n: number }>(
    `SELECT w.severity, count(*)::int AS n FROM monitoring_warning w JOIN monitoring_chain c ON c.id = w.chain_id WHERE c.status = 'open' AND ${inScope} GROUP BY w.severity`, params);
  return {
    openByDistrict: districts.filter((d) => d.open > 0), open: totals?.open ?? 0, closed: totals?.closed ?? 0,
    overdueTasks: districts.reduce((s, d) => s + d.overdue, 0),
    medianDaysToClose: totals?.median === null || totals?.median === undefined ? null : Math.round(Number(totals.median) * 10) / 10,
    bySeverity: Object.fromEntries(sev.map((s) => [s.severity, s.n])),
  };
}

// ---- photos ----

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;

/** The image type by its first bytes (never by the file name or the declared type). */
export function sniffImage(buf: Buffer): 'image/jpeg' | 'image/png' | 'image/webp' | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

export async function storePhoto(db: Queryable, chainId: number, bytes: Buffer, sha256: string, actor: string): Promise<number> {
  if (bytes.length > MAX_PHOTO_BYTES) throw new AppError('too_large', `file: the photo is larger than 5 MB`, { field: 'file' });
  const mime = sniffImage(bytes);
  if (!mime) throw new AppError('unsupported_media', 'file: not a JPEG, PNG or WebP image (judged by its content)', { field: 'file' });
  const [row] = await db.query<{ id: number }>(`INSERT INTO monitoring_photo (chain_id, mime, bytes, sha256, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [chainId, mime, bytes, sha256, actor]);
  return row!.id;
}

export async function getPhoto(db: Queryable, scope: Scope, id: number): Promise<{ mime: string; bytes: Buffer; chainId: number }> {
  const params: unknown[] = [id];
  const [row] = await db.query<{ mime: string; bytes: Uint8Array; chain_id: number }>(
    `SELECT p.mime, p.bytes, p.chain_id FROM monitoring_photo p JOIN monitoring_chain c ON c.id = p.chain_id WHERE p.id = $1 AND ${scopeSql(scope, 'c.region_code', 'c.grid_id', params)}`, params);
  if (!row) throw notFound(`photo ${id}`);
  return { mime: row.mime, bytes: Buffer.from(row.bytes), chainId: row.chain_id };
}
