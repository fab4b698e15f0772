/**
 * Work order endpoints for staff (list, detail with the action log, actions), the notification
 * bell, and the two public doors for people outside the console: the SMS/voice gateway's signed
 * callback and the relatives' signed acknowledgement link. Orders name persons, so every read of
 * an order is audited with the person it concerns.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { parseInput } from '../../platform/validate.ts';
import { staffActor, writeAudit, type AuditEntry } from '../../platform/audit.ts';
import { staffOf } from '../../platform/auth/guard.ts';
import { Role } from '../../platform/auth/roles.ts';
import { scopeCovers } from '../../platform/auth/scope.ts';
import { listNotifications, markRead } from './notify.ts';
import { appendAction, createWorkOrder, getWorkOrder, listWorkOrders, viewerOf } from './service.ts';
import { WorkOrderStatus, type WorkOrderSummary } from './types.ts';
import { deliveriesOf } from './webhooks.ts';
import { registerPublicNotifyRoutes } from './public-routes.ts';

const IdParams = z.object({ id: z.coerce.number().int().positive() });
const ListQuery = z.object({
  type: z.string().max(40).optional(),
  status: z.string().optional().transform((s) => (s ? s.split(',') : undefined)).pipe(z.array(z.enum(WorkOrderStatus)).optional()),
  mine: z.enum(['0', '1']).optional(),
  region: z.string().regex(/^\d{2,12}$/, 'expected region code digits').optional(),
  overdue: z.enum(['true', 'false']).optional(),
  subjectKind: z.string().max(40).optional(),
  subjectId: z.string().max(80).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
/** What staff may record from the console (system kinds such as escalated or notified are not offered). */
const ConsoleActionKind = z.enum(['accepted', 'note', 'visit', 'resolved', 'closed', 'assigned', 'reopened', 'acknowledged', 'on-site']);
const ActionBody = z.object({
  kind: ConsoleActionKind,
  clientActionId: z.string().min(8, 'clientActionId: at least 8 characters (a UUID)').max(100),
  note: z.string().trim().max(4000).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  assignee: z.object({
    userId: z.number().int().positive().optional(),
    role: z.enum(Role).optional(),
    regionCode: z.string().regex(/^\d{12}$/).optional(),
    gridId: z.string().max(80).optional(),
  }).optional(),
}).refine((b) => b.kind !== 'assigned' || (b.assignee && (b.assignee.userId !== undefined || b.assignee.role !== undefined)), { message: 'a reassignment names a user or a role', path: ['assignee'] })
  .refine((b) => (b.kind !== 'visit' && b.kind !== 'resolved') || (b.note ?? '').length > 0 || b.data !== undefined, { message: 'say what was found or done', path: ['note'] });
/** A task staff hand out by hand (派单): to a role of their region or a named user, with a deadline. */
const CreateBody = z.object({
  title: z.string().trim().min(2).max(300),
  regionCode: z.string().regex(/^\d{12}$/, 'expected a 12-digit division code'),
  gridId: z.string().min(1).max(80).optional(),
  priority: z.enum(['low', 'normal', 'high', 'critical']).default('normal'),
  assignee: z.object({
    userId: z.number().int().positive().optional(),
    role: z.enum(Role).optional(),
    gridId: z.string().min(1).max(80).optional(),
  }).refine((a) => a.userId !== undefined || a.role !== undefined, 'name a user or a role'),
  due: z.union([z.object({ workingDays: z.number().int().min(0).max(60) }), z.object({ at: z.string().datetime({ offset: true }) })]),
  subject: z.object({ kind: z.enum(['person', 'household', 'task']), id: z.string().min(1).max(40) }).optional(),
  note: z.string().trim().max(2000).optional(),
  clientKey: z.string().min(8).max(100),
});
const ReadBody = z.union([z.object({ ids: z.array(z.number().int().positive()).min(1).max(500) }), z.object({ all: z.literal(true) })]);

const activeUserExists = async (db: AppContext['db'], id: number): Promise<boolean> =>
  (await db.query('SELECT 1 FROM staff_user WHERE id = $1 AND active', [id])).length > 0;

/** Persons an order shows (its subject, when a person). */
const subjectsOf = (o: Pick<WorkOrderSummary, 'subject'>): number[] => (o.subject.kind === 'person' && /^\d+$/.test(o.subject.id) ? [Number(o.subject.id)] : []);

