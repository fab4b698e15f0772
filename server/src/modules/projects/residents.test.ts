/**
 * What residents do without an account: suggest (redacted, moderated, merged, adopted and linked to
 * a task), complain (a work order for the responsible street with an SLA, followed by ticket, answered
 * and rated) — and what the forms refuse: floods, bad input, script text rendered as anything but text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { testApp, type TestApp } from '../../testing/app.ts';
import { staffClient, type Client } from '../../testing/auth.ts';
import { OTHER, OWN, CITY } from '../../testing/access-samples.ts';
import { getWorkOrder } from '../workorders/service.ts';
import { ensurePlan } from './plan.ts';
import { redactPersonalNumbers } from './redact.ts';
import { settings } from './settings.ts';

let ip = 0;
/** Each call from its own client address unless one is given (the forms are rate limited per client). */
const from = (addr?: string): string => addr ?? `10.1.${Math.floor(++ip / 250)}.${ip % 250}`;

describe('redaction of personal numbers', () => {
  it('hides ID numbers and phones in their common written forms, and nothing else', () => {
    const text = '我是张三，身份证120101196104040013，手机13812345678，也可打138 1234 5678或022-23456789，全角１３９１２３４５６７８。门牌号12号，2026年建成5000个泊位。';
    const r = redactPersonalNumbers(text);
    expect(r.text).not.toMatch(/120101196104040013|13812345678|138 1234 5678|23456789|139/);
    expect(r.redacted).toBe(5);
    expect(r.text).toContain('门牌号12号，2026年建成5000个泊位');
    expect(redactPersonalNumbers('建议增加5000个停车位').redacted).toBe(0);
  });
});

