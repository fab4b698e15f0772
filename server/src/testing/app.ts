/** An application on a fresh test database, driven with `app.inject` (no port needed). */
import type { FastifyInstance } from 'fastify';
import { createApp, VERSION } from '../app.ts';
import { loadConfig } from '../platform/config.ts';
import type { AppContext } from '../platform/context.ts';
import { testDb, type TestDb } from './db.ts';

export interface TestApp { app: FastifyInstance; ctx: AppContext; close(): Promise<void> }

export async function testApp(opts: { db?: TestDb } = {}): Promise<TestApp> {
  const tdb = opts.db ?? (await testDb());
  const config = loadConfig({ LOG_LEVEL: 'silent' }, { databaseUrl: tdb.url });
  const ctx: AppContext = { db: tdb.db, config, version: VERSION, mqtt: { mode: 'embedded', url: '' } };
  const app = await createApp(ctx);
  return { app, ctx, close: async () => { await app.close(); if (!opts.db) await tdb.close(); } };
}
