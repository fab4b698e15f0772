import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { parseInput } from '../../platform/validate.ts';
import { writeAudit } from '../../platform/audit.ts';
import { RESIDENT_COOKIE } from '../../platform/auth/sessions.ts';
import { checkAccessCode } from '../registry/access-codes.ts';
import * as service from './service.ts';

const Login = z.object({ citizenId: z.string().trim().length(18, 'citizenId: 18 characters'), accessCode: z.string().trim().min(6).max(20) });

export function registerResidentRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  app.post('/api/portal/login', { config: { access: 'public', rateLimit: { max: 10, timeWindow: 60_000 } } }, async (req, reply) => {
    const { citizenId, accessCode } = parseInput(Login, req.body);
    const personId = await checkAccessCode(db, citizenId, accessCode);
    const actor = { kind: 'resident' as const, userId: null, name: 'resident', role: null, office: null, regionCode: null };
    if (personId === undefined) {
      await writeAudit(db, actor, { action: 'resident.login', outcome: 'failed' }, req);
      throw new AppError('unauthenticated', 'citizen ID and access code do not match', { field: 'accessCode' });
    }
    await writeAudit(db, actor, { action: 'resident.login', entity: 'person', entityId: personId }, req);
    const token = await service.createResidentSession(db, personId);
    void reply.setCookie(RESIDENT_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: ctx.config.cookieSecure, path: '/', maxAge: service.RESIDENT_SESSION_HOURS * 3600 });
    return { ok: true };
  });

  app.post('/api/portal/logout', { config: { access: 'resident' } }, async (req, reply) => {
    const token = req.cookies[RESIDENT_COOKIE];
    if (token) await service.endResidentSession(db, token);
    void reply.clearCookie(RESIDENT_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/me/access-log', { config: { access: 'resident' } }, async (req) => {
    const personId = req.residentPersonId;
    if (personId === undefined) throw new AppError('unauthenticated', 'please sign in with your access code');
    return { items: await service.accessLogOf(db, personId) };
  });
}
