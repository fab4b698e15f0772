/**
 * The closed loop over HTTP, as the console drives it: a medical feed uploaded (GBK) triggers the
 * 刚性支出 warning for the right household with its reason; the grid worker sees the task; the chain
 * cannot close while the task is open (409); the visit with a registry correction and a photo;
 * the household's policies re-evaluated with the 刚性支出 policy recommended; decision, aid,
 * follow-up, closure; the dashboard; out-of-region callers get 404 and the attempt is audited.
 */
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beijingDate } from '../../platform/calendar.ts';
import { testApp, type TestApp } from '../../testing/app.ts';
import { staffClient, type Client } from '../../testing/auth.ts';
import { COMMUNITY, ensureGrids, GRID, makeHousehold, OTHER_COMMUNITY } from './test-fixtures.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4830000000049454e44ae426082', 'hex');
const day = (daysAgo: number): string => beijingDate(new Date(Date.now() - daysAgo * 86_400_000));

function upload(c: Client, url: string, fields: Record<string, string>, file: { name: string; type: string; body: Buffer }) {
  const b = 'chain-test-boundary';
  const payload = Buffer.concat([
    ...Object.entries(fields).map(([k, v]) => Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)),
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.body, Buffer.from(`\r\n--${b}--\r\n`),
  ]);
  return c.inject({ method: 'POST', url, payload, headers: { 'content-type': `multipart/form-data; boundary=${b}` } });
}

