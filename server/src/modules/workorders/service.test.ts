/** Work orders through the service: due times on the official calendar, idempotency, refusals, scope, events, escalation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeFor } from '../../platform/auth/scope.ts';
import type { Role } from '../../platform/auth/roles.ts';
import { AppError } from '../../platform/errors.ts';
import { findTimer, runDueTimers } from '../../platform/jobs.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { registerEscalationHandler } from './escalation.ts';
import { listNotifications } from './notify.ts';
import {
  appendAction, createWorkOrder, dueTime, getWorkOrder, listWorkOrders, onWorkOrderAction, overdueTimerKey, type Viewer,
} from './service.ts';
import type { NewWorkOrder, WorkOrderAction } from './types.ts';

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

const order = (over: Partial<NewWorkOrder> = {}): NewWorkOrder => ({
  type: 'verification', subject: { kind: 'household', id: '42' }, regionCode: COMMUNITY, gridId: GRID, title: '核查：大额医疗支出',
  assignee: { role: 'grid-worker', regionCode: COMMUNITY, gridId: GRID }, due: { workingDays: 3 }, actor: 'monitoring', ...over,
});

const refusal = async (p: Promise<unknown>): Promise<AppError> => {
  try { await p; } catch (e) { if (e instanceof AppError) return e; throw e; }
  throw new Error('expected a refusal');
};

describe('work orders', () => {
  beforeAll(async () => {
    t = await testDb();
    await t.db.exec(`INSERT INTO grid (id, community_code, kind, name) VALUES ('${GRID}', '${COMMUNITY}', 'general', '一网格')`);
    users.grid = await user('wo.grid', 'grid-worker', COMMUNITY, GRID);
    users.community = await user('wo.community', 'community-worker', COMMUNITY);
    users.street = await user('wo.street', 'street-staff', '120101001000');
    users.otherStreet = await user('wo.other', 'street-staff', '120103001000');
    users.volunteer = await user('wo.volunteer', 'responder', '120101001000');
    registerEscalationHandler();
  });
  afterAll(async () => { await t.close(); });

  it('working-day due times end at 18:00 Beijing time and skip the Spring Festival, counting the adjusted Saturday', async () => {
    const friday = new Date('2026-02-13T03:00:00Z'); // 11:00 in Beijing, the Friday before the holiday
    expect(await dueTime(t.db, { workingDays: 1 }, friday)).toBe('2026-02-14T10:00:00.000Z'); // Saturday 02-14 is a working day
    expect(await dueTime(t.db, { workingDays: 2 }, friday)).toBe('2026-02-24T10:00:00.000Z'); // 02-15..02-23 off
    // 23:30 UTC on 02-13 is already 02-14 in Beijing: counting starts from the Beijing date.
    expect(await dueTime(t.db, { workingDays: 1 }, new Date('2026-02-13T23:30:00Z'))).toBe('2026-02-24T10:00:00.000Z');
    expect(await dueTime(t.db, { at: '2026-02-14T08:00:05+08:00' })).toBe('2026-02-14T00:00:05.000Z');
  });

  it('creates an open order with a created action, an overdue timer and a notification to the grid worker', async () => {
    const o = await createWorkOrder(t.db, order({ clientKey: 'create-1' }));
    expect(o).toMatchObject({ status: 'open', type: 'verification', escalationLevel: 0, overdue: false, subject: { kind: 'household', id: '42' } });
    expect(o.actions).toEqual([expect.objectContaining({ seq: 1, kind: 'created', actor: 'monitoring' })]);
    expect(Date.parse(o.dueAt!)).toBeGreaterThan(Date.now());
    expect(await findTimer(t.db, overdueTimerKey(o.id))).toMatchObject({ status: 'pending', runAt: o.dueAt });
    const bell = await listNotifications(t.db, users.grid!, {});
    expect(bell.items.some((n) => n.workOrderId === o.id && n.title.includes('核查'))).toBe(true);
    expect((await listNotifications(t.db, users.otherStreet!, {})).items).toEqual([]);
  });

  it('creating again with the same client key returns the same order, also concurrently', async () => {
    const a = await createWorkOrder(t.db, order({ clientKey: 'dup-1' }));
    const again = await createWorkOrder(t.db, order({ clientKey: 'dup-1', title: 'different' }));
    expect(again.id).toBe(a.id);
    expect(again.title).toBe(a.title);
    const both = await Promise.all([createWorkOrder(t.db, order({ clientKey: 'dup-2' })), createWorkOrder(t.db, order({ clientKey: 'dup-2' }))]);
    expect(both[0].id).toBe(both[1].id);
    const [n] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM work_order WHERE client_key IN ('dup-1', 'dup-2')`);
    expect(n?.n).toBe(2);
  });

  it('refuses bad input naming the field', async () => {
    const e = await refusal(createWorkOrder(t.db, order({ regionCode: '1201' })));
    expect(e).toMatchObject({ code: 'validation', details: { field: 'regionCode' } });
  });

  it('actions are stored once per client action id, and a closed order refuses further work', async () => {
    const o = await createWorkOrder(t.db, order());
    await appendAction(t.db, o.id, { kind: 'accepted', actor: 'wo.grid', clientActionId: 'k1' });
    const twice = await appendAction(t.db, o.id, { kind: 'accepted', actor: 'wo.grid', clientActionId: 'k1' });
    expect(twice.actions.map((a) => a.kind)).toEqual(['created', 'accepted']);
    await appendAction(t.db, o.id, { kind: 'visit', actor: 'wo.grid', note: '入户核实', data: { finding: 'confirmed' } });
    const resolved = await appendAction(t.db, o.id, { kind: 'resolved', actor: 'wo.grid', clientActionId: 'k3' });
    expect(resolved).toMatchObject({ status: 'resolved' });
    expect(await findTimer(t.db, overdueTimerKey(o.id))).toMatchObject({ status: 'cancelled' });
    const closed = await appendAction(t.db, o.id, { kind: 'closed', actor: 'wo.community' });
    expect(closed.status).toBe('closed');
    const e = await refusal(appendAction(t.db, o.id, { kind: 'note', actor: 'wo.grid', note: 'late' }));
    expect(e.code).toBe('conflict');
    expect((await getWorkOrder(t.db, o.id)).actions).toHaveLength(5);
    expect((await refusal(appendAction(t.db, 999_999, { kind: 'note', actor: 'x' }))).code).toBe('not_found');
  });

  it('a reopened order gets its working-day SLA again instead of escalating at once', async () => {
    const o = await createWorkOrder(t.db, order({ type: 'reopen-test', due: { workingDays: 2 } }));
    expect(o.actions[0]?.data).toMatchObject({ workingDays: 2 });
    await appendAction(t.db, o.id, { kind: 'resolved', actor: 'wo.grid', note: 'x' });
    // Reopened three weeks later: the first deadline is long past.
    const later = new Date(Date.parse(o.dueAt!) + 21 * 86_400_000);
    const reopened = await appendAction(t.db, o.id, { kind: 'reopened', actor: 'wo.community', note: '群众不满意', at: later.toISOString() });
    expect(reopened.status).toBe('open');
    expect(reopened.dueAt).toBe(await dueTime(t.db, { workingDays: 2 }, later));
    expect(Date.parse(reopened.dueAt!)).toBeGreaterThan(later.getTime());
    expect(await findTimer(t.db, overdueTimerKey(o.id))).toMatchObject({ status: 'pending', runAt: reopened.dueAt });
  });

  it('the action log refuses UPDATE and DELETE', async () => {
    const o = await createWorkOrder(t.db, order());
    await expect(t.db.query(`UPDATE work_order_action SET actor = 'forger' WHERE work_order_id = $1`, [o.id])).rejects.toThrow(/append-only/);
    await expect(t.db.query('DELETE FROM work_order_action WHERE work_order_id = $1', [o.id])).rejects.toThrow(/append-only/);
  });

  it('scope: other regions see nothing; a volunteer sees only what is given to volunteers; anyone sees what is assigned to them', async () => {
    const mine = await createWorkOrder(t.db, order({ type: 'scope-test' }));
    const vol = await createWorkOrder(t.db, order({ type: 'scope-test', assignee: { role: 'responder', regionCode: COMMUNITY } }));
    const personal = await createWorkOrder(t.db, order({ type: 'scope-test', regionCode: OTHER_COMMUNITY, gridId: null, assignee: { userId: users.grid! } }));
    const bind = (role: Role, regionCode: string, regionPrefix: string, gridId: string | null = null) => [{ role, regionCode, regionPrefix, gridId }];
    const other = scopeFor(bind('street-staff', '120103001000', '120103001'), 'workorders.read');
    expect((await refusal(getWorkOrder(t.db, mine.id, other))).code).toBe('not_found');
    const street = scopeFor(bind('street-staff', '120101001000', '120101001'), 'workorders.read');
    expect((await listWorkOrders(t.db, { type: 'scope-test' }, street)).items.map((o) => o.id).sort()).toEqual([mine.id, vol.id].sort());
    const volunteer: Viewer = { kind: 'viewer', scope: scopeFor([], 'workorders.read'), userId: users.volunteer!, responderPrefixes: ['120101001'] };
    expect((await listWorkOrders(t.db, { type: 'scope-test' }, volunteer)).items.map((o) => o.id)).toEqual([vol.id]);
    const gridWorker: Viewer = { kind: 'viewer', scope: scopeFor(bind('grid-worker', COMMUNITY, COMMUNITY, GRID), 'workorders.read'), userId: users.grid!, responderPrefixes: [] };
    expect((await listWorkOrders(t.db, { type: 'scope-test' }, gridWorker)).items.map((o) => o.id).sort()).toEqual([mine.id, vol.id, personal.id].sort());
    expect((await listWorkOrders(t.db, { type: 'scope-test', assignedTo: { userId: users.grid!, roles: ['grid-worker'] } }, gridWorker)).items.map((o) => o.id).sort())
      .toEqual([mine.id, personal.id].sort());
  });

  it('filters by status, subject and overdue', async () => {
    const late = await createWorkOrder(t.db, order({ type: 'filter-test', subject: { kind: 'person', id: '7' }, due: { at: '2026-01-05T10:00:00Z' }, escalation: 'none' }));
    const onTime = await createWorkOrder(t.db, order({ type: 'filter-test' }));
    await appendAction(t.db, onTime.id, { kind: 'resolved', actor: 'x' });
    const ids = async (f: Parameters<typeof listWorkOrders>[1]) => (await listWorkOrders(t.db, { type: 'filter-test', ...f })).items.map((o) => o.id);
    expect(await ids({ overdue: true })).toEqual([late.id]);
    expect(await ids({ status: ['resolved'] })).toEqual([onTime.id]);
    expect(await ids({ subject: { kind: 'person', id: '7' } })).toEqual([late.id]);
    expect((await getWorkOrder(t.db, late.id)).overdue).toBe(true);
    expect(await findTimer(t.db, overdueTimerKey(late.id))).toBeUndefined(); // escalation 'none': the module escalates itself
  });

  it('calls action handlers after the commit with the order and the action', async () => {
    const seen: Array<[number, WorkOrderAction['kind'], string]> = [];
    const off = onWorkOrderAction('event-test', async (o, a) => {
      const [row] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM work_order_action WHERE work_order_id = $1', [o.id]);
      seen.push([o.id, a.kind, `${row?.n}`]);
    });
    const o = await createWorkOrder(t.db, order({ type: 'event-test' }));
    await appendAction(t.db, o.id, { kind: 'note', actor: 'x', note: 'hi' });
    await createWorkOrder(t.db, order({ type: 'other-type' }));
    await new Promise((r) => setTimeout(r, 50));
    off();
    expect(seen).toEqual([[o.id, 'created', '1'], [o.id, 'note', '2']]);
  });

  it('an overdue order escalates grid worker -> community -> street on its timer, then records the timeout at the top', async () => {
    const o = await createWorkOrder(t.db, order({ type: 'escalation-test', due: { at: new Date(Date.now() - 1000).toISOString() } }));
    const now = new Date();
    expect(await runDueTimers(t.db, now)).toMatchObject({ fired: 1, failed: 0 });
    let w = await getWorkOrder(t.db, o.id);
    expect(w).toMatchObject({ status: 'open', escalationLevel: 1, assignee: { role: 'community-worker', regionCode: COMMUNITY } });
    const esc = w.actions[1]!;
    expect(esc).toMatchObject({ kind: 'escalated', actor: 'system', data: { from: { role: 'grid-worker' }, to: { role: 'community-worker' }, level: 1 } });
    expect(Date.parse(w.dueAt!)).toBeGreaterThan(now.getTime()); // two working days more (example grace)
    expect((await listNotifications(t.db, users.community!, {})).items.some((n) => n.workOrderId === o.id && n.kind === 'workorder.escalated')).toBe(true);
    // Not yet due again: nothing fires; then past the new due time it goes to the street.
    expect(await runDueTimers(t.db, now)).toMatchObject({ fired: 0 });
    const later = new Date(Date.parse(w.dueAt!) + 1000);
    await runDueTimers(t.db, later);
    w = await getWorkOrder(t.db, o.id);
    expect(w).toMatchObject({ escalationLevel: 2, assignee: { role: 'street-staff' } });
    expect((await listNotifications(t.db, users.street!, {})).items.some((n) => n.workOrderId === o.id)).toBe(true);
    expect((await listNotifications(t.db, users.otherStreet!, {})).items.some((n) => n.workOrderId === o.id)).toBe(false);
    await runDueTimers(t.db, new Date(Date.parse(w.dueAt!) + 1000));
    w = await getWorkOrder(t.db, o.id);
    expect(w.actions.map((a) => a.kind)).toEqual(['created', 'escalated', 'escalated', 'timeout']);
    expect(await findTimer(t.db, overdueTimerKey(o.id))).toMatchObject({ status: 'done' });
    await runDueTimers(t.db, new Date('2030-01-01T00:00:00Z'));
    expect((await getWorkOrder(t.db, o.id)).actions).toHaveLength(4);
  });

  it('an order resolved before its due time never escalates', async () => {
    const o = await createWorkOrder(t.db, order({ type: 'escalation-test', due: { at: new Date(Date.now() + 60_000).toISOString() } }));
    await appendAction(t.db, o.id, { kind: 'resolved', actor: 'wo.grid' });
    await runDueTimers(t.db, new Date(Date.now() + 120_000));
    expect((await getWorkOrder(t.db, o.id)).actions.map((a) => a.kind)).toEqual(['created', 'resolved']);
  });
});
