/** SQL of work orders (tables of migration 020). Only the service calls these. */
import type { Queryable } from '../../platform/db.ts';
import type { DerivedState } from './derive.ts';
import type { ActionKind, Assignee, WorkOrderAction, WorkOrderFilter, WorkOrderSummary } from './types.ts';
import { visibilitySql, type WorkOrderScope } from './visibility.ts';

interface OrderRow {
  id: number; type: string; subject_kind: string; subject_id: string; region_code: string; grid_id: string | null;
  title: string; priority: WorkOrderSummary['priority']; payload: Record<string, unknown>; created_at: string;
  status: WorkOrderSummary['status']; assignee: Assignee; escalation_level: number; due_at: string | null;
  resolved_at: string | null; closed_at: string | null; overdue: boolean; last_action_seq: number; auto_escalate: boolean;
  region_name: string | null; grid_name: string | null;
}

const ORDER_COLUMNS = `w.id, w.type, w.subject_kind, w.subject_id, w.region_code, w.grid_id, w.title, w.priority, w.payload,
  w.created_at, w.status, w.assignee, w.escalation_level, w.due_at, w.resolved_at, w.closed_at, w.last_action_seq, w.auto_escalate,
  (w.due_at IS NOT NULL AND w.due_at < now() AND w.status IN ('open', 'accepted')) AS overdue,
  (SELECT name FROM region WHERE code = w.region_code) AS region_name, (SELECT name FROM grid WHERE id = w.grid_id) AS grid_name`;

export type OrderRecord = WorkOrderSummary & { lastActionSeq: number; autoEscalate: boolean };

const toSummary = (r: OrderRow): OrderRecord => ({
  id: r.id, type: r.type, subject: { kind: r.subject_kind, id: r.subject_id }, regionCode: r.region_code, gridId: r.grid_id,
  title: r.title, priority: r.priority, status: r.status, assignee: r.assignee, escalationLevel: r.escalation_level,
  createdAt: r.created_at, dueAt: r.due_at, overdue: r.overdue, resolvedAt: r.resolved_at, closedAt: r.closed_at, payload: r.payload,
  regionName: r.region_name, gridName: r.grid_name, lastActionSeq: r.last_action_seq, autoEscalate: r.auto_escalate,
});

export interface OrderInsert {
  type: string; subjectKind: string; subjectId: string; regionCode: string; gridId: string | null; title: string;
  priority: string; payload: Record<string, unknown>; clientKey: string | null; createdBy: string; autoEscalate: boolean;
  state: DerivedState;
}

/** Inserts an order; undefined when an order with the same client key exists already. */
export async function insertOrder(db: Queryable, o: OrderInsert): Promise<number | undefined> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO work_order (type, subject_kind, subject_id, region_code, grid_id, title, priority, payload, client_key, created_by, created_at,
       status, assignee, assignee_user_id, assignee_role, escalation_level, due_at, resolved_at, closed_at, last_action_seq, auto_escalate)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8::jsonb,$9,$10,$11,$12,$13::jsonb,$14,$15,$16,$17,$18,$19,1,$20)
     ON CONFLICT (client_key) DO NOTHING RETURNING id`,
    [o.type, o.subjectKind, o.subjectId, o.regionCode, o.gridId, o.title, o.priority, JSON.stringify(o.payload), o.clientKey, o.createdBy,
      o.state.createdAt, o.state.status, JSON.stringify(o.state.assignee), o.state.assignee.userId ?? null, o.state.assignee.role ?? null,
      o.state.escalationLevel, o.state.dueAt, o.state.resolvedAt, o.state.closedAt, o.autoEscalate]);
  return row?.id;
}

/**
 * insertOrder for many orders in one statement: `ids` are ids taken from the table's sequence
 * beforehand (nextOrderIds), one per order; answers the ids inserted (an order whose client key
 * exists already is skipped, as insertOrder does).
 */
export async function insertOrders(db: Queryable, orders: ReadonlyArray<OrderInsert & { id: number }>): Promise<Set<number>> {
  if (orders.length === 0) return new Set();
  const rows = orders.map((o) => ({
    id: o.id, type: o.type, subject_kind: o.subjectKind, subject_id: o.subjectId, region_code: o.regionCode, grid_id: o.gridId, title: o.title,
    priority: o.priority, payload: o.payload, client_key: o.clientKey, created_by: o.createdBy, created_at: o.state.createdAt, status: o.state.status,
    assignee: o.state.assignee, assignee_user_id: o.state.assignee.userId ?? null, assignee_role: o.state.assignee.role ?? null,
    escalation_level: o.state.escalationLevel, due_at: o.state.dueAt, resolved_at: o.state.resolvedAt, closed_at: o.state.closedAt, auto_escalate: o.autoEscalate,
  }));
  const done = await db.query<{ id: number }>(
    `INSERT INTO work_order (id, type, subject_kind, subject_id, region_code, grid_id, title, priority, payload, client_key, created_by, created_at,
       status, assignee, assignee_user_id, assignee_role, escalation_level, due_at, resolved_at, closed_at, last_action_seq, auto_escalate)
     OVERRIDING SYSTEM VALUE
     SELECT x.id, x.type, x.subject_kind, x.subject_id, x.region_code, x.grid_id, x.title, x.priority, x.payload, x.client_key, x.created_by, x.created_at,
       x.status, x.assignee, x.assignee_user_id, x.assignee_role, x.escalation_level, x.due_at, x.resolved_at, x.closed_at, 1, x.auto_escalate
     FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, type text, subject_kind text, subject_id text, region_code text, grid_id text, title text,
       priority text, payload jsonb, client_key text, created_by text, created_at timestamptz, status text, assignee jsonb, assignee_user_id bigint,
       assignee_role text, escalation_level integer, due_at timestamptz, resolved_at timestamptz, closed_at timestamptz, auto_escalate boolean)
     ORDER BY x.id
     ON CONFLICT (client_key) DO NOTHING RETURNING id`, [JSON.stringify(rows)]);
  return new Set(done.map((r) => Number(r.id)));
}

/** `n` new order ids from the table's identity sequence, ascending. */
export async function nextOrderIds(db: Queryable, n: number): Promise<number[]> {
  if (n === 0) return [];
  const rows = await db.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('work_order', 'id')) AS id FROM generate_series(1, $1::int)`, [n]);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

