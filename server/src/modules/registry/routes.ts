import type { FastifyInstance } from 'fastify';
import { HouseholdInput, IsoDate, PersonInput, PersonPatch, RelationInput } from '@minsheng/contracts';
import { z } from 'zod';
import { CONSOLE_ACTOR, type AppContext } from '../../platform/context.ts';
import { parseInput } from '../../platform/validate.ts';
import { addRelation } from './relations.ts';
import * as service from './service.ts';

const IdParams = z.object({ id: z.coerce.number().int().positive() });
const AsOfQuery = z.object({ asOf: IsoDate.optional() });
const SearchQuery = z.object({
  q: z.string().max(50).optional(),
  region: z.string().regex(/^\d{12}$/, 'expected a 12-digit division code').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
const WithReason = z.object({ reason: z.string().trim().min(2).max(500).optional() });

/** Significant prefix of a 12-digit code: trailing zero groups dropped (city 2, district 6, street 9). */
export function regionPrefix(code: string): string {
  if (code.endsWith('0000000000')) return code.slice(0, 2);
  if (code.endsWith('000000')) return code.slice(0, 6);
  if (code.endsWith('000')) return code.slice(0, 9);
  return code;
}

export function registerRegistryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  app.get('/api/stats', async () => service.registryStats(db));

  app.get('/api/persons', async (req) => {
    const q = parseInput(SearchQuery, req.query, 'query');
    return service.searchPersons(db, { q: q.q, regionPrefix: q.region ? regionPrefix(q.region) : undefined, limit: q.limit, offset: q.offset });
  });
  app.post('/api/persons', async (req, reply) => {
    const input = parseInput(PersonInput, req.body);
    const { reason } = parseInput(WithReason, req.body);
    return reply.status(201).send(await service.createPerson(db, input, CONSOLE_ACTOR, reason ?? 'registered in the console'));
  });
  app.get('/api/persons/:id', async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const { asOf } = parseInput(AsOfQuery, req.query, 'query');
    return service.getPersonFile(db, id, asOf ?? null);
  });
  app.patch('/api/persons/:id', async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    return service.updatePerson(db, id, parseInput(PersonPatch, req.body), CONSOLE_ACTOR);
  });
  app.get('/api/persons/:id/history', async (req) => ({ items: await service.personHistory(db, parseInput(IdParams, req.params, 'id').id) }));

  app.post('/api/households', async (req, reply) => {
    const input = parseInput(HouseholdInput, req.body);
    const { reason } = parseInput(WithReason, req.body);
    const { id } = await db.transaction((tx) => service.upsertHousehold(tx, input, CONSOLE_ACTOR, reason ?? 'registered in the console'));
    return reply.status(201).send(await service.getHouseholdFile(db, id, null));
  });
  app.get('/api/households/:id', async (req) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const { asOf } = parseInput(AsOfQuery, req.query, 'query');
    return service.getHouseholdFile(db, id, asOf ?? null);
  });
  app.get('/api/households/:id/history', async (req) => ({ items: await service.householdHistory(db, parseInput(IdParams, req.params, 'id').id) }));

  app.post('/api/relations', async (req, reply) => {
    const result = await addRelation(db, parseInput(RelationInput, req.body), CONSOLE_ACTOR.name);
    return reply.status(result.created ? 201 : 200).send(result);
  });
}
