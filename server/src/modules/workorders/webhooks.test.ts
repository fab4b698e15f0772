/** Signed webhooks to the SMS/voice gateway, its signed callbacks, and relatives' signed acknowledgement links. */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTimer, runDueTimers } from '../../platform/jobs.ts';
import { testApp, type TestApp } from '../../testing/app.ts';
import { registerWorkOrderTimerHandlers } from './background.ts';
import { appendAction, createWorkOrder, getWorkOrder } from './service.ts';
import { ackLink, findDelivery, SEND_WATCHDOG_MS, sendWebhook, settleDeliveries } from './webhooks.ts';

const SECRET = 'gateway-secret-0123456789';
const COMMUNITY = '120101001001';

interface Received { headers: http.IncomingHttpHeaders; body: string }

describe('gateway webhooks and acknowledgements', () => {
  let t: TestApp;
  let gateway: http.Server;
  let gatewayUrl = '';
  const received: Received[] = [];
  let answer = 200;
  let delayMs = 0;

  beforeAll(async () => {
    t = await testApp();
    gateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => { received.push({ headers: req.headers, body }); setTimeout(() => { res.statusCode = answer; res.end('{}'); }, delayMs); });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
    Object.assign(t.ctx.config, { notifyWebhookUrl: gatewayUrl, notifyWebhookSecret: SECRET, publicBaseUrl: 'https://minsheng.example.cn' });
    registerWorkOrderTimerHandlers();
  });
  afterAll(async () => { await new Promise((r) => gateway.close(r)); await t.close(); });

  const alarm = (key: string) => createWorkOrder(t.ctx.db, {
    type: 'alarm', subject: { kind: 'person', id: '1' }, regionCode: COMMUNITY, title: 'SOS 一键呼叫', priority: 'critical',
    assignee: { label: '家属 张明' }, due: { at: new Date(Date.now() + 60_000).toISOString() }, escalation: 'none', actor: 'eldercare', clientKey: key,
  });
  const run = async () => { const r = await runDueTimers(t.ctx.db, new Date(), { config: t.ctx.config }); await settleDeliveries(); return r; };
  const signed = (body: string, ts = String(Math.floor(Date.now() / 1000)), secret = SECRET) => ({
    'content-type': 'application/json', 'x-minsheng-timestamp': ts,
    'x-minsheng-signature': `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
  });

  it('posts the message signed with HMAC-SHA256 over timestamp and body, and records the delivery as notified (not acknowledged)', async () => {
    const order = await alarm('wh-1');
    const link = await ackLink(t.ctx.db, order.id, 'elder-contact:1', { baseUrl: 'https://minsheng.example.cn' });
    const d = await sendWebhook(t.ctx.db, { workOrderId: order.id, channel: 'voice', contactRef: 'elder-contact:1', to: { name: '张明', phone: '13812345678' }, message: '您的父亲按下了求助按钮', ackUrl: link });
    expect(d.status).toBe('pending');
    received.length = 0;
    await run();
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    const ts = String(headers['x-minsheng-timestamp']);
    expect(headers['x-minsheng-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`);
    expect(JSON.parse(body)).toMatchObject({ deliveryId: d.id, workOrderId: order.id, channel: 'voice', contactRef: 'elder-contact:1', to: { phone: '13812345678' },
      ackUrl: link, callbackUrl: 'https://minsheng.example.cn/api/notify/callback' });
    expect(await findDelivery(t.ctx.db, d.id)).toMatchObject({ status: 'sent', attempts: 1, lastStatus: 200 });
    const after = await getWorkOrder(t.ctx.db, order.id);
    expect(after.status).toBe('open');
    expect(after.actions.at(-1)).toMatchObject({ kind: 'notified', data: { deliveryId: d.id, contactRef: 'elder-contact:1' } });
    await run();
    expect(received).toHaveLength(1); // sent once
  });

  it('a failing gateway is retried with backoff, each attempt recorded; sending with the same key queues one message', async () => {
    const order = await alarm('wh-2');
    const d = await sendWebhook(t.ctx.db, { workOrderId: order.id, channel: 'sms', contactRef: 'c2', to: { phone: '13800000002' }, message: 'x', clientKey: 'msg-2' });
    expect((await sendWebhook(t.ctx.db, { workOrderId: order.id, channel: 'sms', contactRef: 'c2', to: { phone: '13800000002' }, message: 'x', clientKey: 'msg-2' })).id).toBe(d.id);
    answer = 503;
    received.length = 0;
    await run();
    expect(await findDelivery(t.ctx.db, d.id)).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503, lastError: 'gateway answered 503' });
    const timer = await findTimer(t.ctx.db, `notify.webhook:${d.id}`);
    const wait = Date.parse(timer!.runAt) - Date.now();
    expect(wait).toBeGreaterThan(3_000); // 5 s backoff after the first failure
    expect(wait).toBeLessThanOrEqual(5_000);
    await run();
    expect(received).toHaveLength(1); // not before the backoff
    answer = 200;
    await runDueTimers(t.ctx.db, new Date(Date.now() + 5_000), { config: t.ctx.config });
    await settleDeliveries();
    expect(await findDelivery(t.ctx.db, d.id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(received).toHaveLength(2);
  });

  it('a slow gateway never holds the timer runner; a send cut off by a dying process is sent again by its watchdog', async () => {
    const d = await sendWebhook(t.ctx.db, { workOrderId: null, channel: 'sms', contactRef: 'c6', to: { phone: '13800000006' }, message: 'slow' });
    delayMs = 1_500;
    const started = Date.now();
    await runDueTimers(t.ctx.db, new Date(), { config: t.ctx.config });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await findDelivery(t.ctx.db, d.id)).toMatchObject({ status: 'sending' });
    await settleDeliveries();
    delayMs = 0;
    expect(await findDelivery(t.ctx.db, d.id)).toMatchObject({ status: 'sent', attempts: 1 });

    // A process died after marking 'sending' (the call's answer never recorded): the watchdog resends.
    const lost = await sendWebhook(t.ctx.db, { workOrderId: null, channel: 'sms', contactRef: 'c7', to: { phone: '13800000007' }, message: 'lost' });
    await t.ctx.db.query(`UPDATE notification_delivery SET status = 'sending' WHERE id = $1`, [lost.id]);
    await t.ctx.db.query(`UPDATE timer SET run_at = now() + interval '35 seconds' WHERE key = $1`, [`notify.webhook:${lost.id}`]);
    received.length = 0;
    await run();
    expect(received).toHaveLength(0);
    await runDueTimers(t.ctx.db, new Date(Date.now() + SEND_WATCHDOG_MS), { config: t.ctx.config });
    await settleDeliveries();
    expect(received.map((r) => JSON.parse(r.body).deliveryId)).toEqual([lost.id]);
    expect(await findDelivery(t.ctx.db, lost.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('without a configured gateway a delivery is marked skipped, not lost silently', async () => {
    const d = await sendWebhook(t.ctx.db, { workOrderId: null, channel: 'sms', contactRef: 'c3', to: { phone: '13800000003' }, message: 'x' });
    await runDueTimers(t.ctx.db, new Date(), { config: { ...t.ctx.config, notifyWebhookUrl: undefined } });
    await settleDeliveries();
    expect(await findDelivery(t.ctx.db, d.id)).toMatchObject({ status: 'skipped', lastError: expect.stringContaining('NOTIFY_WEBHOOK_URL') });
  });

  it('the gateway callback of a key press records who acknowledged and how, once; bad or stale signatures are refused', async () => {
    const order = await alarm('wh-4');
    const d = await sendWebhook(t.ctx.db, { workOrderId: order.id, channel: 'voice', contactRef: 'elder-contact:9', to: { name: '李芳', phone: '13800000004' }, message: 'x' });
    const body = JSON.stringify({ deliveryId: d.id, event: 'acknowledged', method: 'key-press', digits: '1' });
    const post = (headers: Record<string, string>, payload = body) => t.app.inject({ method: 'POST', url: '/api/notify/callback', payload, headers });
    expect((await post(signed(body, undefined, 'wrong-secret-0123456789'))).statusCode).toBe(401);
    expect((await post(signed(body, String(Math.floor(Date.now() / 1000) - 600)))).json().error.details.field).toBe('x-minsheng-timestamp');
    const tampered = await post(signed(body), body.replace('"digits":"1"', '"digits":"2"'));
    expect(tampered.statusCode).toBe(401);
    expect((await getWorkOrder(t.ctx.db, order.id)).actions.some((a) => a.kind === 'acknowledged')).toBe(false);
    const ok = await post(signed(body));
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await post(signed(body))).statusCode).toBe(200); // the gateway retrying is harmless
    const after = await getWorkOrder(t.ctx.db, order.id);
    const acks = after.actions.filter((a) => a.kind === 'acknowledged');
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ actor: 'gateway:elder-contact:9', data: { via: 'gateway', method: 'key-press', deliveryId: d.id, name: '李芳' } });
    expect(after.status).toBe('accepted');
    expect((await findDelivery(t.ctx.db, d.id))?.acknowledgedAt).not.toBeNull();
  });

  it('a relative acknowledges through the signed link: opening shows a page, the button records it; forged and expired links are refused', async () => {
    const order = await alarm('wh-5');
    const link = await ackLink(t.ctx.db, order.id, 'elder-contact:3');
    const opened = await t.app.inject({ method: 'GET', url: link });
    expect(opened.statusCode).toBe(200);
    expect(opened.body).toContain('<form method="post">');
    expect((await getWorkOrder(t.ctx.db, order.id)).actions.some((a) => a.kind === 'acknowledged')).toBe(false); // a preview fetch acknowledges nothing

    const forgedContact = link.replace('elder-contact%3A3', 'elder-contact%3A4');
    const u = new URL(link, 'http://x');
    const forgedSig = `${u.pathname}?c=${u.searchParams.get('c')}&e=${u.searchParams.get('e')}&s=${'A'.repeat(43)}`;
    const longer = `${u.pathname}?c=${u.searchParams.get('c')}&e=${Number(u.searchParams.get('e')) + 86_400}&s=${u.searchParams.get('s')}`;
    const otherOrder = link.replace(`/api/ack/${order.id}?`, `/api/ack/${order.id + 1}?`);
    const expired = await ackLink(t.ctx.db, order.id, 'elder-contact:3', { now: new Date(Date.now() - 2 * 86_400_000) });
    for (const bad of [forgedContact, forgedSig, longer, otherOrder, expired]) {
      const res = await t.app.inject({ method: 'POST', url: bad, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      expect(res.statusCode, bad).toBe(403);
    }
    expect((await t.app.inject({ method: 'GET', url: expired })).body).toContain('已过期');
    expect((await getWorkOrder(t.ctx.db, order.id)).actions.some((a) => a.kind === 'acknowledged')).toBe(false);

    const res = await t.app.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('已确认');
    const after = await getWorkOrder(t.ctx.db, order.id);
    expect(after.actions.filter((a) => a.kind === 'acknowledged')).toEqual([expect.objectContaining({ actor: 'link:elder-contact:3', data: { via: 'link', contactRef: 'elder-contact:3' } })]);

    await appendAction(t.ctx.db, order.id, { kind: 'resolved', actor: 'callseat', note: '误报' });
    const late = await t.app.inject({ method: 'POST', url: await ackLink(t.ctx.db, order.id, 'elder-contact:5'), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(late.body).toContain('已处理完毕');
  });
});
