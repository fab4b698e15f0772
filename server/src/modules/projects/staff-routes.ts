/**
 * Console routes for suggestion moderation (suggestions.moderate, city office) and the complaints
 * inbox (complaints.handle, scoped to the caller's region: a complaint elsewhere answers 404).
 * Contact data is personal: lists and files show it masked, every read is audited, and the full
 * number only comes through a reveal with a reason.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SuggestionStatus } from '@minsheng/contracts';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { parseInput } from '../../platform/validate.ts';
import { hasPermission, scopeOf, staffOf } from '../../platform/auth/guard.ts';
import { staffActor, writeAudit, type AuditEntry } from '../../platform/audit.ts';
import { AppError } from '../../platform/errors.ts';
import { ModerationAction, moderate, staffSuggestions } from './suggestions.ts';
import { actOnComplaint, getComplaint, listComplaints } from './complaints.ts';

const IdParams = z.object({ id: z.coerce.number().int().positive().max(9_007_199_254_740_991) });
const ListQuery = z.object({
  status: z.string().max(20).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
const ComplaintAction = z.object({
  kind: z.enum(['accept', 'note', 'reply']),
  text: z.string().trim().max(2000).optional(),
  public: z.boolean().optional(),
  clientKey: z.string().min(8).max(64).optional(),
});
const RevealBody = z.object({ reason: z.string().trim().min(4, 'say why you need the full contact (at least 4 characters)').max(500) });

export function registerStaffRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const audit = (req: FastifyRequest, e: AuditEntry): Promise<void> => writeAudit(db, staffActor(staffOf(req)), e, req);

  app.get('/api/suggestions', { config: { access: 'suggestions.moderate' } }, async (req) => {
    const q = parseInput(ListQuery.extend({ status: z.enum(SuggestionStatus).optional() }), req.query, 'query');
    const result = await staffSuggestions(db, q);
    const withContact = result.items.filter((s) => !s.anonymous).map((s) => s.id);
    if (withContact.length > 0) await audit(req, { action: 'suggestion.list', entity: 'suggestion', fields: ['contactName', 'contactPhone'], detail: { ids: withContact, masked: true } });
    return result;
  });

  app.post('/api/suggestions/:id/actions', { config: { access: 'suggestions.moderate' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const action = parseInput(ModerationAction, req.body);
    const state = await moderate(db, id, action, staffOf(req).username);
    await audit(req, { action: `suggestion.${action.kind}`, entity: 'suggestion', entityId: id });
    return state;
  });

  const unmask = (req: FastifyRequest): boolean => hasPermission(staffOf(req), 'pii.phone');

  app.get('/api/complaints', { config: { access: 'complaints.handle' } }, async (req) => {
    const q = parseInput(ListQuery.extend({ status: z.enum(['received', 'in-progress', 'answered', 'closed']).optional() }), req.query, 'query');
    const result = await listComplaints(db, scopeOf(req, 'complaints.handle'), q, unmask(req));
    await audit(req, { action: 'complaint.list', entity: 'complaint', fields: ['contactName', 'contactPhone'], detail: { ids: result.items.map((c) => c.id), masked: !unmask(req), status: q.status ?? null } });
    return result;
  });

  /** A complaint outside the region answers 404 like an unknown one, and the attempt is audited. */
  const read = async <T>(req: FastifyRequest, id: number, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') await audit(req, { action: 'complaint.read', entity: 'complaint', entityId: id, outcome: 'denied', detail: { answer: 'not found or outside the region' } });
      throw err;
    }
  };

  app.get('/api/complaints/:id', { config: { access: 'complaints.handle' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const c = await read(req, id, () => getComplaint(db, scopeOf(req, 'complaints.handle'), id, unmask(req)));
    await audit(req, { action: 'complaint.read', entity: 'complaint', entityId: id, fields: ['contactName', 'contactPhone'], detail: { masked: !unmask(req) } });
    return c;
  });

  app.post('/api/complaints/:id/actions', { config: { access: 'complaints.handle' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const a = parseInput(ComplaintAction, req.body);
    const staff = staffOf(req);
    const c = await read(req, id, () => actOnComplaint(db, scopeOf(req, 'complaints.handle'), id, a, { username: staff.username, office: staff.office }));
    await audit(req, { action: `complaint.${a.kind}`, entity: 'complaint', entityId: id });
    return c;
  });

  app.post('/api/complaints/:id/reveal', { config: { access: 'complaints.handle' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const { reason } = parseInput(RevealBody, req.body);
    const c = await read(req, id, () => getComplaint(db, scopeOf(req, 'complaints.handle'), id, true));
    await audit(req, { action: 'complaint.reveal', entity: 'complaint', entityId: id, fields: ['contactName', 'contactPhone'], reason });
    return { contactName: c.contactName, contactPhone: c.contactPhone };
  });
}
