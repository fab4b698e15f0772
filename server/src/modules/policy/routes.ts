/**
 * Policy endpoints. Policies are public documents: listing, describing and evaluating one input
 * need no sign-in (evaluation is rate limited). Batch runs and what-ifs read the registry: they
 * need `policy.run`, run over the caller's region subtree, and are audited. A batch run answers 202
 * with the run (status running) as soon as it has started; `GET …/runs/:runId` gives its status and,
 * once done, its totals and the first data error's message (`firstError`; a failure: status
 * failed, the message in `failure`). Runs store only eligible and error decisions (ADR 0004):
 * the non-eligible count is total − eligible − errors.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IsoDate } from '@minsheng/contracts';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { parseInput } from '../../platform/validate.ts';
import { staffActor, writeAudit } from '../../platform/audit.ts';
import { scopeOf, staffOf } from '../../platform/auth/guard.ts';
import { AppError } from '../../platform/errors.ts';
import { PolicyCatalogue } from './catalogue.ts';
import * as service from './service.ts';

const IdParams = z.object({ id: z.string().min(1).max(200) });
const EvaluateBody = z.object({ on: IsoDate, input: z.record(z.string(), z.unknown()) });
const RunBody = z.object({ on: IsoDate });
const RunParams = z.object({ runId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const WhatIfBody = z.object({ on: IsoDate, set: z.record(z.string(), z.unknown()) });

/** Ids contain a slash (`tianjin/dibao`); the routes take it URL-encoded or as two segments. */
function policyId(req: FastifyRequest): string {
  const p = req.params as Record<string, string | undefined>;
  const id = p.ns !== undefined ? `${p.ns}/${p.id ?? ''}` : (p.id ?? '');
  return parseInput(IdParams, { id: decodeURIComponent(id) }, 'id').id;
}

export function registerPolicyRoutes(app: FastifyInstance, ctx: AppContext, catalogue: PolicyCatalogue = new PolicyCatalogue()): void {
  const { db } = ctx;
  const known = (id: string): string => {
    if (!catalogue.has(id)) {
      const broken = catalogue.errors.filter((e) => e.file === `policies/${id}.yaml`);
      throw new AppError('not_found', `policy ${id} not found${broken.length ? ` (its file has errors: ${broken[0]?.message})` : ''}`, { field: 'id' });
    }
    return id;
  };

  app.get('/api/policies', { config: { access: 'public' } }, async () => ({
    items: catalogue.all.map((e) => service.policySummary(catalogue, e.policy)),
    errors: catalogue.errors,
    loadedAt: catalogue.loadedAt,
  }));

  const describe = async (req: FastifyRequest) => {
    const id = known(policyId(req));
    const { on } = parseInput(z.object({ on: IsoDate.optional() }), req.query, 'query');
    try {
      return service.policyDetail(catalogue, catalogue.get(id, on));
    } catch (e) {
      throw service.toAppError(e);
    }
  };
  const evaluate = async (req: FastifyRequest) => {
    const id = known(policyId(req));
    const body = parseInput(EvaluateBody, req.body);
    return service.evaluateOne(catalogue, id, body.on, body.input);
  };
  // Batch runs go on after the answer (202): a city run takes minutes. The app waits for them
  // when it closes (each is one transaction: abandoning it would only roll it back).
  const inflight = new Set<Promise<unknown>>();
  app.addHook('onClose', async () => { await Promise.allSettled([...inflight]); });

  const run = async (req: FastifyRequest, reply: FastifyReply) => {
    const id = known(policyId(req));
    const { on } = parseInput(RunBody, req.body);
    const staff = staffOf(req);
    const scope = scopeOf(req, 'policy.run');
    // Refusals (no builder, missing inputs, date out of effect) are thrown here, before the 202.
    const prepared = await service.prepareRun(db, catalogue, id, on, scope, staff.username);
    const started = await service.getRun(db, prepared.runId);
    await writeAudit(db, staffActor(staff), { action: 'policy.run', entity: 'policy', entityId: id, fields: ['registry'], detail: { runId: prepared.runId, on, scope: started.scope } }, req);
    const job = prepared.execute().then(
      () => undefined,
      (e: unknown) => { req.log.error({ err: e, runId: prepared.runId }, 'policy run failed'); },
    ).finally(() => { inflight.delete(job); });
    inflight.add(job);
    void reply.code(202).header('location', `/api/policies/${encodeURIComponent(id)}/runs/${prepared.runId}`);
    return { ...started, placeholders: prepared.placeholders, reads: prepared.reads };
  };
  const oneRun = async (req: FastifyRequest) => {
    const id = known(policyId(req));
    const { runId } = parseInput(RunParams, { runId: (req.params as Record<string, string | undefined>).runId }, 'runId');
    const r = await service.getVisibleRun(db, id, runId, scopeOf(req, 'policy.run'));
    return { ...r, ...service.runInputs(catalogue, r) };
  };
  const runs = async (req: FastifyRequest) => {
    const id = known(policyId(req));
    return { items: await service.listRuns(db, id, scopeOf(req, 'policy.run')) };
  };
  const whatif = async (req: FastifyRequest) => {
    const id = known(policyId(req));
    const body = parseInput(WhatIfBody, req.body);
    const staff = staffOf(req);
    const result = await service.whatIf(db, catalogue, id, body.on, body.set, scopeOf(req, 'policy.run'));
    await writeAudit(db, staffActor(staff), { action: 'policy.whatif', entity: 'policy', entityId: id, fields: ['registry'], detail: { on: body.on, set: body.set, total: result.total } }, req);
    return result;
  };

  // `/api/policies/tianjin%2Fdibao` and `/api/policies/tianjin/dibao` both work.
  for (const base of ['/api/policies/:id', '/api/policies/:ns/:id']) {
    app.get(base, { config: { access: 'public' } }, describe);
    app.post(`${base}/evaluate`, { config: { access: 'public', rateLimit: { max: 120, timeWindow: 60_000 } } }, evaluate);
    app.post(`${base}/runs`, { config: { access: 'policy.run' } }, run);
    app.get(`${base}/runs`, { config: { access: 'policy.run' } }, runs);
    app.get(`${base}/runs/:runId`, { config: { access: 'policy.run' } }, oneRun);
    app.post(`${base}/whatif`, { config: { access: 'policy.run' } }, whatif);
  }
}
