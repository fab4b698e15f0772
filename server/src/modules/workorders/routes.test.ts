/** Work order and calendar endpoints: who sees which orders, audit of reads, actions with their refusals, the bell, calendar admin. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCitizenId } from '@minsheng/contracts';
import { testApp, type TestApp } from '../../testing/app.ts';
import { staffClient, type Client } from '../../testing/auth.ts';
import { createWorkOrder } from './service.ts';

const COMMUNITY = '120101001001';
const GRID = '120101001001-G1';
const GRID2 = '120101001001-G2';
const OTHER_COMMUNITY = '120103001001';

describe('work order routes', () => {
  let t: TestApp;
  let admin: Client; let street: Client; let otherStreet: Client; let grid: Client; let grid2: Client; let volunteer: Client; let reporter: Client;
  let personId = 0;
  const orders: Record<string, number> = {};
  let uuid = 0;
  const cid = (): string => `test-action-${(uuid += 1).toString().padStart(4, '0')}`;

  beforeAll(async () => {
    t = await testApp();
    const db = t.ctx.db;
    await db.exec(`INSERT INTO grid (id, community_code, kind, name) VALUES ('${GRID}', '${COMMUNITY}', 'general', '一网格'), ('${GRID2}', '${COMMUNITY}', 'general', '二网格')`);
    admin = await staffClient(t.app, db, 'city-admin', '120000000000');
    street = await staffClient(t.app, db, 'street-staff', '120101001000');
    otherStreet = await staffClient(t.app, db, 'street-staff', '120103001000');
    grid = await staffClient(t.app, db, 'grid-worker', COMMUNITY, GRID);
    grid2 = await staffClient(t.app, db, 'grid-worker', COMMUNITY, GRID2);
    volunteer = await staffClient(t.app, db, 'responder', '120101001000');
    reporter = await staffClient(t.app, db, 'dept-reporter', '120000000000');
    const p = await admin.inject({ method: 'POST', url: '/api/persons', payload: { name: '王大爷', citizenId: makeCitizenId('120101', '1948-03-02', 11, 'M'), residenceCommunity: COMMUNITY, gridId: GRID } });
    personId = p.json().id;
    const base = { subject: { kind: 'person', id: String(personId) }, regionCode: COMMUNITY, due: { workingDays: 3 }, actor: 'test' } as const;
    orders.grid1 = (await createWorkOrder(db, { ...base, type: 'verification', gridId: GRID, title: '核查王大爷家', assignee: { role: 'grid-worker', regionCode: COMMUNITY, gridId: GRID } })).id;
    orders.volunteer = (await createWorkOrder(db, { ...base, type: 'alarm', gridId: GRID, title: '周末求助', assignee: { role: 'responder', regionCode: COMMUNITY }, escalation: 'none' })).id;
    const [u] = await db.query<{ id: number }>('SELECT id FROM staff_user WHERE username = $1', [grid2.username]);
    orders.personal = (await createWorkOrder(db, { ...base, type: 'verification', regionCode: OTHER_COMMUNITY, title: '跨区协查', assignee: { userId: u!.id } })).id;
    orders.late = (await createWorkOrder(db, { ...base, type: 'verification', gridId: GRID, title: '逾期核查', assignee: { role: 'grid-worker', regionCode: COMMUNITY, gridId: GRID }, due: { at: '2026-01-05T10:00:00Z' }, escalation: 'none' })).id;
  });
  afterAll(async () => { await t.close(); });

  const ids = async (c: Client, query = ''): Promise<number[]> => {
    const res = await c.inject(`/api/workorders${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items.map((o: { id: number }) => o.id).sort((a: number, b: number) => a - b);
  };
  const sorted = (...n: number[]): number[] => n.sort((a, b) => a - b);

  it('each sees only what is theirs: the street its street, a grid worker the grid, a volunteer what is given to volunteers, anyone what is assigned to them', async () => {
    expect(await ids(street)).toEqual(sorted(orders.grid1!, orders.volunteer!, orders.late!));
    expect(await ids(otherStreet)).toEqual([orders.personal!]);
    expect(await ids(grid)).toEqual(sorted(orders.grid1!, orders.volunteer!, orders.late!));
    expect(await ids(grid2)).toEqual([orders.personal!]);
    expect(await ids(volunteer)).toEqual([orders.volunteer!]);
    expect(await ids(grid, '?mine=1')).toEqual(sorted(orders.grid1!, orders.late!));
    expect(await ids(street, '?overdue=true')).toEqual([orders.late!]);
    expect(await ids(street, '?type=alarm')).toEqual([orders.volunteer!]);
    expect((await reporter.inject('/api/workorders')).statusCode).toBe(403);
    const bad = await street.inject('/api/workorders?status=pending');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.field).toMatch(/^status/);
  });

  it('the detail shows the action log and SLA and is audited with the person; outside the region it is 404, audited too', async () => {
    const res = await grid.inject(`/api/workorders/${orders.grid1}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: orders.grid1, status: 'open', overdue: false, actions: [{ kind: 'created' }], deliveries: [] });
    expect(res.json().dueAt).toMatch(/T10:00:00.000Z$/); // 18:00 Beijing
    const [row] = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE actor_name = $1 AND action = 'workorder.read' AND $2::bigint = ANY(subject_ids)`, [grid.username, personId]);
    expect(row?.n).toBe(1);
    expect((await otherStreet.inject(`/api/workorders/${orders.grid1}`)).statusCode).toBe(404);
    expect((await volunteer.inject(`/api/workorders/${orders.grid1}`)).statusCode).toBe(404);
    const [denied] = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE actor_name = $1 AND action = 'workorder.read' AND outcome = 'denied'`, [otherStreet.username]);
    expect(denied?.n).toBe(1);
  });

  it('accept, visit, resolve and close from the console; repeats are idempotent; a closed order refuses; findings are required', async () => {
    const act = (c: Client, body: Record<string, unknown>) => c.inject({ method: 'POST', url: `/api/workorders/${orders.grid1}/actions`, payload: body });
    const accept = { kind: 'accepted', clientActionId: cid() };
    expect((await act(grid, accept)).json().status).toBe('accepted');
    expect((await act(grid, accept)).statusCode).toBe(200);
    const noFinding = await act(grid, { kind: 'visit', clientActionId: cid() });
    expect(noFinding.statusCode).toBe(422);
    expect(noFinding.json().error.details.field).toBe('note');
    expect((await act(grid, { kind: 'visit', note: '入户核实，情况属实', data: { finding: 'confirmed' }, clientActionId: cid() })).statusCode).toBe(200);
    expect((await act(grid, { kind: 'escalated', clientActionId: cid() })).statusCode).toBe(422); // the system escalates, not the console
    expect((await act(grid, { kind: 'resolved', note: '已落实救助', clientActionId: cid() })).json().status).toBe('resolved');
    expect((await act(street, { kind: 'closed', clientActionId: cid() })).json().status).toBe('closed');
    const late = await act(grid, { kind: 'note', note: '补充', clientActionId: cid() });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.message).toMatch(/closed/);
    expect((await act(otherStreet, { kind: 'note', note: 'x', clientActionId: cid() })).statusCode).toBe(404);
    const detail = (await grid.inject(`/api/workorders/${orders.grid1}`)).json();
    expect(detail.actions.map((a: { kind: string; actor: string }) => `${a.kind}:${a.actor}`)).toEqual([
      'created:test', `accepted:${grid.username}`, `visit:${grid.username}`, `resolved:${grid.username}`, `closed:${street.username}`]);
  });

  it('reassigning notifies the new assignee; a reassignment outside the caller region is refused', async () => {
    const res = await street.inject({ method: 'POST', url: `/api/workorders/${orders.late}/actions`, payload: { kind: 'assigned', assignee: { role: 'grid-worker', gridId: GRID2 }, clientActionId: cid() } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().assignee).toEqual({ role: 'grid-worker', gridId: GRID2, regionCode: COMMUNITY });
    const bell = (await grid2.inject('/api/notifications')).json();
    expect(bell.items.some((n: { workOrderId: number; kind: string }) => n.workOrderId === orders.late && n.kind === 'workorder.assigned')).toBe(true);
    const outside = await street.inject({ method: 'POST', url: `/api/workorders/${orders.late}/actions`, payload: { kind: 'assigned', assignee: { role: 'street-staff', regionCode: '120103001000' }, clientActionId: cid() } });
    expect(outside.statusCode).toBe(422);
    expect(outside.json().error.details.field).toBe('assignee.regionCode');
    const ghost = await street.inject({ method: 'POST', url: `/api/workorders/${orders.late}/actions`, payload: { kind: 'assigned', assignee: { userId: 987654 }, clientActionId: cid() } });
    expect(ghost.json().error.details.field).toBe('assignee.userId');
  });

  it('staff hand out a task in their region to a grid worker, who is notified; another region is refused; the same key creates once', async () => {
    const body = { title: '走访独居老人', regionCode: COMMUNITY, assignee: { role: 'grid-worker', gridId: GRID2 }, due: { workingDays: 2 }, clientKey: 'task-key-0001' };
    const res = await street.inject({ method: 'POST', url: '/api/workorders', payload: body });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ type: 'task', status: 'open', gridId: GRID2, assignee: { role: 'grid-worker', gridId: GRID2, regionCode: COMMUNITY } });
    expect((await street.inject({ method: 'POST', url: '/api/workorders', payload: body })).json().id).toBe(res.json().id);
    const bell = (await grid2.inject('/api/notifications')).json();
    expect(bell.items.some((n: { workOrderId: number }) => n.workOrderId === res.json().id)).toBe(true);
    const other = await otherStreet.inject({ method: 'POST', url: '/api/workorders', payload: { ...body, clientKey: 'task-key-0002' } });
    expect(other.statusCode).toBe(422);
    expect(other.json().error.details.field).toBe('regionCode');
  });

  it('the bell lists the caller\'s notifications only and marks them read', async () => {
    const mine = (await grid.inject('/api/notifications')).json();
    expect(mine.unread).toBeGreaterThanOrEqual(2);
    expect(mine.items.every((n: { workOrderId: number }) => [orders.grid1, orders.volunteer, orders.late].includes(n.workOrderId) || n.workOrderId === null)).toBe(true);
    expect((await otherStreet.inject('/api/notifications')).json().items).toEqual([]);
    const first = mine.items[0].id;
    expect((await otherStreet.inject({ method: 'POST', url: '/api/notifications/read', payload: { ids: [first] } })).json().marked).toBe(0);
    expect((await grid.inject({ method: 'POST', url: '/api/notifications/read', payload: { ids: [first] } })).json().marked).toBe(1);
    expect((await grid.inject('/api/notifications')).json().unread).toBe(mine.unread - 1);
    await grid.inject({ method: 'POST', url: '/api/notifications/read', payload: { all: true } });
    expect((await grid.inject('/api/notifications?unread=1')).json()).toMatchObject({ items: [], unread: 0 });
  });
});

describe('calendar administration', () => {
  let t: TestApp;
  let admin: Client; let street: Client;
  beforeAll(async () => {
    t = await testApp();
    admin = await staffClient(t.app, t.ctx.db, 'city-admin', '120000000000');
    street = await staffClient(t.app, t.ctx.db, 'street-staff', '120101001000');
  });
  afterAll(async () => { await t.close(); });

  it('a range of days is public and warns for a year without an official notice', async () => {
    const res = await t.app.inject('/api/calendar?from=2026-02-13&to=2026-02-16');
    expect(res.json().days.map((d: { date: string; kind: string }) => `${d.date}:${d.kind}`)).toEqual(['2026-02-13:weekday', '2026-02-14:adjusted-workday', '2026-02-15:holiday', '2026-02-16:holiday']);
    expect(res.json().warnings).toEqual([]);
    expect((await t.app.inject('/api/calendar?from=2027-01-01&to=2027-01-02')).json().warnings[0]).toMatch(/2027/);
    expect((await t.app.inject('/api/calendar?from=2027-01-01&to=2028-06-01')).json().error.details.field).toBe('to');
  });

  it('loading a year\'s notice from CSV sets holidays and adjusted working days; a bad row stores nothing and names row and field', async () => {
    const csv = '日期,是否工作日,名称,来源\n2027-02-05,休,春节,国办发明电〔2026〕示例\n2027-02-20,班,春节调休,国办发明电〔2026〕示例\n';
    const bad = `${csv}2027-02-30,休,春节,国办发明电〔2026〕示例\n`;
    const refused = await admin.inject({ method: 'POST', url: '/api/calendar/overrides/import', payload: { csv: bad } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.details).toMatchObject({ row: 4, field: 'date' });
    expect((await t.app.inject('/api/calendar/2027-02-20')).json()).toMatchObject({ workday: false, source: 'statutory-fallback' });
    const ok = await admin.inject({ method: 'POST', url: '/api/calendar/overrides/import', payload: { csv } });
    expect(ok.json()).toEqual({ loaded: 2, years: [2027] });
    expect((await t.app.inject('/api/calendar/2027-02-20')).json()).toMatchObject({ workday: true, kind: 'adjusted-workday', source: 'override', name: '春节调休' });
    const rows = await admin.inject({ method: 'POST', url: '/api/calendar/overrides/import', payload: { rows: [{ date: '2027-02-21', workday: 'maybe', source: 'x' }] } });
    expect(rows.json().error.details).toMatchObject({ row: 1, field: 'workday' });
    expect((await admin.inject('/api/calendar/overrides?year=2027')).json().items.map((o: { day: string }) => o.day)).toEqual(['2027-02-05', '2027-02-20']);
  });

  it('one day can be set and removed by an administrator only', async () => {
    expect((await street.inject({ method: 'PUT', url: '/api/calendar/overrides/2027-03-01', payload: { workday: false, source: '示例通知' } })).statusCode).toBe(403);
    const set = await admin.inject({ method: 'PUT', url: '/api/calendar/overrides/2027-03-01', payload: { workday: false, name: '临时调整', source: '示例通知' } });
    expect(set.json()).toMatchObject({ workday: false, kind: 'holiday', source: 'override' });
    expect((await admin.inject({ method: 'DELETE', url: '/api/calendar/overrides/2027-03-01' })).json()).toMatchObject({ workday: true, source: 'statutory-fallback' });
    expect((await admin.inject({ method: 'DELETE', url: '/api/calendar/overrides/2027-03-01' })).statusCode).toBe(404);
  });
});