describe('the assistance chain over HTTP', () => {
  let t: TestApp;
  let district: Client, street: Client, grid: Client, otherStreet: Client;
  let hh: { householdId: number; personIds: number[]; citizenIds: string[] };
  let chainId = 0;
  beforeAll(async () => {
    t = await testApp();
    await ensureGrids(t.ctx.db);
    hh = await makeHousehold(t.ctx.db, 'C-1', [{ name: '赵大病', monthlyIncome: 2000, birthDate: '1962-04-01' }, { name: '钱桂芝', monthlyIncome: 1000, sex: 'F', birthDate: '1964-09-01', livingArrangement: 'alone' }]);
    await makeHousehold(t.ctx.db, 'C-2', [{ name: '孙小病', monthlyIncome: 5000 }]);
    district = await staffClient(t.app, t.ctx.db, 'district-staff', '120101000000');
    street = await staffClient(t.app, t.ctx.db, 'street-staff', '120101001000');
    grid = await staffClient(t.app, t.ctx.db, 'grid-worker', COMMUNITY, GRID);
    otherStreet = await staffClient(t.app, t.ctx.db, 'street-staff', `${OTHER_COMMUNITY.slice(0, 9)}000`);
  }, 120_000);
  afterAll(async () => { await t?.close(); });

  it('a medical feed raises the 刚性支出 warning for the right household, with its reason', async () => {
    const rows = [`${hh.citizenIds[0]},赵大病,${day(200)},40000,22000,天津医科大学总医院`, `${hh.citizenIds[1]},钱桂芝,${day(20)},9000,8000,和平区中医院`];
    const csv = `公民身份号码,姓名,结算日期,医疗总费用,个人自付,医疗机构\r\n${rows.join('\r\n')}\r\n`;
    const res = await upload(district, '/api/feeds/imports', { type: 'medical', period: '2026-10' }, { name: '医保结算.csv', type: 'text/csv', body: iconv.encode(csv, 'gb18030') });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.batch).toMatchObject({ status: 'done', encoding: 'GB18030', accepted: 2, matched: 2 });
    expect(body.run).toMatchObject({ trigger: 'feed-batch', persons: 2, raised: 1 });
    const again = await upload(district, '/api/feeds/imports', { type: 'medical', period: '2026-10' }, { name: '医保结算.csv', type: 'text/csv', body: iconv.encode(csv, 'gb18030') });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, run: null, batch: { id: body.batch.id } });

    const inbox = (await street.inject('/api/monitoring/warnings?region=120101001000')).json();
    expect(inbox.items).toHaveLength(1);
    expect(inbox.items[0]).toMatchObject({ ruleId: 'monitoring/medical-spending-hardship', severity: 'high', householdId: hh.householdId, headName: '赵大病', chainStatus: 'open' });
    expect(inbox.items[0].reason).toBe('赵大病户近12个月个人自付医疗费用30000元，超过同期家庭收入的0.5，且未纳入救助，疑似刚性支出困难家庭');
    chainId = inbox.items[0].chainId;
    // Reading the inbox (names and reasons of households) is in the audit log.
    const [read] = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE actor_name = $1 AND action = 'monitoring.warnings.read' AND detail->'households' @> $2::jsonb`, [street.username, JSON.stringify([hh.householdId])]);
    expect(read!.n).toBe(1);
    expect((await otherStreet.inject('/api/monitoring/warnings')).json().items).toEqual([]);
  });

  it('shows the task on the grid worker\'s list and refuses to close the chain while it is open', async () => {
    const tasks = (await grid.inject('/api/monitoring/tasks')).json().items;
    expect(tasks).toEqual([expect.objectContaining({ chainId, householdId: hh.householdId, headName: '赵大病', status: 'open', members: 2 })]);
    const close = await street.inject({ method: 'POST', url: `/api/monitoring/chains/${chainId}/close`, payload: { note: '试图直接结案' } });
    expect(close.statusCode).toBe(409);
    expect(close.json().error.message).toMatch(new RegExp(`chain ${chainId} cannot be closed: verification task #${tasks[0].workOrderId} is still open`));
  });

  it('out of region: 404, and the attempt is audited', async () => {
    expect((await otherStreet.inject(`/api/monitoring/chains/${chainId}`)).statusCode).toBe(404);
    const [row] = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE actor_name = $1 AND action = 'monitoring.chain.read' AND outcome = 'denied'`, [otherStreet.username]);
    expect(row!.n).toBe(1);
  });

  it('records the visit with a correction and a photo, and re-evaluates the household\'s policies', async () => {
    const notPhoto = await upload(grid, `/api/monitoring/chains/${chainId}/photos`, {}, { name: 'x.jpg', type: 'image/jpeg', body: Buffer.from('not an image at all') });
    expect(notPhoto.statusCode).toBe(415);
    const photo = await upload(grid, `/api/monitoring/chains/${chainId}/photos`, {}, { name: 'visit.png', type: 'image/png', body: PNG });
    expect(photo.statusCode).toBe(201);
    const visit = await grid.inject({ method: 'POST', url: `/api/monitoring/chains/${chainId}/visit`, payload: {
      outcome: 'confirmed', notes: '入户核实：户主患病长期治疗，药费负担重', photoIds: [photo.json().id], clientActionId: 'visit-1',
      corrections: [{ personId: hh.personIds[1], patch: { livingArrangement: 'with-spouse', reason: '入户核实：与配偶同住' } }],
    } });
    expect(visit.statusCode, visit.body).toBe(200);
    const chain = visit.json().chain;
    expect(chain.state.stage).toBe('reevaluated');
    expect(chain.state.openTasks).toEqual([]);
    const reeval = chain.state.links.find((l: { kind: string }) => l.kind === 'reevaluated');
    expect(reeval.data.recommended).toEqual(expect.arrayContaining([expect.objectContaining({ policy: 'tianjin/rigid-expenditure-hardship', entityId: hh.householdId })]));
    const visitLink = chain.state.links.find((l: { kind: string }) => l.kind === 'visit');
    expect(visitLink.sla.dueAt).toMatch(/T10:00:00/);
    const history = await t.ctx.db.query<{ reason: string }>(`SELECT reason FROM record_history WHERE entity = 'person' AND entity_id = $1 ORDER BY version DESC LIMIT 1`, [hh.personIds[1]]);
    expect(history[0]!.reason).toBe('入户核实：与配偶同住');
    // The same visit sent again (a retry) changes nothing.
    const retry = await grid.inject({ method: 'POST', url: `/api/monitoring/chains/${chainId}/visit`, payload: { outcome: 'confirmed', notes: '入户核实：户主患病长期治疗，药费负担重', clientActionId: 'visit-1' } });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().chain.state.links.filter((l: { kind: string }) => l.kind === 'visit')).toHaveLength(1);
  });

  it('records decision, aid and follow-up, closes the chain, and counts it on the dashboard', async () => {
    const step = (payload: Record<string, unknown>) => street.inject({ method: 'POST', url: `/api/monitoring/chains/${chainId}/actions`, payload });
    expect((await step({ kind: 'decision', decision: 'approved', policies: ['tianjin/rigid-expenditure-hardship'], note: '认定为刚性支出困难家庭', clientActionId: 'd1' })).statusCode).toBe(200);
    expect((await step({ kind: 'aid', aid: '临时救助（小额先行救助）', amount: 3000, clientActionId: 'a1' })).statusCode).toBe(200);
    const past = await step({ kind: 'follow-up', date: day(3), clientActionId: 'f0' });
    expect(past.statusCode).toBe(422);
    expect((await step({ kind: 'follow-up', date: day(-30), clientActionId: 'f1' })).statusCode).toBe(200);
    const closed = await street.inject({ method: 'POST', url: `/api/monitoring/chains/${chainId}/close`, payload: { note: '救助到位' } });
    expect(closed.statusCode, closed.body).toBe(200);
    const view = (await street.inject(`/api/monitoring/chains/${chainId}`)).json();
    expect(view.state.stage).toBe('closed');
    expect(view.state.links.map((l: { kind: string }) => l.kind)).toEqual(['opened', 'warning', 'task', 'visit', 'reevaluated', 'decision', 'aid', 'follow-up', 'closed']);
    const dash = (await street.inject('/api/monitoring/dashboard')).json();
    expect(dash).toMatchObject({ open: 0, closed: 1 });
    expect(dash.medianDaysToClose).toBeGreaterThanOrEqual(0);
    expect((await otherStreet.inject('/api/monitoring/dashboard')).json()).toMatchObject({ open: 0, closed: 0 });
  });
});
