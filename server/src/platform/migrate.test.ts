import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from '../testing/db.ts';
import { migrate } from './migrate.ts';

describe('migrations', () => {
  let t: TestDb;
  beforeAll(async () => { t = await testDb({ regions: false }); });
  afterAll(async () => { await t.close(); });

  it('a second start applies nothing twice', async () => {
    const again = await migrate(t.db);
    expect(again.applied).toEqual([]);
    expect(again.skipped).toBeGreaterThanOrEqual(3);
    const [row] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migration');
    expect(row?.n).toBe(again.skipped);
  });

  it('every table carries a COMMENT ON', async () => {
    const rows = await t.db.query<{ table_name: string }>(
      `SELECT c.relname AS table_name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND obj_description(c.oid, 'pg_class') IS NULL`);
    expect(rows.map((r) => r.table_name)).toEqual([]);
  });
});
