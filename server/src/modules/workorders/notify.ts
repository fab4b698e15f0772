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

export async function notifyUsers(db: Queryable, userIds: readonly number[], n: { workOrderId?: number | null; kind: string; title: string; body?: string | null }): Promise<number> {
  if (userIds.length === 0) return 0;
  const rows = await db.query(
    `INSERT INTO notification (user_id, work_order_id, kind, title, body)
     SELECT u, $2, $3, $4, $5 FROM unnest($1::bigint[]) AS u RETURNING id`,
    [userIds, n.workOrderId ?? null, n.kind, n.title.slice(0, 300), n.body ?? null]);
  return rows.length;
}

const TITLES: Partial<Record<WorkOrderAction['kind'], string>> = { created: '新工单', assigned: '工单转派给您', escalated: '工单已升级给您' };

/** Tells the users of the action's assignee (created, assigned, escalated) about the order. */
export async function notifyAssignee(db: Queryable, order: WorkOrderSummary, action: WorkOrderAction): Promise<void> {
  const prefix = TITLES[action.kind];
  const assignee = action.assignee ?? order.assignee;
  if (!prefix) return;
  const users = await usersOfAssignee(db, assignee, order);
  const due = order.dueAt ? `，期限 ${new Date(order.dueAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })}` : '';
  await notifyUsers(db, users, { workOrderId: order.id, kind: `workorder.${action.kind}`, title: `${prefix}：${order.title}`, body: `${order.type}${due}` });
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
