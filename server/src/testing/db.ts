/**
 * A fresh, migrated database for one test file, with Tianjin's divisions loaded.
 * PGlite in memory by default; with MINSHENG_TEST_DATABASE_URL set, a new database on that real
 * PostgreSQL server, created here and dropped on close.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDb, type Db } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { seedRegions } from '../modules/regions/seed.ts';

export interface TestDb { db: Db; close(): Promise<void>; url: string | undefined }

export const testServerUrl = (): string | undefined => process.env.MINSHENG_TEST_DATABASE_URL || undefined;

async function admin<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try { return await fn(client); } finally { await client.end(); }
}

export async function testDb(opts: { regions?: boolean } = {}): Promise<TestDb> {
  const serverUrl = testServerUrl();
  let db: Db;
  let url: string | undefined;
  let drop: () => Promise<void> = async () => undefined;
  if (serverUrl) {
    const name = `minsheng_t_${randomBytes(6).toString('hex')}`;
    await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    url = u.toString();
    db = await openDb({ databaseUrl: url });
    drop = () => admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);
  } else {
    db = await openDb({});
  }
  await migrate(db);
  if (opts.regions !== false) await seedRegions(db);
  return { db, url, close: async () => { await db.close(); await drop(); } };
}
