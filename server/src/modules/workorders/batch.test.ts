/**
 * createWorkOrders (a batch) writes what createWorkOrder writes for each order — the order, its
 * 'created' action, the overdue timer, the notifications, the after-commit events — and is
 * idempotent by client key like it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../platform/auth/roles.ts';
import { findTimer } from '../../platform/jobs.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { createWorkOrders } from './batch.ts';
import { createWorkOrder, onWorkOrderAction, overdueTimerKey } from './service.ts';
import type { NewWorkOrder, WorkOrder } from './types.ts';

const COMMUNITY = '120101001001';
const OTHER_COMMUNITY = '120103001001';
const GRID = '120101001001-G1';
let t: TestDb;
const users: Record<string, number> = {};

async function user(name: string, role: Role, regionCode: string, gridId: string | null = null): Promise<number> {
  const [u] = await t.db.query<{ id: number }>(
    `INSERT INTO staff_user (username, display_name, office, password_hash, created_by) VALUES ($1, $1, '测试', 'x', 'test') RETURNING id`, [name]);
  await t.db.query('INSERT INTO staff_role (user_id, role, region_code, grid_id) VALUES ($1, $2, $3, $4)', [u!.id, role, regionCode, gridId]);
  return u!.id;
}

const order = (key: string, over: Partial<NewWorkOrder> = {}): NewWorkOrder => ({
  type: 'verification', subject: { kind: 'household', id: key }, regionCode: COMMUNITY, gridId: GRID, title: `核查：${key}`, priority: 'high',
  assignee: { role: 'grid-worker', regionCode: COMMUNITY, gridId: GRID }, due: { workingDays: 5 }, payload: { warningId: key }, clientKey: key, actor: 'monitoring', ...over,
});

/** What a user can see of an order and what it caused, without ids and instants of creation. */
async function footprint(o: WorkOrder): Promise<unknown> {
  const timer = await findTimer(t.db, overdueTimerKey(o.id));
  const notes = await t.db.query<{ user_id: number; kind: string; title: string; body: string }>(
    `SELECT user_id, kind, replace(title, $2, '…') AS title, body FROM notification WHERE work_order_id = $1 ORDER BY id`, [o.id, o.subject.id]);
  const [row] = await t.db.query<Record<string, unknown>>(
    `SELECT type, subject_kind, subject_id, region_code, grid_id, title, priority, payload, created_by, status, assignee, assignee_user_id, assignee_role,
       escalation_level, due_at, resolved_at, closed_at, last_action_seq, auto_escalate FROM work_order WHERE id = $1`, [o.id]);
  const actions = await t.db.query('SELECT seq, kind, actor, note, assignee, data, client_action_id FROM work_order_action WHERE work_order_id = $1 ORDER BY seq', [o.id]);
  return {
    row: { ...row, subject_id: 'x', title: 'x', payload: 'x' }, actions, notes,
    timer: timer && { kind: timer.kind, runAt: timer.runAt, status: timer.status },
  };
}

describe('createWorkOrders', () => {
  beforeAll(async () => {
    t = await testDb();
    await t.db.exec(`INSERT INTO grid (id, community_code, kind, name) VALUES ('${GRID}', '${COMMUNITY}', 'general', '一网格')`);
    users.grid = await user('wb.grid', 'grid-worker', COMMUNITY, GRID);
    users.grid2 = await user('wb.grid2', 'grid-worker', COMMUNITY, GRID);
    users.community = await user('wb.community', 'community-worker', COMMUNITY);
    users.other = await user('wb.other', 'community-worker', OTHER_COMMUNITY);
  });
  afterAll(async () => { await t.close(); });

  it('writes the same order, action log, timer and notifications as createWorkOrder, for every kind of assignee and due time', async () => {
    const shapes: Array<Partial<NewWorkOrder>> = [
      {},
      { assignee: { role: 'community-worker', regionCode: COMMUNITY }, gridId: null, due: { workingDays: 10 } },
      { regionCode: OTHER_COMMUNITY, gridId: null, assignee: { role: 'community-worker', regionCode: OTHER_COMMUNITY } },
      { assignee: { userId: users.community! }, due: { at: '2027-03-01T08:00:00+08:00' } },
      { due: null, escalation: 'none' },
    ];
    const one = [];
    for (const [i, s] of shapes.entries()) one.push(await createWorkOrder(t.db, order(`one-${i}`, s)));
    const many = await createWorkOrders(t.db, shapes.map((s, i) => order(`many-${i}`, s)));
    expect(many.map((o) => o.subject.id)).toEqual(shapes.map((_s, i) => `many-${i}`));
    expect(many.map((o) => o.id)).toEqual([...many.map((o) => o.id)].sort((a, b) => a - b)); // ids in input order
    for (const [i, o] of many.entries()) {
      expect(await footprint(o)).toEqual(await footprint(one[i]!));
      expect(o.actions).toEqual([expect.objectContaining({ seq: 1, kind: 'created', actor: 'monitoring' })]);
      expect(o.status).toBe('open');
    }
    // The grid's two workers are both told; the other community's worker only of its own order.
    const told = await t.db.query<{ user_id: number; n: number }>(
      `SELECT user_id, count(*)::int AS n FROM notification WHERE work_order_id = ANY ($1::bigint[]) GROUP BY user_id ORDER BY user_id`, [many.map((o) => o.id)]);
    expect(told).toEqual([
      { user_id: users.grid, n: 2 }, { user_id: users.grid2, n: 2 }, { user_id: users.community, n: 2 }, { user_id: users.other, n: 1 },
    ].sort((a, b) => a.user_id! - b.user_id!));
  });

  it('answers the existing order for a client key stored before or repeated in the batch, and adds nothing for it', async () => {
    const before = await createWorkOrder(t.db, order('dup-a'));
    const [{ n: ordersBefore }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM work_order') as [{ n: number }];
    const got = await createWorkOrders(t.db, [order('dup-a'), order('dup-b'), order('dup-b', { title: '又一次' }), order('dup-c')]);
    expect(got[0]!.id).toBe(before.id);
    expect(got[2]!.id).toBe(got[1]!.id);
    expect(got[2]!.title).toBe('核查：dup-b');
    const [{ n: ordersAfter }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM work_order') as [{ n: number }];
    expect(ordersAfter).toBe(ordersBefore + 2);
    const [{ n: notes }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification WHERE work_order_id = $1', [before.id]) as [{ n: number }];
    expect(notes).toBe(2); // still only the two grid workers told once, at its creation
  });

  it('tells the listeners of each new order once, after the commit', async () => {
    const seen: string[] = [];
    const off = onWorkOrderAction('verification', (o, a) => { seen.push(`${o.subject.id}:${a.kind}`); });
    try {
      await createWorkOrders(t.db, [order('ev-1'), order('ev-2'), order('dup-a')]);
      await new Promise((r) => setTimeout(r, 20));
      expect(seen.sort()).toEqual(['ev-1:created', 'ev-2:created']);
    } finally { off(); }
  });

  it('refuses the whole batch when one order is invalid, naming it', async () => {
    await expect(createWorkOrders(t.db, [order('bad-1'), order('bad-2', { regionCode: '1201' })])).rejects.toThrow(/^1\.regionCode: /);
    expect(await t.db.query(`SELECT id FROM work_order WHERE client_key = 'bad-1'`)).toEqual([]);
  });
});
