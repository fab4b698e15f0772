/**
 * Registry endpoints. Every read of personal data is written to the audit log with the persons it
 * showed; records outside the caller's region answer 404 (filtered in the repository by scope);
 * citizen IDs and phones are masked unless the role needs them or a reveal unmasks them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HouseholdInput, IsoDate, PersonInput, PersonPatch, RelationInput } from '@minsheng/contracts';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { parseInput } from '../../platform/validate.ts';
import { staffActor, writeAudit, type AuditEntry } from '../../platform/audit.ts';
import { hasPermission, scopeOf, staffOf } from '../../platform/auth/guard.ts';
import { scopeCovers } from '../../platform/auth/scope.ts';
import { masked, maskedChange, type Unmask } from './masking.ts';
import { addRelation } from './relations.ts';
import * as service from './service.ts';
import { issueAccessCode } from './access-codes.ts';

const IdParams = z.object({ id: z.coerce.number().int().positive() });
const AsOfQuery = z.object({ asOf: IsoDate.optional() });
const SearchQuery = z.object({
  q: z.string().max(50).optional(),
  region: z.string().regex(/^\d{12}$/, 'expected a 12-digit division code').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
const WithReason = z.object({ reason: z.string().trim().min(2).max(500).optional() });
const RevealBody = z.object({
  fields: z.array(z.enum(['citizenId', 'phone'])).min(1),
  reason: z.string().trim().min(4, 'say why you need the full number (at least 4 characters)').max(500),
});

/** Significant prefix of a 12-digit code: trailing zero groups dropped (city 2, district 6, street 9). */
export function regionPrefix(code: string): string {
  if (code.endsWith('0000000000')) return code.slice(0, 2);
  if (code.endsWith('000000')) return code.slice(0, 6);
  if (code.endsWith('000')) return code.slice(0, 9);
  return code;
}

const unmaskFor = (req: FastifyRequest): Unmask => ({ citizenId: false, phone: hasPermission(staffOf(req), 'pii.phone') });

