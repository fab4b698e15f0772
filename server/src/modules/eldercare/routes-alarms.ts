/**
 * Alarm endpoints: the call seat's list (and its server-sent event stream), one alarm with the
 * elder's escalation timeline, the seat's actions, KPIs, and the vendors' HMAC-signed push.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { parseInput } from '../../platform/validate.ts';
import { staffActor, writeAudit, type AuditEntry } from '../../platform/audit.ts';
import { scopeOf, staffOf } from '../../platform/auth/guard.ts';
import { getAlarm, kpis, listAlarms, seatAction, SeatAction } from './console.ts';
import { ingest, quarantine, type IngestResult } from './ingest.ts';
import { onAlarmChange } from './live.ts';
import { ResolveInput } from './schemas.ts';
import { findVendor } from './repo.ts';

const IdParams = z.object({ id: z.coerce.number().int().positive() });
const ActionParams = z.object({ id: z.coerce.number().int().positive(), action: z.enum(SeatAction) });
const StreamQuery = z.object({ once: z.enum(['0', '1']).default('0') });
const ListQuery = z.object({ open: z.enum(['0', '1']).default('1'), limit: z.coerce.number().int().min(1).max(500).default(100) });
const KpiQuery = z.object({
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
});
const ActionBody = ResolveInput.partial({ outcome: true }).extend({ to: z.string().max(100).optional() });
const VendorParams = z.object({ vendor: z.string().regex(/^[a-z0-9-]{2,40}$/, 'unknown vendor') });
const PushBody = z.object({ deviceId: z.string().regex(/^[A-Za-z0-9._-]{3,64}$/), events: z.array(z.unknown()).min(1).max(500) });
/** How far a vendor's timestamp may be from ours (replay window). */
const PUSH_SKEW_MS = 5 * 60_000;

export const SIGNATURE_HEADER = 'x-minsheng-signature';
export const TIMESTAMP_HEADER = 'x-minsheng-timestamp';
/** HMAC-SHA256 over "<timestamp>.<raw body>", hex: what a vendor sends as `sha256=<hex>`. */
export const signPush = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

