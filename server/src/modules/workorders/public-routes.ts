/**
 * The two public doors of notifications, in their own encapsulated context because both need the
 * body as sent: the gateway's callback is verified by HMAC over the raw bytes, and the
 * acknowledgement page posts an HTML form. Neither needs a session: the signature is the proof.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { parseInput } from '../../platform/validate.ts';
import { acknowledgeByLink, recordGatewayCallback, verifyAckLink, verifySignature } from './webhooks.ts';

declare module 'fastify' {
  interface FastifyRequest { rawBody?: string }
}

const CallbackBody = z.object({
  deliveryId: z.number().int().positive(),
  event: z.enum(['delivered', 'acknowledged', 'failed']),
  method: z.enum(['key-press', 'sms-reply', 'voice-answer']).optional(),
  digits: z.string().max(20).optional(),
  at: z.string().datetime({ offset: true }).optional(),
});
const AckParams = z.object({ orderId: z.coerce.number().int().positive() });
const AckQuery = z.object({ c: z.string().min(1).max(100), e: z.coerce.number().int().positive(), s: z.string().min(10).max(100) });
const PUBLIC_LIMIT = { max: 30, timeWindow: '1 minute' };

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);

function page(reply: FastifyReply, status: number, title: string, text: string, form?: string): FastifyReply {
  const body = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;line-height:1.6}
button{font-size:1.25rem;padding:.75rem 1.5rem;width:100%;border:0;border-radius:.5rem;background:#1677ff;color:#fff}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${form ?? ''}<p style="color:#888;font-size:.8rem">天津民生平台 Minsheng</p></body></html>`;
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

export function registerPublicNotifyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  void app.register(async (sub) => {
    sub.removeContentTypeParser('application/json');
    sub.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      req.rawBody = String(body);
      try { done(null, body === '' ? {} : JSON.parse(String(body))); } catch { done(new AppError('bad_request', 'body: not JSON'), undefined); }
    });
    sub.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, _body, done) => { done(null, {}); });

    sub.post('/api/notify/callback', { config: { access: 'public', rateLimit: { max: 600, timeWindow: '1 minute' } } }, async (req) => {
      const h = (name: string): string | undefined => { const v = req.headers[name]; return Array.isArray(v) ? v[0] : v; };
      verifySignature(ctx.config.notifyWebhookSecret, h('x-minsheng-timestamp'), h('x-minsheng-signature'), req.rawBody ?? '');
      const cb = parseInput(CallbackBody, req.body);
      return recordGatewayCallback(db, { ...cb });
    });

    const checkLink = async (params: unknown, query: unknown): Promise<{ orderId: number; contactRef: string }> => {
      const { orderId } = parseInput(AckParams, params, 'orderId');
      const q = parseInput(AckQuery, query, 'query');
      await verifyAckLink(db, orderId, q.c, q.e, q.s);
      return { orderId, contactRef: q.c };
    };
    const refused = (reply: FastifyReply, err: unknown): FastifyReply => {
      if (err instanceof AppError && (err.code === 'forbidden' || err.code === 'validation')) {
        return page(reply, 403, '链接无效或已过期', `${err.message}. 如有紧急情况请拨打社区电话或 110/120。`);
      }
      throw err;
    };

    sub.get('/api/ack/:orderId', { config: { access: 'public', rateLimit: PUBLIC_LIMIT } }, async (req, reply) => {
      try {
        await checkLink(req.params, req.query);
      } catch (err) { return refused(reply, err); }
      // Opening is not acknowledging: message apps fetch links to preview them.
      return page(reply, 200, '请确认您已收到求助提醒', '点击下面的按钮，告诉社区您已知晓并会处理。确认后，系统将不再继续通知其他人。',
        `<form method="post"><button type="submit">我已知晓，马上处理</button></form>`);
    });

    sub.post('/api/ack/:orderId', { config: { access: 'public', rateLimit: PUBLIC_LIMIT } }, async (req, reply) => {
      let link;
      try { link = await checkLink(req.params, req.query); } catch (err) { return refused(reply, err); }
      const result = await acknowledgeByLink(db, link.orderId, link.contactRef);
      return result.recorded
        ? page(reply, 200, '已确认，谢谢', '社区已收到您的确认。请尽快联系或前往老人身边。')
        : page(reply, 200, '此事已处理完毕', '这条提醒已经结束，无需再确认。');
    });
  });
}