export function registerWorkOrderRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const audit = (req: FastifyRequest, entry: AuditEntry): Promise<void> => writeAudit(db, staffActor(staffOf(req)), entry, req);

  app.get('/api/workorders', { config: { access: 'workorders.read' } }, async (req) => {
    const q = parseInput(ListQuery, req.query, 'query');
    const staff = staffOf(req);
    const result = await listWorkOrders(db, {
      type: q.type, status: q.status, regionPrefix: q.region?.replace(/(000)+$/, '') || undefined,
      overdue: q.overdue === undefined ? undefined : q.overdue === 'true',
      subject: q.subjectKind && q.subjectId ? { kind: q.subjectKind, id: q.subjectId } : undefined,
      assignedTo: q.mine === '1' ? { userId: staff.userId, roles: staff.bindings.map((b) => b.role) } : undefined,
      limit: q.limit, offset: q.offset,
    }, viewerOf(staff));
    await audit(req, { action: 'workorder.list', entity: 'work_order', subjectIds: result.items.flatMap(subjectsOf), fields: ['title', 'subject'], detail: { filter: q } });
    return result;
  });

  app.get('/api/workorders/:id', { config: { access: 'workorders.read' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    let order;
    try {
      order = await getWorkOrder(db, id, viewerOf(staffOf(req)));
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') await audit(req, { action: 'workorder.read', entity: 'work_order', entityId: id, outcome: 'denied', detail: { answer: 'not found or outside the region' } });
      throw err;
    }
    await audit(req, { action: 'workorder.read', entity: 'work_order', entityId: id, subjectIds: subjectsOf(order), fields: ['order', 'actions'] });
    // The gateway's deliveries, without the phone numbers (who and whether it arrived is what staff need here).
    const deliveries = (await deliveriesOf(db, id)).map((d) => ({ id: d.id, channel: d.channel, contactRef: d.contactRef, status: d.status, attempts: d.attempts, sentAt: d.sentAt, acknowledgedAt: d.acknowledgedAt }));
    return { ...order, deliveries, serverTime: new Date().toISOString() };
  });

  app.post('/api/workorders/:id/actions', { config: { access: 'workorders.act' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const body = parseInput(ActionBody, req.body);
    const staff = staffOf(req);
    const viewer = viewerOf(staff, 'workorders.act');
    const current = await getWorkOrder(db, id, viewer);
    let assignee = body.assignee;
    if (body.kind === 'assigned' && assignee) {
      assignee = { ...assignee, regionCode: assignee.regionCode ?? current.regionCode };
      if (assignee.role && !scopeCovers(viewer.scope, assignee.regionCode ?? null, assignee.gridId ?? null)) {
        throw new AppError('validation', 'assignee.regionCode: outside your region', { field: 'assignee.regionCode' });
      }
      if (assignee.userId !== undefined && !(await activeUserExists(db, assignee.userId))) {
        throw new AppError('validation', 'assignee.userId: no active staff account with this id', { field: 'assignee.userId' });
      }
    }
    const order = await appendAction(db, id, {
      kind: body.kind, actor: staff.username, clientActionId: `console:${body.clientActionId}`,
      ...(body.note ? { note: body.note } : {}), ...(body.data ? { data: body.data } : {}), ...(assignee ? { assignee } : {}),
    }, viewer);
    await audit(req, { action: 'workorder.act', entity: 'work_order', entityId: id, subjectIds: subjectsOf(order), detail: { kind: body.kind } });
    return order;
  });

  app.post('/api/workorders', { config: { access: 'workorders.act' } }, async (req, reply) => {
    const body = parseInput(CreateBody, req.body);
    const staff = staffOf(req);
    const viewer = viewerOf(staff, 'workorders.act');
    if (!scopeCovers(viewer.scope, body.regionCode, body.gridId ?? null)) {
      throw new AppError('validation', 'regionCode: outside your region', { field: 'regionCode' });
    }
    if (body.assignee.userId !== undefined && !(await activeUserExists(db, body.assignee.userId))) {
      throw new AppError('validation', 'assignee.userId: no active staff account with this id', { field: 'assignee.userId' });
    }
    const order = await createWorkOrder(db, {
      type: 'task', subject: body.subject ?? { kind: 'task', id: body.clientKey.slice(0, 40) }, regionCode: body.regionCode, gridId: body.gridId ?? body.assignee.gridId ?? null,
      title: body.title, priority: body.priority, due: body.due, actor: staff.username, clientKey: `console:${staff.userId}:${body.clientKey}`,
      assignee: { ...body.assignee, regionCode: body.regionCode },
      payload: body.note ? { note: body.note } : {},
    });
    await audit(req, { action: 'workorder.create', entity: 'work_order', entityId: order.id, subjectIds: subjectsOf(order) });
    return reply.status(201).send(order);
  });

  app.get('/api/notifications', { config: { access: 'staff' } }, async (req) => {
    const q = parseInput(z.object({ unread: z.enum(['0', '1']).optional(), limit: z.coerce.number().int().min(1).max(100).default(30) }), req.query, 'query');
    return listNotifications(db, staffOf(req).userId, { unreadOnly: q.unread === '1', limit: q.limit });
  });

  app.post('/api/notifications/read', { config: { access: 'staff' } }, async (req) => {
    const body = parseInput(ReadBody, req.body);
    return { marked: await markRead(db, staffOf(req).userId, 'all' in body ? 'all' : body.ids) };
  });

  registerPublicNotifyRoutes(app, ctx);
}
