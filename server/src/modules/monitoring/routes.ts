/**
 * Monitoring endpoints. Feeds: upload (feeds.import; a batch triggers a monitoring run for the
 * persons it touches), batches. Monitoring: runs (monitoring.run, over the caller's region),
 * rules, the warnings inbox, chains and their links, verification tasks, the dashboard, the match
 * review queue. Everything is scoped to the caller's region (out of region = 404) and every read
 * of personal data is audited.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IsoDate, PersonPatch } from '@minsheng/contracts';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { staffActor, writeAudit } from '../../platform/audit.ts';
import { scopeOf, staffOf } from '../../platform/auth/guard.ts';
import { beijingDate } from '../../platform/calendar.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { parseInput } from '../../platform/validate.ts';
import { viewerOf } from '../workorders/service.ts';
import { chainView, closeChain, getChainRow } from './chain.ts';
import { recordStep, recordVisit, reevaluate } from './chain-steps.ts';
import { getBatch, importFeed, listBatches } from './feed-import.ts';
import { columnsOf, FEEDS, FeedType } from './feeds.ts';
import { decideReview, listReviews } from './matching.ts';
import { loadRules } from './rule-file.ts';
import { runMonitoring } from './run.ts';
import { dashboard, getPhoto, listTasks, listWarnings, MAX_PHOTO_BYTES, storePhoto } from './views.ts';

const IdParams = z.object({ id: z.coerce.number().int().positive() });
const RunBody = z.object({ on: IsoDate.optional() });
const WarningQuery = z.object({
  region: z.string().regex(/^\d{12}$/).optional(), status: z.enum(['open', 'closed']).optional(), severity: z.enum(['high', 'medium', 'low']).optional(),
  rule: z.string().max(100).optional(), household: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).default(0),
});
const ClientId = z.string().trim().min(1).max(100);
const VisitBody = z.object({
  workOrderId: z.number().int().positive().optional(),
  outcome: z.enum(['confirmed', 'rejected']),
  notes: z.string().trim().min(2).max(4000),
  corrections: z.array(z.object({ personId: z.number().int().positive(), patch: PersonPatch })).max(20).optional(),
  photoIds: z.array(z.number().int().positive()).max(10).optional(),
  clientActionId: ClientId,
});
const StepBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('decision'), decision: z.enum(['approved', 'refused', 'no-assistance']), policies: z.array(z.string().max(100)).max(20).optional(), note: z.string().max(2000).optional(), clientActionId: ClientId }),
  z.object({ kind: z.literal('aid'), aid: z.string().trim().min(2).max(200), amount: z.number().nonnegative().max(1e7).optional(), note: z.string().max(2000).optional(), clientActionId: ClientId }),
  z.object({ kind: z.literal('follow-up'), date: IsoDate, note: z.string().max(2000).optional(), clientActionId: ClientId }),
  z.object({ kind: z.literal('note'), note: z.string().trim().min(1).max(4000), clientActionId: ClientId }),
]);
const CloseBody = z.object({ note: z.string().max(2000).optional(), clientActionId: ClientId.optional() });
const ReviewBody = z.object({ personId: z.number().int().positive().nullable(), note: z.string().max(500).optional() });
const TaskQuery = z.object({ status: z.enum(['open', 'done']).default('open') });
const FeedFields = z.object({
  type: z.enum(FeedType, { message: `must be one of ${FeedType.join(', ')}` }),
  department: z.string().trim().min(1).max(100).optional(),
  period: z.string().trim().min(1).max(40).optional(),
});

export function registerMonitoringRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const actorOf = (req: FastifyRequest) => staffActor(staffOf(req));
  const today = (): string => beijingDate(new Date());

  // ---- feeds ----

  app.get('/api/feeds/types', { config: { access: 'staff' } }, async () => ({
    items: FeedType.map((t) => ({ type: t, version: FEEDS[t].version, label: FEEDS[t].label, department: FEEDS[t].department,
      columns: columnsOf(t).map((c) => ({ field: c.field, label: c.label, required: c.required })) })),
  }));

  app.post('/api/feeds/imports', { config: { access: 'feeds.import' } }, async (req, reply) => {
    if (!req.isMultipart()) throw new AppError('unsupported_media', 'send the feed as multipart/form-data: fields "type" (and optionally "department", "period"), then the file in "file"');
    const staff = staffOf(req);
    const tmp = path.join(os.tmpdir(), `minsheng-feed-${randomUUID()}`);
    const fields: Record<string, unknown> = {};
    let fileName: string | undefined;
    try {
      for await (const part of req.parts()) {
        if (part.type === 'field') fields[part.fieldname] = part.value;
        else if (fileName === undefined && part.fieldname === 'file') { fileName = part.filename || 'feed'; await pipeline(part.file, fs.createWriteStream(tmp)); }
        else part.file.resume();
      }
      const f = parseInput(FeedFields, fields, 'type');
      if (fileName === undefined) throw new AppError('validation', 'file: the upload holds no file (a part named "file")', { field: 'file' });
      const result = await importFeed(db, { type: f.type, filePath: tmp, fileName, department: f.department, period: f.period, actor: staff.username });
      await writeAudit(db, actorOf(req), { action: 'feed.import', entity: 'feed-batch', entityId: result.batch.id, outcome: result.batch.status === 'failed' ? 'failed' : 'ok',
        detail: { type: f.type, fileName, duplicate: result.duplicate, accepted: result.batch.accepted, rejected: result.batch.rejected } }, req);
      // A new batch is checked at once against the rules, for the persons it touches (all regions:
      // the warnings go to each household's own region).
      const run = result.duplicate || result.personIds.length === 0 ? null
        : await runMonitoring(db, { on: today(), personIds: result.personIds, trigger: 'feed-batch', batchId: result.batch.id, startedBy: staff.username });
      return reply.status(result.duplicate ? 200 : 201).send({ batch: result.batch, duplicate: result.duplicate, run });
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
  });

  const visibleBatches = (req: FastifyRequest): string | null => (scopeOf(req, 'feeds.import').all ? null : staffOf(req).username);
  app.get('/api/feeds/imports', { config: { access: 'feeds.import' } }, async (req) => ({ items: await listBatches(db, visibleBatches(req)) }));
  app.get('/api/feeds/imports/:id', { config: { access: 'feeds.import' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const b = await getBatch(db, id);
    const only = visibleBatches(req);
    if (!b || (only !== null && b.startedBy !== only)) throw notFound(`feed batch ${id}`);
    return b;
  });

  // ---- runs and rules ----

  app.post('/api/monitoring/runs', { config: { access: 'monitoring.run' } }, async (req) => {
    const { on } = parseInput(RunBody, req.body ?? {});
    const run = await runMonitoring(db, { on: on ?? today(), scope: scopeOf(req, 'monitoring.run'), startedBy: staffOf(req).username });
    await writeAudit(db, actorOf(req), { action: 'monitoring.run', entity: 'monitoring-run', entityId: run.id, detail: { on: run.onDate, raised: run.raised, scope: run.scope } }, req);
    return run;
  });

  app.get('/api/monitoring/rules', { config: { access: 'monitoring.read' } }, async () => {
    const set = loadRules();
    return {
      items: set.rules.map((r) => ({ id: r.id, version: r.policy.version, title: r.policy.title, severity: r.meta.severity, suppressionDays: r.meta.suppressionDays,
        reason: r.meta.reason, sla: r.meta.sla, reevaluate: r.meta.reevaluate, entity: r.policy.entity,
        conditions: r.policy.conditions.map((c) => ({ id: c.id, expr: c.text.trim(), reason: c.reason })) })),
      errors: set.errors,
    };
  });

  // ---- warnings, chains, tasks ----

  app.get('/api/monitoring/warnings', { config: { access: 'monitoring.read' } }, async (req) => {
    const q = parseInput(WarningQuery, req.query, 'query');
    const page = await listWarnings(db, scopeOf(req, 'monitoring.read'), q);
    await writeAudit(db, actorOf(req), { action: 'monitoring.warnings.read', entity: 'monitoring-warning', subjectIds: page.items.map((w) => w.personId).filter((p): p is number => p !== null),
      detail: { region: q.region ?? null, count: page.items.length, households: page.items.map((w) => w.householdId) } }, req);
    return page;
  });

  app.get('/api/monitoring/chains/:id', { config: { access: 'monitoring.read' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const scope = scopeOf(req, 'monitoring.read');
    if (!(await findOrAudit(req, id, scope))) throw notFound(`chain ${id}`);
    const view = await chainView(db, scope, id);
    await writeAudit(db, actorOf(req), { action: 'monitoring.chain.read', entity: 'monitoring-chain', entityId: id, subjectIds: view.members.map((m) => m.personId) }, req);
    return view;
  });

  /** Out-of-region chains answer 404 like unknown ones, and the attempt is audited as denied. */
  const findOrAudit = async (req: FastifyRequest, id: number, scope: ReturnType<typeof scopeOf>): Promise<boolean> => {
    try { await getChainRow(db, scope, id); return true; } catch (e) {
      if (e instanceof AppError && e.code === 'not_found') {
        await writeAudit(db, actorOf(req), { action: 'monitoring.chain.read', entity: 'monitoring-chain', entityId: id, outcome: 'denied' }, req);
        return false;
      }
      throw e;
    }
  };

  app.post('/api/monitoring/chains/:id/visit', { config: { access: 'workorders.act' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const body = parseInput(VisitBody, req.body);
    const scope = scopeOf(req, 'workorders.act');
    if (!(await findOrAudit(req, id, scope))) throw notFound(`chain ${id}`);
    const link = await recordVisit(db, scope, scopeOf(req, 'registry.write'), id, body, { actor: staffOf(req).username });
    await writeAudit(db, actorOf(req), { action: 'monitoring.visit', entity: 'monitoring-chain', entityId: id,
      detail: { outcome: body.outcome, corrections: (body.corrections ?? []).map((c) => ({ personId: c.personId, reason: c.patch.reason })) } }, req);
    return { link, chain: await chainView(db, scope, id) };
  });

  app.post('/api/monitoring/chains/:id/photos', { config: { access: 'workorders.act' } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const scope = scopeOf(req, 'workorders.act');
    if (!(await findOrAudit(req, id, scope))) throw notFound(`chain ${id}`);
    if (!req.isMultipart()) throw new AppError('unsupported_media', 'send the photo as multipart/form-data in a part named "file"');
    const part = await req.file({ limits: { fileSize: MAX_PHOTO_BYTES } });
    if (!part) throw new AppError('validation', 'file: the upload holds no file', { field: 'file' });
    const bytes = await part.toBuffer().catch((e: unknown) => {
      if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('too_large', 'file: the photo is larger than 5 MB', { field: 'file' });
      throw e;
    });
    const photoId = await storePhoto(db, id, bytes, createHash('sha256').update(bytes).digest('hex'), staffOf(req).username);
    await writeAudit(db, actorOf(req), { action: 'monitoring.photo.upload', entity: 'monitoring-chain', entityId: id, detail: { photoId, bytes: bytes.length } }, req);
    return reply.status(201).send({ id: photoId });
  });

  app.get('/api/monitoring/photos/:id', { config: { access: 'monitoring.read' } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const photo = await getPhoto(db, scopeOf(req, 'monitoring.read'), id);
    await writeAudit(db, actorOf(req), { action: 'monitoring.photo.read', entity: 'monitoring-chain', entityId: photo.chainId, detail: { photoId: id } }, req);
    return reply.header('content-type', photo.mime).header('cache-control', 'private, no-store').send(photo.bytes);
  });

  app.post('/api/monitoring/chains/:id/reevaluate', { config: { access: 'registry.write' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const scope = scopeOf(req, 'registry.write');
    if (!(await findOrAudit(req, id, scope))) throw notFound(`chain ${id}`);
    const link = await reevaluate(db, scope, id, { actor: staffOf(req).username });
    await writeAudit(db, actorOf(req), { action: 'monitoring.reevaluate', entity: 'monitoring-chain', entityId: id }, req);
    return { link };
  });

  app.post('/api/monitoring/chains/:id/actions', { config: { access: 'registry.write' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const body = parseInput(StepBody, req.body);
    const scope = scopeOf(req, 'registry.write');
    if (!(await findOrAudit(req, id, scope))) throw notFound(`chain ${id}`);
    const link = await recordStep(db, scope, id, body, { actor: staffOf(req).username });
    await writeAudit(db, actorOf(req), { action: `monitoring.${body.kind}`, entity: 'monitoring-chain', entityId: id, detail: { kind: body.kind } }, req);
    return { link };
  });

  app.post('/api/monitoring/chains/:id/close', { config: { access: 'registry.write' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const body = parseInput(CloseBody, req.body ?? {});
    const scope = scopeOf(req, 'registry.write');
    if (!(await findOrAudit(req, id, scope))) throw notFound(`chain ${id}`);
    const link = await closeChain(db, scope, id, body, staffOf(req).username);
    await writeAudit(db, actorOf(req), { action: 'monitoring.close', entity: 'monitoring-chain', entityId: id }, req);
    return { link };
  });

  app.get('/api/monitoring/tasks', { config: { access: 'workorders.read' } }, async (req) => {
    const { status } = parseInput(TaskQuery, req.query, 'query');
    const items = await listTasks(db, viewerOf(staffOf(req)), status);
    await writeAudit(db, actorOf(req), { action: 'monitoring.tasks.read', entity: 'work-order', detail: { count: items.length, households: items.map((i) => i.householdId) } }, req);
    return { items };
  });

  app.get('/api/monitoring/dashboard', { config: { access: 'monitoring.read' } }, async (req) => dashboard(db, scopeOf(req, 'monitoring.read')));

  // ---- match review queue ----

  app.get('/api/monitoring/reviews', { config: { access: 'monitoring.read' } }, async (req) => {
    const { status } = parseInput(z.object({ status: z.enum(['open', 'confirmed', 'rejected']).optional() }), req.query, 'query');
    const items = await listReviews(db, scopeOf(req, 'monitoring.read'), { status });
    await writeAudit(db, actorOf(req), { action: 'monitoring.reviews.read', entity: 'feed-review', subjectIds: [...new Set(items.flatMap((i) => i.candidates.map((c) => c.personId)))], detail: { count: items.length } }, req);
    return { items };
  });

  // Deciding links another department's record to a person's file: those who may change the file decide (registry.write).
  app.post('/api/monitoring/reviews/:id', { config: { access: 'registry.write' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const body = parseInput(ReviewBody, req.body);
    const scope = scopeOf(req, 'registry.write');
    const staff = staffOf(req);
    const result = await db.transaction((tx) => decideReview(tx, scope, id, { confirm: body.personId, note: body.note }, staff.username));
    await writeAudit(db, actorOf(req), { action: 'monitoring.review.decide', entity: 'feed-review', entityId: id, subjectIds: result.personId ? [result.personId] : [], detail: { personId: body.personId } }, req);
    // A confirmed match is checked against the rules for that person at once.
    const run = result.personId === null ? null : await runMonitoring(db, { on: today(), personIds: [result.personId], trigger: 'review', startedBy: staff.username });
    return { item: result.item, run };
  });
}
