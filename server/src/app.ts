/** Wires the platform and the modules into one HTTP application. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './platform/context.ts';
import { createHttpServer } from './platform/http.ts';
import { registerImportRoutes } from './modules/imports/routes.ts';
import { registerRegionRoutes } from './modules/regions/routes.ts';
import { registerRegistryRoutes } from './modules/registry/routes.ts';

const pkgPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../package.json');
export const VERSION = (JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { version: string }).version;

export async function createApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = await createHttpServer({ logLevel: ctx.config.logLevel });
  app.get('/api/health', async () => {
    await ctx.db.query('SELECT 1');
    return { status: 'ok', db: ctx.db.kind, mqtt: ctx.mqtt.mode, version: ctx.version };
  });
  registerRegionRoutes(app, ctx);
  registerRegistryRoutes(app, ctx);
  registerImportRoutes(app, ctx);
  return app;
}
