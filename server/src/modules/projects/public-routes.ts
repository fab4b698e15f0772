/**
 * Public routes (no sign-in) of the 民心工程 tracker, suggestions and complaints: what the portal
 * and open-data users call. Every answer comes from published data only; residents' text goes back
 * as JSON strings exactly as stored (the portal renders text, never HTML). The forms are rate
 * limited per client address (numbers in data/settings.yaml).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ComplaintRating, ComplaintSubmit, SuggestionSubmit, SuggestionTopic, TicketCode, type PlanInfo } from '@minsheng/contracts';
import { planYaml } from './plan.ts';
import { DEMO_PLAN_YEAR } from './demo.ts';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { parseInput } from '../../platform/validate.ts';
import { AppError } from '../../platform/errors.ts';
import { settings } from './settings.ts';
import { memoJson, projectDetail, resolveYear, taskDetail, trackerOverview, viewOfProject, viewOfTask, yearView } from './tracker.ts';
import { evidenceFile } from './reporting.ts';
import { cachedSuggestions, publicSuggestions, submitSuggestion } from './suggestions.ts';
import { complaintCategories, publicComplaint, rateComplaint, submitComplaint } from './complaints.ts';
import { progressReportHtml, trackerCsv, trackerJson, updatesAtom } from './open-data.ts';

const IdParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const YearQuery = z.object({ year: z.coerce.number().int().min(2000).max(2100).optional() });
const ReportQuery = YearQuery.extend({ department: z.string().regex(/^[a-z0-9-]{2,40}$/, 'expected a department code').optional() });
const TicketParams = z.object({ ticket: TicketCode });
const RegionQuery = z.object({ parent: z.string().regex(/^\d{12}$/, 'expected a 12-digit division code').optional() });
const SuggestionQuery = z.object({
  status: z.enum(['published', 'adopted', 'not-adopted', 'merged']).optional(),
  topic: z.enum(SuggestionTopic).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

const PUBLIC = { access: 'public' as const };
const perMinute = (max: number) => ({ ...PUBLIC, rateLimit: { max, timeWindow: 60_000 } });

export function registerPublicProjectRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  /** The suggestions collected before the plan (1,402), from the loaded plan, else from the plan file itself. */
  const collectedBeforePlan = async (): Promise<{ count: number; source: PlanInfo['headline']['source'] }> => {
    try {
      const plan = (await yearView(db, await resolveYear(db))).plan;
      return { count: plan.headline.suggestionsCollected, source: plan.headline.source };
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'not_found')) throw err;
      const file = planYaml(DEMO_PLAN_YEAR);
      const src = file?.sources[file.headline.source];
      return {
        count: file?.headline.suggestionsCollected ?? 0,
        source: { title: src?.title ?? '', url: src?.url ?? null, publisher: src?.publisher ?? null, date: src?.date instanceof Date ? src.date.toISOString().slice(0, 10) : src?.date ?? null, quote: file?.headline.quote ?? null },
      };
    }
  };
  const limits = settings().rateLimits;
  const baseUrl = (req: FastifyRequest): string => ctx.config.publicBaseUrl ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;
  const cached = (reply: FastifyReply, seconds: number): FastifyReply => reply.header('cache-control', `public, max-age=${seconds}`);

  app.get('/api/public/tracker', { config: PUBLIC }, async (req, reply) => {
    const { year } = parseInput(YearQuery, req.query, 'query');
    const v = await yearView(db, await resolveYear(db, year));
    return cached(reply, 10).type('application/json; charset=utf-8').send(memoJson(v, 'tracker', () => trackerOverview(v)));
  });

  app.get('/api/public/projects/:id', { config: PUBLIC }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const v = await viewOfProject(db, id);
    return cached(reply, 10).type('application/json; charset=utf-8').send(memoJson(v, `project:${id}`, () => projectDetail(v, id)));
  });

  app.get('/api/public/tasks/:id', { config: PUBLIC }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const v = await viewOfTask(db, id);
    return cached(reply, 10).type('application/json; charset=utf-8').send(memoJson(v, `task:${id}`, () => taskDetail(v, id)));
  });

  app.get('/api/public/evidence/:id', { config: PUBLIC }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const f = await evidenceFile(db, id, { publicOnly: true });
    return reply.header('content-type', f.mime).header('x-content-type-options', 'nosniff')
      .header('content-disposition', f.mime === 'application/pdf' ? `inline; filename="evidence-${id}.pdf"` : 'inline')
      .header('cache-control', 'public, max-age=3600').send(f.content);
  });

  app.get('/api/public/suggestions', { config: PUBLIC }, async (req, reply) => {
    const q = parseInput(SuggestionQuery, req.query, 'query');
    return reply.type('application/json; charset=utf-8').send(await cachedSuggestions(JSON.stringify(q), async () => JSON.stringify(await publicSuggestions(db, q, await collectedBeforePlan()))));
  });

  app.post('/api/public/suggestions', { config: perMinute(limits.suggestionsPerMinute.value) }, async (req, reply) => {
    const input = parseInput(SuggestionSubmit, req.body);
    return reply.status(201).send(await submitSuggestion(db, input));
  });

  app.get('/api/public/complaint-categories', { config: PUBLIC }, async () => ({ items: complaintCategories() }));

  // The complaint form's place picker: names and codes of the divisions only (reference data).
  app.get('/api/public/regions', { config: perMinute(limits.regionLookupsPerMinute.value) }, async (req, reply) => {
    const { parent } = parseInput(RegionQuery, req.query, 'query');
    const rows = await db.query<{ code: string; name: string; level: string }>(
      parent ? 'SELECT code, name, level FROM region WHERE parent_code = $1 ORDER BY code' : `SELECT code, name, level FROM region WHERE level = 'district' ORDER BY code`,
      parent ? [parent] : []);
    if (parent && rows.length === 0) {
      const [known] = await db.query('SELECT 1 FROM region WHERE code = $1', [parent]);
      if (!known) throw new AppError('not_found', 'region not found');
    }
    cached(reply, 3600);
    return { items: rows };
  });

  app.post('/api/public/complaints', { config: perMinute(limits.complaintsPerMinute.value) }, async (req, reply) => {
    const input = parseInput(ComplaintSubmit, req.body);
    return reply.status(201).send(await submitComplaint(db, input));
  });

  // Looking tickets up is rate limited too, so codes cannot be guessed by trying many.
  app.get('/api/public/complaints/:ticket', { config: perMinute(limits.ticketLookupsPerMinute.value) }, async (req) => {
    const { ticket } = parseInput(TicketParams, req.params, 'ticket');
    return publicComplaint(db, ticket);
  });

  app.post('/api/public/complaints/:ticket/rating', { config: perMinute(limits.ratingsPerMinute.value) }, async (req) => {
    const { ticket } = parseInput(TicketParams, req.params, 'ticket');
    const r = parseInput(ComplaintRating, req.body);
    await rateComplaint(db, ticket, r.score, r.comment ?? null);
    return publicComplaint(db, ticket);
  });

  app.get('/api/public/tracker.json', { config: PUBLIC }, async (req, reply) => {
    const { year } = parseInput(YearQuery, req.query, 'query');
    const { department } = parseInput(ReportQuery, req.query, 'query');
    const v = await yearView(db, await resolveYear(db, year));
    return cached(reply, 60).header('content-disposition', 'inline; filename="minsheng-tracker.json"').type('application/json; charset=utf-8')
      .send(memoJson(v, `json:${department ?? ''}`, () => trackerJson(v, department)));
  });

  app.get('/api/public/tracker.csv', { config: PUBLIC }, async (req, reply) => {
    const { year } = parseInput(YearQuery, req.query, 'query');
    const v = await yearView(db, await resolveYear(db, year));
    return cached(reply, 60).header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="minsheng-tracker-${v.year}.csv"`).send(trackerCsv(v));
  });

  app.get('/api/public/updates.atom', { config: PUBLIC }, async (req, reply) => {
    const { year } = parseInput(YearQuery, req.query, 'query');
    const v = await yearView(db, await resolveYear(db, year));
    return cached(reply, 60).header('content-type', 'application/atom+xml; charset=utf-8').send(updatesAtom(v, baseUrl(req)));
  });

  app.get('/api/public/report', { config: PUBLIC }, async (req, reply) => {
    const q = parseInput(ReportQuery, req.query, 'query');
    const v = await yearView(db, await resolveYear(db, q.year));
    return cached(reply, 60).header('content-type', 'text/html; charset=utf-8').send(progressReportHtml(v, q.department));
  });
}

/** Why each public route needs no sign-in (listed in access.samples.ts). */
export const PUBLIC_ROUTE_REASONS: Record<string, string> = {
  'GET /api/public/tracker': 'the published plan and progress are public by design (民心工程 reported to the public)',
  'GET /api/public/projects/:id': 'a project page of the public tracker: published progress only',
  'GET /api/public/tasks/:id': 'a task page of the public tracker: published reports and evidence only',
  'GET /api/public/evidence/:id': 'evidence files of published reports only; unpublished ones answer 404',
  'GET /api/public/suggestions': 'moderated suggestions with redacted text, counts and links: public supervision',
  'POST /api/public/suggestions': 'residents suggest without an account (anonymous allowed); rate limited per client',
  'GET /api/public/complaint-categories': 'the complaint form needs its categories and SLAs (reference data)',
  'GET /api/public/regions': 'the complaint form\'s place picker: division names and codes only (public reference data); rate limited',
  'POST /api/public/complaints': 'residents file complaints without an account ("一键直达"); rate limited per client',
  'GET /api/public/complaints/:ticket': 'the unguessable ticket code is the key; the answer holds no contact data; rate limited',
  'POST /api/public/complaints/:ticket/rating': 'the resident holding the ticket rates the reply once; rate limited',
  'GET /api/public/tracker.json': 'open data: the published tracker as JSON',
  'GET /api/public/tracker.csv': 'open data: the published tracker as CSV',
  'GET /api/public/updates.atom': 'open data: an Atom feed of published updates',
  'GET /api/public/report': 'the printable progress report departments give the public',
};
