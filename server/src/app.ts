/** Wires the platform and the modules into one HTTP application. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './platform/context.ts';
import { createHttpServer } from './platform/http.ts';
import { installGuard, type RouteInfo } from './platform/auth/guard.ts';
import { registerAccountRoutes } from './modules/accounts/routes.ts';
import { registerAuditRoutes } from './modules/audit/routes.ts';
import { registerResidentRoutes } from './modules/residents/routes.ts';
import { registerImportRoutes } from './modules/imports/routes.ts';
import { registerRegionRoutes } from './modules/regions/routes.ts';
import { registerRegistryRoutes } from './modules/registry/routes.ts';
import { registerPolicyRoutes } from './modules/policy/routes.ts';
import { registerCalendarRoutes } from './modules/calendar/routes.ts';
import { registerWorkOrderRoutes } from './modules/workorders/routes.ts';
import { registerMonitoringRoutes } from './modules/monitoring/routes.ts';
import { registerEldercareRoutes } from './modules/eldercare/routes.ts';
import { registerProjectRoutes } from './modules/projects/routes.ts';

const pkgPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../package.json');
export const VERSION = (JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { version: string }).version;

declare module 'fastify' {
  interface FastifyInstance { routeTable: RouteInfo[] }
}

export async function createApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = await createHttpServer({ logLevel: ctx.config.logLevel });
  app.decorate('routeTable', installGuard(app, ctx.db));
  app.get('/api/health', { config: { access: 'public' } }, async () => {
    await ctx.db.query('SELECT 1');
    return { status: 'ok', db: ctx.db.kind, mqtt: ctx.mqtt.mode, version: ctx.version, demo: ctx.config.demo };
  });
  registerAccountRoutes(app, ctx);
  registerResidentRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerRegionRoutes(app, ctx);
  registerRegistryRoutes(app, ctx);
  registerImportRoutes(app, ctx);
  registerPolicyRoutes(app, ctx);
  registerCalendarRoutes(app, ctx);
  registerWorkOrderRoutes(app, ctx);
  registerMonitoringRoutes(app, ctx);
  registerEldercareRoutes(app, ctx);
  registerProjectRoutes(app, ctx);
  return app;
}
