/**
 * Access control for every route. Each /api route must declare `config.access`: 'public',
 * 'staff' (any signed-in staff), 'resident' (a portal session) or a Permission. A route without
 * one makes the server refuse to start, so no endpoint can be forgotten. Out-of-region records
 * are filtered in the repositories by the caller's Scope (scope.ts), not here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db.ts';
import { AppError } from '../errors.ts';
import { staffActor, writeAudit } from '../audit.ts';
import { Permission, ROLE_PERMISSIONS } from './roles.ts';
import { scopeFor, type Scope } from './scope.ts';
import { findSession, RESIDENT_COOKIE, SESSION_COOKIE, tokenHash, type StaffPrincipal } from './sessions.ts';

export type Access = 'public' | 'staff' | 'resident' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig { access?: Access }
  interface FastifyRequest { staff?: StaffPrincipal; residentPersonId?: number }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** All routes as registered, with their access rule (the route-walking test reads this). */
export interface RouteInfo { method: string; url: string; access: Access }

export function installGuard(app: FastifyInstance, db: Db): RouteInfo[] {
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (access === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no access rule`);
    if (access !== 'public' && access !== 'staff' && access !== 'resident' && !Permission.includes(access)) {
      throw new Error(`route ${route.url}: unknown access rule ${String(access)}`);
    }
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, access });
  });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const access = req.routeOptions.config?.access;
    if (access === undefined || access === 'public') return;
    if (access === 'resident') {
      req.residentPersonId = await residentFrom(db, req);
      return;
    }
    const token = req.cookies[SESSION_COOKIE];
    const staff = token ? await findSession(db, token) : undefined;
    if (!staff) {
      if (token) req.log.warn({ url: req.url }, 'refused: unknown or expired session');
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      throw new AppError('unauthenticated', 'please sign in (no valid session)');
    }
    req.staff = staff;
    if (!SAFE_METHODS.has(req.method) && req.headers['x-csrf-token'] !== staff.csrfToken) {
      req.log.warn({ url: req.url, user: staff.username }, 'refused: missing or wrong CSRF token');
      await writeAudit(db, staffActor(staff), { action: 'csrf.refused', outcome: 'denied', detail: { method: req.method, url: req.url } }, req);
      throw new AppError('forbidden', 'missing or wrong CSRF token (header x-csrf-token)');
    }
    if (access !== 'staff' && !hasPermission(staff, access)) {
      await writeAudit(db, staffActor(staff), { action: 'access.refused', outcome: 'denied', detail: { method: req.method, url: req.routeOptions.url, needs: access } }, req);
      throw new AppError('forbidden', `your roles do not allow this (needs ${access})`);
    }
  });
  return routes;
}

async function residentFrom(db: Db, req: FastifyRequest): Promise<number> {
  const token = req.cookies[RESIDENT_COOKIE];
  if (!token) throw new AppError('unauthenticated', 'please sign in with your access code');
  const [row] = await db.query<{ person_id: number }>(
    'SELECT person_id FROM resident_session WHERE token_hash = $1 AND expires_at > now()', [tokenHash(token)]);
  if (!row) throw new AppError('unauthenticated', 'your portal session has ended; sign in again');
  return row.person_id;
}

export const hasPermission = (staff: StaffPrincipal, p: Permission): boolean =>
  staff.bindings.some((b) => ROLE_PERMISSIONS[b.role].includes(p));

/** The signed-in staff member; routes with a staff or permission rule always have one. */
export function staffOf(req: FastifyRequest): StaffPrincipal {
  if (!req.staff) throw new AppError('unauthenticated', 'please sign in');
  return req.staff;
}

/** The caller's region subtree for a permission. */
export const scopeOf = (req: FastifyRequest, p: Permission): Scope => scopeFor(staffOf(req).bindings, p);
