/** Applies the plain-SQL migrations in server/migrations in order, each once, in a transaction. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

export const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');
/** Any constant: serialises migrations when several server processes start at once. */
const LOCK_KEY = 7_151_515;

export interface MigrationReport { applied: string[]; skipped: number }

export async function migrate(db: Db, dir = migrationsDir): Promise<MigrationReport> {
  const files = fs.readdirSync(dir).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
    version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
    COMMENT ON TABLE schema_migration IS 'Plain-SQL migrations applied to this database, one row each.'`);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migration')).map((r) => r.version));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.exec(fs.readFileSync(path.join(dir, file), 'utf8'));
      await tx.query('INSERT INTO schema_migration (version) VALUES ($1)', [file]);
      applied.push(file);
    }
    return { applied, skipped: files.length - applied.length };
  });
}

/**
 * Gives the application's own database role what it needs and no more: read and write on the
 * tables, but only SELECT and INSERT on the audit log (and no changes to the migration record).
 * Run by the migration role (the owner) after migrating, when the two roles differ.
 */
export async function grantAppRole(db: Db, role: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`unsafe database role name ${role}`);
  await db.exec(`
    GRANT USAGE ON SCHEMA public TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role};
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ${role};
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migration FROM ${role};`);
}
