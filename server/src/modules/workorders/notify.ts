/**
 * In-app notifications (站内通知) for staff: written in the same transaction as the work order
 * action that causes them, to every user the assignee names (a user, or the holders of a role
 * bound to a region that contains the order's region; grid workers of the order's grid).
 * Webhook deliveries to the SMS/voice gateway and acknowledgement links: ./webhooks.ts.
 */
import type { Queryable } from '../../platform/db.ts';
import type { Assignee, WorkOrderAction, WorkOrderSummary } from './types.ts';

export interface Notification {
  id: number; workOrderId: number | null; kind: string; title: string; body: string | null; createdAt: string; readAt: string | null;
}

/** Staff user ids an assignee names. */
export async function usersOfAssignee(db: Queryable, a: Assignee, order: Pick<WorkOrderSummary, 'regionCode' | 'gridId'>): Promise<number[]> {
  if (a.userId !== undefined) return [a.userId];
  if (a.role === undefined) return [];
  const region = a.regionCode ?? order.regionCode;
  const grid = a.gridId ?? (a.role === 'grid-worker' ? order.gridId : null);
  const rows = await db.query<{ user_id: number }>(
    `SELECT DISTINCT r.user_id FROM staff_role r JOIN region g ON g.code = r.region_code JOIN staff_user u ON u.id = r.user_id
     WHERE u.active AND r.role = $1 AND $2 LIKE g.prefix || '%'
       AND ($3::text IS NULL OR r.grid_id IS NULL OR r.grid_id = $3 OR r.grid_id = (SELECT parent_grid_id FROM grid WHERE id = $3))
     ORDER BY r.user_id LIMIT 500`, [a.role, region, grid]);
  return rows.map((r) => r.user_id);
}

/** usersOfAssignee for many (assignee, order) pairs in one query; answers the user ids in the same order. */
export async function usersOfAssignees(db: Queryable, items: ReadonlyArray<{ assignee: Assignee; order: Pick<WorkOrderSummary, 'regionCode' | 'gridId'> }>): Promise<number[][]> {
  const out: number[][] = items.map((x) => (x.assignee.userId !== undefined ? [x.assignee.userId] : []));
  const asks = items.flatMap((x, i) => (x.assignee.userId === undefined && x.assignee.role !== undefined
    ? [{ i, role: x.assignee.role, region: x.assignee.regionCode ?? x.order.regionCode, grid: x.assignee.gridId ?? (x.assignee.role === 'grid-worker' ? x.order.gridId : null) }] : []));
  if (asks.length === 0) return out;
  const rows = await db.query<{ i: number; users: number[] }>(
    `SELECT x.i, ARRAY(SELECT DISTINCT r.user_id FROM staff_role r JOIN region g ON g.code = r.region_code JOIN staff_user u ON u.id = r.user_id
       WHERE u.active AND r.role = x.role AND x.region LIKE g.prefix || '%'
         AND (x.grid IS NULL OR r.grid_id IS NULL OR r.grid_id = x.grid OR r.grid_id = (SELECT parent_grid_id FROM grid WHERE id = x.grid))
       ORDER BY r.user_id LIMIT 500) AS users
     FROM jsonb_to_recordset($1::jsonb) AS x(i integer, role text, region text, grid text)`, [JSON.stringify(asks)]);
  for (const r of rows) out[r.i] = r.users.map(Number);
  return out;
}

/** notifyUsers for many notifications in one statement (in order; each to its users in id order). */
export async function notifyMany(db: Queryable, items: ReadonlyArray<{ userIds: readonly number[]; workOrderId?: number | null; kind: string; title: string; body?: string | null }>): Promise<number> {
  const rows = items.filter((n) => n.userIds.length > 0)
    .map((n) => ({ users: n.userIds, work_order_id: n.workOrderId ?? null, kind: n.kind, title: n.title.slice(0, 300), body: n.body ?? null }));
  if (rows.length === 0) return 0;
  const done = await db.query(
    `INSERT INTO notification (user_id, work_order_id, kind, title, body)
     SELECT u.v::bigint, x.work_order_id, x.kind, x.title, x.body
     FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (users jsonb, work_order_id bigint, kind text, title text, body text)) WITH ORDINALITY AS x(users, work_order_id, kind, title, body, ord)
     CROSS JOIN LATERAL jsonb_array_elements_text(x.users) WITH ORDINALITY AS u(v, k) ORDER BY x.ord, u.k RETURNING id`, [JSON.stringify(rows)]);
  return done.length;
}

export async function notifyUsers(db: Queryable, userIds: readonly number[], n: { workOrderId?: number | null; kind: string; title: string; body?: string | null }): Promise<number> {
  if (userIds.length === 0) return 0;
  const rows = await db.query(
    `INSERT INTO notification (user_id, work_order_id, kind, title, body)
     SELECT u, $2, $3, $4, $5 FROM unnest($1::bigint[]) AS u RETURNING id`,
    [userIds, n.workOrderId ?? null, n.kind, n.title.slice(0, 300), n.body ?? null]);
  return rows.length;
}

const TITLES: Partial<Record<WorkOrderAction['kind'], string>> = { created: '新工单', assigned: '工单转派给您', escalated: '工单已升级给您' };

/** What toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) writes, made once (that call builds a formatter each time: 0.2 ms). */
const BEIJING_TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });

/** The notification an action (created, assigned, escalated) sends its assignee; undefined for other kinds. */
export function assigneeNotice(order: WorkOrderSummary, action: WorkOrderAction): { workOrderId: number; kind: string; title: string; body: string } | undefined {
  const prefix = TITLES[action.kind];
  if (!prefix) return undefined;
  const due = order.dueAt ? `，期限 ${BEIJING_TIME.format(new Date(order.dueAt))}` : '';
  return { workOrderId: order.id, kind: `workorder.${action.kind}`, title: `${prefix}：${order.title}`, body: `${order.type}${due}` };
}

/** Tells the users of the action's assignee (created, assigned, escalated) about the order. */
export async function notifyAssignee(db: Queryable, order: WorkOrderSummary, action: WorkOrderAction): Promise<void> {
  const notice = assigneeNotice(order, action);
  if (!notice) return;
  const users = await usersOfAssignee(db, action.assignee ?? order.assignee, order);
  await notifyUsers(db, users, notice);
}

export async function listNotifications(db: Queryable, userId: number, opts: { unreadOnly?: boolean; limit?: number }): Promise<{ items: Notification[]; unread: number }> {
  const items = await db.query<Notification>(
    `SELECT id, work_order_id AS "workOrderId", kind, title, body, created_at AS "createdAt", read_at AS "readAt"
     FROM notification WHERE user_id = $1 ${opts.unreadOnly ? 'AND read_at IS NULL' : ''} ORDER BY id DESC LIMIT $2`, [userId, opts.limit ?? 30]);
  const [c] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification WHERE user_id = $1 AND read_at IS NULL', [userId]);
  return { items, unread: c?.n ?? 0 };
}

/** Marks the user's notifications read (the given ids, or all); returns how many changed. */
export async function markRead(db: Queryable, userId: number, ids: readonly number[] | 'all'): Promise<number> {
  const rows = ids === 'all'
    ? await db.query('UPDATE notification SET read_at = now() WHERE user_id = $1 AND read_at IS NULL RETURNING id', [userId])
    : await db.query('UPDATE notification SET read_at = now() WHERE user_id = $1 AND read_at IS NULL AND id = ANY($2::bigint[]) RETURNING id', [userId, ids]);
  return rows.length;
}