export function registerRegistryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const audit = (req: FastifyRequest, entry: AuditEntry): Promise<void> => writeAudit(db, staffActor(staffOf(req)), entry, req);
  const actorOf = (req: FastifyRequest) => ({ name: staffOf(req).username });

  app.get('/api/stats', { config: { access: 'registry.read' } }, async (req) => service.registryStats(db, scopeOf(req, 'registry.read')));

  app.get('/api/persons', { config: { access: 'registry.read' } }, async (req) => {
    const q = parseInput(SearchQuery, req.query, 'query');
    const result = await service.searchPersons(db, {
      scope: scopeOf(req, 'registry.read'), q: q.q, regionPrefix: q.region ? regionPrefix(q.region) : undefined, limit: q.limit, offset: q.offset,
    });
    await audit(req, { action: 'person.search', entity: 'person', subjectIds: result.items.map((p) => p.id), fields: ['name', 'citizenId', 'phone', 'residence'], detail: { q: q.q ?? null, region: q.region ?? null } });
    const unmask = unmaskFor(req);
    return { ...result, items: result.items.map((p) => masked(p, unmask)) };
  });

  app.post('/api/persons', { config: { access: 'registry.write' } }, async (req, reply) => {
    const input = parseInput(PersonInput, req.body);
    const { reason } = parseInput(WithReason, req.body);
    const file = await service.createPerson(db, scopeOf(req, 'registry.write'), input, actorOf(req), reason ?? 'registered in the console');
    await audit(req, { action: 'person.create', entity: 'person', entityId: file.id, subjectIds: [file.id], fields: Object.keys(input), reason });
    return reply.status(201).send(masked(file, unmaskFor(req)));
  });

  /** A file that is absent or outside the region is recorded too: probing by URL leaves a trace. */
  const recordMiss = async <T>(req: FastifyRequest, action: string, entity: string, id: number, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') await audit(req, { action, entity, entityId: id, outcome: 'denied', detail: { answer: 'not found or outside the region' } });
      throw err;
    }
  };

  app.get('/api/persons/:id', { config: { access: 'registry.read' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const { asOf } = parseInput(AsOfQuery, req.query, 'query');
    const file = await recordMiss(req, 'person.read', 'person', id, () => service.getPersonFile(db, scopeOf(req, 'registry.read'), id, asOf ?? null));
    await audit(req, { action: 'person.read', entity: 'person', entityId: id, subjectIds: [id], fields: ['file'], detail: asOf ? { asOf } : undefined });
    return masked(file, unmaskFor(req));
  });

  app.patch('/api/persons/:id', { config: { access: 'registry.write' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const patch = parseInput(PersonPatch, req.body);
    const file = await service.updatePerson(db, scopeOf(req, 'registry.write'), id, patch, actorOf(req));
    await audit(req, { action: 'person.update', entity: 'person', entityId: id, subjectIds: [id], fields: Object.keys(patch).filter((k) => k !== 'reason'), reason: patch.reason });
    return masked(file, unmaskFor(req));
  });

  app.get('/api/persons/:id/history', { config: { access: 'registry.read' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const items = await service.personHistory(db, scopeOf(req, 'registry.read'), id);
    await audit(req, { action: 'person.history', entity: 'person', entityId: id, subjectIds: [id], fields: ['history'] });
    const unmask = unmaskFor(req);
    return { items: items.map((e) => ({ ...e, changes: e.changes.map((c) => maskedChange(c, unmask)) })) };
  });

  app.post('/api/persons/:id/reveal', { config: { access: 'registry.reveal' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const { fields, reason } = parseInput(RevealBody, req.body);
    const file = await service.getPersonFile(db, scopeOf(req, 'registry.reveal'), id, null);
    await audit(req, { action: 'person.reveal', entity: 'person', entityId: id, subjectIds: [id], fields, reason });
    return { citizenId: fields.includes('citizenId') ? file.citizenId : undefined, phone: fields.includes('phone') ? file.phone : undefined };
  });

  app.post('/api/persons/:id/access-code', { config: { access: 'access-codes.issue' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    await service.getPersonFile(db, scopeOf(req, 'access-codes.issue'), id, null); // 404 outside the region
    const issued = await issueAccessCode(db, id, staffOf(req).username);
    await audit(req, { action: 'person.access-code', entity: 'person', entityId: id, subjectIds: [id] });
    return issued;
  });

  app.post('/api/households', { config: { access: 'registry.write' } }, async (req, reply) => {
    const input = parseInput(HouseholdInput, req.body);
    const { reason } = parseInput(WithReason, req.body);
    const scope = scopeOf(req, 'registry.write');
    if (!scopeCovers(scope, input.residenceCommunity ?? null, input.gridId ?? null)) {
      throw new AppError('validation', `residenceCommunity: ${input.residenceCommunity ?? 'no community'} is outside your region`, { field: 'residenceCommunity' });
    }
    const { id } = await db.transaction((tx) => service.upsertHousehold(tx, input, actorOf(req), reason ?? 'registered in the console'));
    const file = await service.getHouseholdFile(db, scope, id, null);
    await audit(req, { action: 'household.write', entity: 'household', entityId: id, subjectIds: file.members.map((m) => m.personId), reason });
    return reply.status(201).send({ ...file, members: file.members.map((m) => masked(m, unmaskFor(req))) });
  });

  app.get('/api/households/:id', { config: { access: 'registry.read' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const { asOf } = parseInput(AsOfQuery, req.query, 'query');
    const file = await recordMiss(req, 'household.read', 'household', id, () => service.getHouseholdFile(db, scopeOf(req, 'registry.read'), id, asOf ?? null));
    await audit(req, { action: 'household.read', entity: 'household', entityId: id, subjectIds: file.members.map((m) => m.personId), detail: asOf ? { asOf } : undefined });
    return { ...file, members: file.members.map((m) => masked(m, unmaskFor(req))) };
  });

  app.get('/api/households/:id/history', { config: { access: 'registry.read' } }, async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const items = await service.householdHistory(db, scopeOf(req, 'registry.read'), id);
    await audit(req, { action: 'household.history', entity: 'household', entityId: id });
    return { items };
  });

  app.post('/api/relations', { config: { access: 'registry.write' } }, async (req, reply) => {
    const input = parseInput(RelationInput, req.body);
    const result = await addRelation(db, input, staffOf(req).username, scopeOf(req, 'registry.write'));
    await audit(req, { action: 'relation.create', entity: 'relation', entityId: result.id, subjectIds: result.personIds });
    return reply.status(result.created ? 201 : 200).send({ id: result.id, created: result.created });
  });
}
