import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { parseInput } from '../../platform/validate.ts';
import { staffActor, writeAudit } from '../../platform/audit.ts';
import { hasPermission, staffOf } from '../../platform/auth/guard.ts';
import { Permission, ROLE_LABELS } from '../../platform/auth/roles.ts';
import { endSession, SESSION_COOKIE, SESSION_MAX_HOURS } from '../../platform/auth/sessions.ts';
import { regionNames } from '../regions/service.ts';
import * as service from './service.ts';

const Login = z.object({ username: z.string().max(60), password: z.string().max(200) });
const IdParams = z.object({ id: z.coerce.number().int().positive() });
/** Per client address: more sign-in attempts than this per minute get 429, whatever the account. */
const LOGIN_ATTEMPTS_PER_MINUTE = 20;

export function registerAccountRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const secure = ctx.config.cookieSecure;

  app.post('/api/auth/login', {
    config: { access: 'public', rateLimit: { max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 } },
  }, async (req, reply) => {
    const { username, password } = parseInput(Login, req.body);
    const result = await service.signIn(db, username, password, req.ip, req.headers['user-agent']);
    const anon = { kind: 'anonymous' as const, userId: result.ok ? result.userId : result.userId ?? null, name: username.slice(0, 60), role: null, office: null, regionCode: null };
    if (!result.ok) {
      await writeAudit(db, anon, { action: 'auth.login', outcome: result.reason === 'locked' ? 'denied' : 'failed', detail: { reason: result.reason } }, req);
      if (result.reason === 'locked') {
        void reply.header('retry-after', String(result.retryAfterSeconds ?? 60));
        throw new AppError('rate_limited', `account locked after repeated failed sign-ins; try again in ${Math.ceil((result.retryAfterSeconds ?? 60) / 60)} min`, { reason: 'locked', retryAfterSeconds: result.retryAfterSeconds });
      }
      throw new AppError('unauthenticated', 'wrong username or password', { field: 'password' });
    }
    const user = await service.getUser(db, result.userId);
    await writeAudit(db, { ...anon, kind: 'staff', office: user.office, role: [...new Set(user.roles.map((r) => r.role))].join(','), regionCode: user.roles[0]?.regionCode ?? null }, { action: 'auth.login' }, req);
    void reply.setCookie(SESSION_COOKIE, result.token, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: SESSION_MAX_HOURS * 3600 });
    return { csrfToken: result.csrfToken, user };
  });

  app.post('/api/auth/logout', { config: { access: 'staff' } }, async (req, reply) => {
    const staff = staffOf(req);
    await endSession(db, staff.tokenHash);
    await writeAudit(db, staffActor(staff), { action: 'auth.logout' }, req);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/auth/me', { config: { access: 'staff' } }, async (req) => {
    const staff = staffOf(req);
    const names = await regionNames(db, staff.bindings.map((b) => b.regionCode));
    return {
      id: staff.userId, username: staff.username, displayName: staff.displayName, office: staff.office, csrfToken: staff.csrfToken,
      roles: staff.bindings.map((b) => ({ ...b, regionName: names.get(b.regionCode) ?? null, label: ROLE_LABELS[b.role] })),
      permissions: Permission.filter((p) => hasPermission(staff, p)),
    };
  });

  app.get('/api/admin/users', { config: { access: 'users.admin' } }, async () => ({ items: await service.listUsers(db) }));
  app.post('/api/admin/users', { config: { access: 'users.admin' } }, async (req, reply) => {
    const staff = staffOf(req);
    const user = await service.createUser(db, parseInput(service.UserInput, req.body), staff.username);
    await writeAudit(db, staffActor(staff), { action: 'user.create', entity: 'user', entityId: user.id, detail: { roles: user.roles } }, req);
    return reply.status(201).send(user);
  });
  app.patch('/api/admin/users/:id', { config: { access: 'users.admin' } }, async (req) => {
    const staff = staffOf(req);
    const { id } = parseInput(IdParams, req.params, 'id');
    const patch = parseInput(service.UserPatch, req.body);
    const user = await service.updateUser(db, id, patch);
    await writeAudit(db, staffActor(staff), { action: 'user.update', entity: 'user', entityId: id, fields: Object.keys(patch) }, req);
    return user;
  });
  app.post('/api/admin/users/:id/unlock', { config: { access: 'users.admin' } }, async (req) => {
    const staff = staffOf(req);
    const { id } = parseInput(IdParams, req.params, 'id');
    const user = await service.unlockUser(db, id);
    await writeAudit(db, staffActor(staff), { action: 'user.unlock', entity: 'user', entityId: id }, req);
    return user;
  });
}