describe('suggestions without a loaded plan', () => {
  it('still list, with the 1,402 collected before the plan taken from the plan file', async () => {
    const t = await testApp();
    try {
      const res = await t.app.inject({ method: 'GET', url: '/api/public/suggestions' });
      expect(res.statusCode).toBe(200);
      expect(res.json().collectedBeforePlan).toMatchObject({ count: 1402, source: { date: '2026-02-01' } });
      expect((await t.app.inject({ method: 'GET', url: '/api/public/tracker' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});

describe('suggestions and complaints from residents', () => {
  let t: TestApp;
  let office: Client;
  let street: Client;
  let otherStreet: Client;
  const post = (url: string, payload: unknown, addr?: string) => t.app.inject({ method: 'POST', url, payload: payload as InjectOptions['payload'], remoteAddress: from(addr) });
  const get = (url: string) => t.app.inject({ method: 'GET', url, remoteAddress: from() });

  beforeAll(async () => {
    t = await testApp();
    await ensurePlan(t.ctx.db, 2026);
    office = await staffClient(t.app, t.ctx.db, 'city-admin', CITY);
    street = await staffClient(t.app, t.ctx.db, 'street-staff', OWN.street);
    otherStreet = await staffClient(t.app, t.ctx.db, 'street-staff', OTHER.street);
  });
  afterAll(async () => { await t.close(); });

  it('a suggestion is redacted at intake, invisible until moderated, and script text comes back as the same text', async () => {
    const script = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const res = await post('/api/public/suggestions', {
      title: `小区加装电梯 ${script}`, body: `联系我 13812345678，身份证 120101196104040013。${script}`, topic: 'infrastructure',
      anonymous: false, contactName: '李四', contactPhone: '13900001111', regionCode: OWN.community,
    });
    expect(res.statusCode).toBe(201);
    const { id, receipt } = res.json();
    expect(receipt).toMatch(/^S-[A-Z2-9]{10}$/);
    const [stored] = await t.ctx.db.query<{ body: string }>('SELECT body FROM suggestion WHERE id = $1', [id]);
    expect(stored!.body).not.toContain('13812345678'); // the raw number is never stored
    expect(stored!.body).not.toContain('120101196104040013');

    expect((await get('/api/public/suggestions')).json().items).toEqual([]);
    expect((await get('/api/public/suggestions')).json().counts.received).toBe(1);
    expect((await office.inject({ method: 'POST', url: `/api/suggestions/${id}/actions`, payload: { kind: 'publish' } })).statusCode).toBe(200);

    const list = (await get('/api/public/suggestions')).json();
    expect(list.collectedBeforePlan.count).toBe(1402);
    const item = list.items[0];
    expect(item.body).toBe(`联系我 【已隐去】，身份证 【已隐去】。${script}`);
    expect(item.title).toBe(`小区加装电梯 ${script}`);
    expect(JSON.stringify(list)).not.toMatch(/李四|13900001111/);
    // The moderators' list masks the contact, and reading it is audited.
    const staffList = (await office.inject('/api/suggestions')).json();
    expect(staffList.items[0]).toMatchObject({ contactName: '李*', contactPhone: '139****1111' });
    const [audit] = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'suggestion.list' AND actor_name = $1`, [office.username]);
    expect(audit!.n).toBeGreaterThan(0);
  });

  it('duplicates merge into one; adopted suggestions link to the task they led to', async () => {
    const a = (await post('/api/public/suggestions', { title: '增加停车位', body: '小区周边停车太难了', topic: 'infrastructure', anonymous: true })).json().id;
    const b = (await post('/api/public/suggestions', { title: '停车难', body: '希望多建公共停车泊位', topic: 'other', anonymous: true })).json().id;
    for (const id of [a, b]) await office.inject({ method: 'POST', url: `/api/suggestions/${id}/actions`, payload: { kind: 'publish' } });
    expect((await office.inject({ method: 'POST', url: `/api/suggestions/${b}/actions`, payload: { kind: 'merge', into: b } })).statusCode).toBe(409);
    expect((await office.inject({ method: 'POST', url: `/api/suggestions/${b}/actions`, payload: { kind: 'merge', into: a } })).json().status).toBe('merged');
    const parking = (await t.ctx.db.query<{ id: number }>(`SELECT id FROM project_task WHERE code = 'parking-spaces'`))[0]!.id;
    expect((await office.inject({ method: 'POST', url: `/api/suggestions/${a}/actions`, payload: { kind: 'link', targetKind: 'task', targetId: parking } })).statusCode).toBe(409);
    await office.inject({ method: 'POST', url: `/api/suggestions/${a}/actions`, payload: { kind: 'adopt', response: '已纳入2026年民心工程：增建停车泊位5000个' } });
    await office.inject({ method: 'POST', url: `/api/suggestions/${a}/actions`, payload: { kind: 'link', targetKind: 'task', targetId: parking } });
    const adopted = (await get('/api/public/suggestions?status=adopted')).json();
    expect(adopted.items).toHaveLength(1);
    expect(adopted.items[0]).toMatchObject({ id: a, mergedCount: 1, links: [{ kind: 'task', id: parking, title: '增建机动车公共停车泊位' }] });
    expect(adopted.counts.byStatus).toMatchObject({ adopted: 1, merged: 1 });
    expect((await get(`/api/public/tasks/${parking}`)).json().suggestions).toEqual([{ id: a, title: '增加停车位', status: 'adopted' }]);
  });

  it('refuses bad suggestion input naming the field', async () => {
    const r = await post('/api/public/suggestions', { title: 'x', body: '内容足够长了', topic: 'infrastructure' });
    expect(r.statusCode).toBe(422);
    expect(r.json().error.details.field).toBe('title');
    expect((await post('/api/public/suggestions', { title: '标题', body: '内容足够长了', topic: 'nope' })).json().error.details.field).toBe('topic');
  });

  it('a flood from one client is refused with 429 after the limit, others still get through', async () => {
    const max = settings().rateLimits.suggestionsPerMinute.value;
    const codes: number[] = [];
    for (let i = 0; i <= max + 1; i += 1) codes.push((await post('/api/public/suggestions', { title: `刷屏${i}`, body: '重复提交的内容', topic: 'other' }, '10.9.9.9')).statusCode);
    expect(codes.slice(0, max).every((c) => c === 201)).toBe(true);
    expect(codes.slice(max)).toEqual([429, 429]);
    const refused = await post('/api/public/suggestions', { title: '再来', body: '重复提交的内容', topic: 'other' }, '10.9.9.9');
    expect(refused.json().error.code).toBe('rate_limited');
    expect(refused.headers['retry-after']).toBeDefined();
    expect((await post('/api/public/suggestions', { title: '正常', body: '另一个居民的建议', topic: 'other' })).statusCode).toBe(201);
    const floodC = await Promise.all(Array.from({ length: settings().rateLimits.complaintsPerMinute.value + 1 }, () => post('/api/public/complaints', { category: 'other', regionCode: OWN.community, place: '某处', description: '刷屏的诉求内容' }, '10.8.8.8')));
    expect(floodC.map((r) => r.statusCode)).toContain(429);
  });

  it('a complaint becomes a work order for the street with its SLA; the resident follows it by ticket, reads the reply and rates it', async () => {
    const res = await post('/api/public/complaints', { category: 'heating-gas', regionCode: OWN.community, place: '花园路3号楼', description: '暖气不热<b>已经三天</b>', contactName: '赵六', contactPhone: '13712345678' });
    expect(res.statusCode).toBe(201);
    const receipt = res.json();
    expect(receipt.ticket).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(receipt).toMatchObject({ status: 'received', slaWorkingDays: 2, office: expect.stringMatching(/办事处$/) });
    expect(Date.parse(receipt.dueAt)).toBeGreaterThan(Date.now());

    const [row] = await t.ctx.db.query<{ id: number; work_order_id: number }>('SELECT id, work_order_id FROM complaint WHERE ticket = $1', [receipt.ticket]);
    const order = await getWorkOrder(t.ctx.db, row!.work_order_id);
    expect(order).toMatchObject({ type: 'complaint', regionCode: OWN.community, assignee: { role: 'street-staff', regionCode: OWN.street }, dueAt: receipt.dueAt });
    expect(JSON.stringify(order)).not.toContain(receipt.ticket); // the ticket is the resident's secret

    const mine = (await get(`/api/public/complaints/${receipt.ticket.toLowerCase()}`)).json();
    expect(mine).toMatchObject({ status: 'received', description: '暖气不热<b>已经三天</b>', reply: null, canRate: false });
    expect(JSON.stringify(mine)).not.toMatch(/赵六|13712345678/);
    expect((await post(`/api/public/complaints/${receipt.ticket}/rating`, { score: 5 })).statusCode).toBe(409);

    // The street sees it masked (and the read is audited); another street does not see it at all.
    const inbox = (await street.inject('/api/complaints')).json();
    expect(inbox.items.find((c: { id: number }) => c.id === row!.id)).toMatchObject({ contactName: '赵*', contactPhone: '137****5678' });
    expect((await otherStreet.inject('/api/complaints')).json().items).toEqual([]);
    expect((await otherStreet.inject(`/api/complaints/${row!.id}`)).statusCode).toBe(404);
    expect((await otherStreet.inject({ method: 'POST', url: `/api/complaints/${row!.id}/actions`, payload: { kind: 'reply', text: '越权答复' } })).statusCode).toBe(404);
    const revealed = (await street.inject({ method: 'POST', url: `/api/complaints/${row!.id}/reveal`, payload: { reason: '电话回访诉求人' } })).json();
    expect(revealed.contactPhone).toBe('13712345678');
    const audits = await t.ctx.db.query<{ action: string; reason: string | null; outcome: string }>(`SELECT action, reason, outcome FROM audit_log WHERE entity = 'complaint' ORDER BY id`);
    expect(audits).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'complaint.list', outcome: 'ok' }),
      expect.objectContaining({ action: 'complaint.read', outcome: 'denied' }),
      expect.objectContaining({ action: 'complaint.reveal', reason: '电话回访诉求人' }),
    ]));

    await street.inject({ method: 'POST', url: `/api/complaints/${row!.id}/actions`, payload: { kind: 'accept' } });
    await street.inject({ method: 'POST', url: `/api/complaints/${row!.id}/actions`, payload: { kind: 'note', text: '内部：已通知供热站', public: false } });
    const replyOnce = () => street.inject({ method: 'POST', url: `/api/complaints/${row!.id}/actions`, payload: { kind: 'reply', text: '已排查管线并放气，今日恢复供热。', clientKey: 'reply-click-0001' } });
    const replied = await replyOnce();
    expect((await replyOnce()).json().events.filter((e: { kind: string }) => e.kind === 'replied')).toHaveLength(1); // a double click is one reply
    expect(replied.json().status).toBe('answered');
    expect((await getWorkOrder(t.ctx.db, row!.work_order_id)).status).toBe('resolved');

    const answered = (await get(`/api/public/complaints/${receipt.ticket}`)).json();
    expect(answered).toMatchObject({ status: 'answered', canRate: true, reply: { text: '已排查管线并放气，今日恢复供热。' } });
    expect(answered.timeline.map((e: { kind: string }) => e.kind)).toEqual(['received', 'accepted', 'replied']); // the internal note is not public
    const rated = await post(`/api/public/complaints/${receipt.ticket}/rating`, { score: 4, comment: '处理及时' });
    expect(rated.json()).toMatchObject({ status: 'closed', rating: { score: 4, comment: '处理及时' }, canRate: false });
    expect((await post(`/api/public/complaints/${receipt.ticket}/rating`, { score: 1 })).statusCode).toBe(409);
    expect((await getWorkOrder(t.ctx.db, row!.work_order_id)).status).toBe('closed');
  });

  it('refuses unknown categories and places, malformed and unknown tickets', async () => {
    const bad = await post('/api/public/complaints', { category: 'ufo', regionCode: OWN.community, place: '某处', description: '内容足够长' });
    expect(bad.json().error.details.field).toBe('category');
    expect((await post('/api/public/complaints', { category: 'other', regionCode: '129999999999', place: '某处', description: '内容足够长' })).json().error.details.field).toBe('regionCode');
    expect((await get('/api/public/complaints/not-a-ticket')).statusCode).toBe(422);
    expect((await get('/api/public/complaints/AAAA-BBBB-CCCC-DDDD')).statusCode).toBe(404);
    expect((await post('/api/public/complaints/AAAA-BBBB-CCCC-DDDD/rating', { score: 9 })).json().error.details.field).toBe('score');
    const districts = (await get('/api/public/regions')).json().items;
    expect(districts).toHaveLength(16);
    expect(districts[0]).toEqual({ code: '120101000000', name: '和平区', level: 'district' });
    const streets = (await get('/api/public/regions?parent=120101000000')).json().items;
    expect(streets.every((r: { level: string; code: string }) => r.level === 'street' && r.code.startsWith('120101'))).toBe(true);
    expect((await get('/api/public/regions?parent=129999999999')).statusCode).toBe(404);
    expect((await get('/api/public/regions?parent=abc')).statusCode).toBe(422);
    const cats = (await get('/api/public/complaint-categories')).json().items;
    expect(cats.find((c: { code: string }) => c.code === 'heating-gas')).toMatchObject({ label: '供热燃气', slaWorkingDays: 2 });
  });
});