export async function orderIdsByClientKeys(db: Queryable, clientKeys: readonly string[]): Promise<Map<string, number>> {
  if (clientKeys.length === 0) return new Map();
  const rows = await db.query<{ id: number; client_key: string }>('SELECT id, client_key FROM work_order WHERE client_key = ANY ($1::text[])', [clientKeys]);
  return new Map(rows.map((r) => [r.client_key, Number(r.id)]));
}

/** Orders by id (no scope: the system reads them), in no particular order. */
export async function findOrders(db: Queryable, ids: readonly number[]): Promise<OrderRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM work_order w WHERE w.id = ANY ($1::bigint[])`, [ids]);
  return rows.map(toSummary);
}

export async function orderIdByClientKey(db: Queryable, clientKey: string): Promise<number | undefined> {
  const [row] = await db.query<{ id: number }>('SELECT id FROM work_order WHERE client_key = $1', [clientKey]);
  return row?.id;
}

/** The order, locked for the rest of the transaction (actions of one order are appended one at a time). */
export async function lockOrder(db: Queryable, id: number): Promise<OrderRecord | undefined> {
  const [row] = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM work_order w WHERE w.id = $1 FOR UPDATE`, [id]);
  return row ? toSummary(row) : undefined;
}

export async function findOrder(db: Queryable, id: number, scope: WorkOrderScope | undefined): Promise<OrderRecord | undefined> {
  const params: unknown[] = [id];
  const [row] = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM work_order w WHERE w.id = $1 AND ${visibilitySql(scope, params)}`, params);
  return row ? toSummary(row) : undefined;
}

export interface ActionInsert {
  seq: number; kind: ActionKind; actor: string; at: string; note: string | null; assignee: Assignee | null;
  data: Record<string, unknown> | null; clientActionId: string | null;
}

export async function insertAction(db: Queryable, orderId: number, a: ActionInsert): Promise<void> {
  await db.query(
    `INSERT INTO work_order_action (work_order_id, seq, kind, actor, at, note, assignee, data, client_action_id)
     VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8::jsonb,$9)`,
    [orderId, a.seq, a.kind, a.actor, a.at, a.note, a.assignee ? JSON.stringify(a.assignee) : null, a.data ? JSON.stringify(a.data) : null, a.clientActionId]);
}

/** insertAction for many (order, action) pairs in one statement. */
export async function insertActions(db: Queryable, actions: ReadonlyArray<ActionInsert & { orderId: number }>): Promise<void> {
  if (actions.length === 0) return;
  await db.query(
    `INSERT INTO work_order_action (work_order_id, seq, kind, actor, at, note, assignee, data, client_action_id)
     SELECT x.order_id, x.seq, x.kind, x.actor, x.at, x.note, x.assignee, x.data, x.client_action_id
     FROM jsonb_to_recordset($1::jsonb) AS x(order_id bigint, seq integer, kind text, actor text, at timestamptz, note text, assignee jsonb, data jsonb, client_action_id text)`,
    [JSON.stringify(actions.map((a) => ({ order_id: a.orderId, seq: a.seq, kind: a.kind, actor: a.actor, at: a.at, note: a.note, assignee: a.assignee, data: a.data, client_action_id: a.clientActionId })))]);
}

/** The actions of many orders, oldest first per order. */
export async function loadActionsOf(db: Queryable, orderIds: readonly number[]): Promise<Map<number, WorkOrderAction[]>> {
  const out = new Map<number, WorkOrderAction[]>();
  if (orderIds.length === 0) return out;
  const rows = await db.query<WorkOrderAction & { work_order_id: number }>(
    `SELECT work_order_id, seq, kind, actor, at, note, assignee, data FROM work_order_action WHERE work_order_id = ANY ($1::bigint[]) ORDER BY work_order_id, seq`, [orderIds]);
  for (const { work_order_id: id, ...a } of rows) {
    const list = out.get(Number(id)) ?? [];
    list.push(a);
    out.set(Number(id), list);
  }
  return out;
}

export async function hasClientAction(db: Queryable, orderId: number, clientActionId: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM work_order_action WHERE work_order_id = $1 AND client_action_id = $2', [orderId, clientActionId]);
  return rows.length > 0;
}

export async function loadActions(db: Queryable, orderId: number): Promise<WorkOrderAction[]> {
  return db.query<WorkOrderAction>(
    `SELECT seq, kind, actor, at, note, assignee, data FROM work_order_action WHERE work_order_id = $1 ORDER BY seq`, [orderId]);
}

export async function writeState(db: Queryable, id: number, s: DerivedState, seq: number): Promise<void> {
  await db.query(
    `UPDATE work_order SET status = $2, assignee = $3::jsonb, assignee_user_id = $4, assignee_role = $5, escalation_level = $6,
       due_at = $7, resolved_at = $8, closed_at = $9, last_action_seq = $10 WHERE id = $1`,
    [id, s.status, JSON.stringify(s.assignee), s.assignee.userId ?? null, s.assignee.role ?? null, s.escalationLevel,
      s.dueAt, s.resolvedAt, s.closedAt, seq]);
}

export async function listOrders(db: Queryable, f: WorkOrderFilter, scope: WorkOrderScope | undefined): Promise<{ items: OrderRecord[]; total: number }> {
  const params: unknown[] = [];
  const where = [visibilitySql(scope, params)];
  const p = (v: unknown): string => { params.push(v); return `$${params.length}`; };
  if (f.type) where.push(`w.type = ${p(f.type)}`);
  if (f.status && f.status.length > 0) where.push(`w.status = ANY (${p(f.status)}::text[])`);
  if (f.regionPrefix) where.push(`w.region_code LIKE ${p(`${f.regionPrefix}%`)}`);
  if (f.subject) where.push(`w.subject_kind = ${p(f.subject.kind)} AND w.subject_id = ${p(f.subject.id)}`);
  if (f.overdue !== undefined) {
    where.push(`${f.overdue ? '' : 'NOT '}(w.due_at IS NOT NULL AND w.due_at < now() AND w.status IN ('open', 'accepted'))`);
  }
  if (f.assignedTo) {
    const roles = f.assignedTo.roles ?? [];
    where.push(`(w.assignee_user_id = ${p(f.assignedTo.userId)}${roles.length > 0 ? ` OR (w.assignee_user_id IS NULL AND w.assignee_role = ANY (${p(roles)}::text[]))` : ''})`);
  }
  const cond = where.join(' AND ');
  const [count] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM work_order w WHERE ${cond}`, params);
  const rows = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM work_order w WHERE ${cond}
     ORDER BY (w.status IN ('open', 'accepted')) DESC, w.due_at ASC NULLS LAST, w.id DESC
     LIMIT ${p(Math.min(f.limit ?? 50, 500))} OFFSET ${p(f.offset ?? 0)}`, params);
  return { items: rows.map(toSummary), total: count?.n ?? 0 };
}

/** The escalation chain of an order type (its own, else the '*' chain), by level. */
export async function escalationChain(db: Queryable, type: string): Promise<Array<{ level: number; role: string; graceWorkingDays: number }>> {
  return db.query(
    `SELECT level, role, grace_working_days AS "graceWorkingDays" FROM work_order_escalation
     WHERE order_type = CASE WHEN EXISTS (SELECT 1 FROM work_order_escalation WHERE order_type = $1) THEN $1 ELSE '*' END
     ORDER BY level`, [type]);
}

/** Roles a staff user holds (to place a personally assigned order on the escalation chain). */
export async function rolesOfUser(db: Queryable, userId: number): Promise<string[]> {
  const rows = await db.query<{ role: string }>('SELECT DISTINCT role FROM staff_role WHERE user_id = $1', [userId]);
  return rows.map((r) => r.role);
}