export function registerAlarmRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const audit = (req: FastifyRequest, entry: AuditEntry): Promise<void> => writeAudit(db, staffActor(staffOf(req)), entry, req);

  app.get('/api/eldercare/alarms', { config: { access: 'alarms.handle' } }, async (req) => {
    const q = parseInput(ListQuery, req.query, 'query');
    const items = await listAlarms(db, scopeOf(req, 'alarms.handle'), { open: q.open === '1', limit: q.limit });
    await audit(req, { action: 'eldercare.alarms', entity: 'person', subjectIds: [...new Set(items.map((a) => a.personId))], fields: ['name', 'alarm'] });
    return { items };
  });

  /** Server-sent events: the open alarm list now, again on every change and every few seconds. */
  app.get('/api/eldercare/alarms/stream', { config: { access: 'alarms.handle' } }, async (req, reply) => {
    const scope = scopeOf(req, 'alarms.handle');
    const { once } = parseInput(StreamQuery, req.query, 'query');
    await audit(req, { action: 'eldercare.alarms.stream', entity: 'person', fields: ['name', 'alarm'] });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let closed = false;
    let pending = false;
    const send = async (): Promise<void> => {
      if (closed || pending) return;
      pending = true;
      try {
        const items = await listAlarms(db, scope, { open: true, limit: 200 });
        if (!closed) res.write(`event: alarms\ndata: ${JSON.stringify({ at: new Date().toISOString(), items })}\n\n`);
      } catch (err) {
        req.log.warn({ err }, 'alarm stream read failed');
      } finally { pending = false; }
    };
    const off = onAlarmChange(() => { void send(); });
    const tick = setInterval(() => { void send(); }, Number(process.env.MINSHENG_ALARM_STREAM_MS || 5_000));
    req.raw.on('close', () => { closed = true; off(); clearInterval(tick); });
    await send();
    // One snapshot and done (scripts, tests); the console keeps the stream open.
    if (once === '1') { closed = true; off(); clearInterval(tick); res.end(); }
  });

  app.get('/api/eldercare/alarms/:id', { config: { access: 'alarms.handle' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const alarm = await getAlarm(db, scopeOf(req, 'alarms.handle'), id);
    await audit(req, { action: 'eldercare.alarm', entity: 'alarm', entityId: id, subjectIds: [alarm.personId], fields: ['alarm', 'timeline'] });
    return alarm;
  });

  app.post('/api/eldercare/alarms/:id/actions/:action', { config: { access: 'alarms.handle' } }, async (req) => {
    const { id, action } = parseInput(ActionParams, req.params, 'action');
    const body = parseInput(ActionBody, req.body ?? {});
    const alarm = await seatAction(db, scopeOf(req, 'alarms.handle'), id, action, { actor: staffOf(req).username, note: body.note ?? '', outcome: body.outcome, clientActionId: body.clientActionId, to: body.to });
    await audit(req, { action: `eldercare.alarm.${action}`, entity: 'alarm', entityId: id, subjectIds: [alarm.personId], detail: body.outcome ? { outcome: body.outcome } : undefined });
    return alarm;
  });

  app.get('/api/eldercare/kpis', { config: { access: 'eldercare.read' } }, async (req) => {
    const q = parseInput(KpiQuery, req.query, 'query');
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * 86_400_000);
    if (from >= to) throw new AppError('validation', 'from: must be before to', { field: 'from' });
    const k = await kpis(db, scopeOf(req, 'eldercare.read'), from.toISOString(), to.toISOString());
    await audit(req, { action: 'eldercare.kpis', entity: 'person', subjectIds: k.falseAlarmByElder.map((e) => e.personId), fields: ['name'] });
    return k;
  });

  // Vendor platforms push over HTTP; the signature needs the raw body, so JSON is parsed here.
  void app.register(async (scoped) => {
    scoped.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scoped.post('/api/eldercare/push/:vendor', { config: { access: 'public', rateLimit: { max: 600, timeWindow: 60_000 } } }, async (req) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const { vendor } = parseInput(VendorParams, req.params, 'vendor');
      const v = await findVendor(db, vendor);
      const timestamp = String(req.headers[TIMESTAMP_HEADER] ?? '');
      const given = String(req.headers[SIGNATURE_HEADER] ?? '');
      const refuse = async (reason: string): Promise<never> => {
        await quarantine(db, { via: 'http', deviceId: null, topic: `push/${vendor}`, payload: raw }, reason);
        throw new AppError('unauthenticated', reason);
      };
      if (!v) return refuse(`unknown vendor ${vendor}`);
      const ts = Date.parse(timestamp);
      if (Number.isNaN(ts) || Math.abs(ts - Date.now()) > PUSH_SKEW_MS) return refuse(`${TIMESTAMP_HEADER} missing or more than 5 minutes off`);
      const expected = Buffer.from(signPush(v.hmac_secret, timestamp, raw));
      const got = Buffer.from(given);
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) return refuse('bad signature');
      let json: unknown;
      try { json = JSON.parse(raw); } catch {
        await quarantine(db, { via: 'http', deviceId: null, topic: `push/${vendor}`, payload: raw }, 'payload is not JSON');
        throw new AppError('validation', 'body: not JSON', { field: 'body' });
      }
      const body = PushBody.safeParse(json);
      if (!body.success) {
        const issue = body.error.issues[0];
        const reason = `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`;
        await quarantine(db, { via: 'http', deviceId: null, topic: `push/${vendor}`, payload: raw }, reason);
        throw new AppError('validation', reason, { field: issue?.path.join('.') || 'body' });
      }
      const results: IngestResult[] = [];
      for (const e of body.data.events) {
        results.push(await ingest(db, { via: 'http', vendor, deviceId: body.data.deviceId, topic: `push/${vendor}`, payload: JSON.stringify(e) }));
      }
      return { results };
    });
  });
}
