/**
 * A batch run trusts the registry's birth dates to be valid dates (inputs.ts dateText; the compiled
 * query then skips its date pattern), except where they are not: a date the policies' date type
 * cannot hold (a year before 1000) is still an invalid input, in the batch run as in the JS
 * evaluator, and the run's first error names that person. A server whose own date style prints
 * dates otherwise (DMY) decides the same: every connection asks for ISO. PGlite, and PostgreSQL
 * with MINSHENG_TEST_DATABASE_URL (the date-style case on PostgreSQL only: PGlite has no server
 * configuration of its own).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, RulesError } from '@minsheng/rules';
import { systemScope } from '../../platform/auth/scope.ts';
import { openDb } from '../../platform/db.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { DEFAULT_POLICY_DIR, PolicyCatalogue } from './catalogue.ts';
import { inputRelation } from './inputs.ts';
import * as service from './service.ts';
import { relate, seedRegistry } from './test-fixtures.ts';

const ON = '2026-05-01';
const ID = 'tianjin/tekun';

describe('birth dates in batch runs', () => {
  let t: TestDb;
  let p: number[];
  const catalogue = new PolicyCatalogue(DEFAULT_POLICY_DIR);

  beforeAll(async () => {
    t = await testDb();
    p = (await seedRegistry(t.db, [
      [{ birth: '1950-01-01', income: 0 }], // alone, no supporter: tekun
      [{ birth: '0999-05-01', income: 0 }], // a year no policy date can hold
      [{ birth: '1948-01-01', income: 0 }], // her only supporter is the person above
    ])).persons;
    await relate(t.db, p[2]!, p[1]!, 'child');
  });
  afterAll(async () => { await t?.close(); });

  const jsOf = async (id: number) => {
    const policy = catalogue.get(ID, ON);
    const params: unknown[] = [];
    const rel = inputRelation(ID, policy, ON, systemScope(), params);
    params.push(id);
    const [row] = await t.db.query<{ input: unknown }>(`SELECT input FROM (${rel.sql}) AS i WHERE id = $${params.length}`, params);
    return () => evaluate(policy, row?.input, ON);
  };

  it('decides as the JS evaluator: valid dates decided, an impossible one an invalid input, also as a supporter', async () => {
    const run = await service.runPolicy(t.db, catalogue, ID, ON, systemScope(), 'test');
    const rows = await t.db.query<{ entity_id: number; eligible: boolean | null; error: string | null }>(
      'SELECT entity_id, eligible, error FROM policy_decision WHERE run_id = $1 ORDER BY entity_id', [run.id]);
    const by = new Map(rows.map((r) => [Number(r.entity_id), r]));
    expect((await jsOf(p[0]!))().eligible).toBe(true);
    expect(by.get(p[0]!)).toMatchObject({ eligible: true, error: null });
    for (const id of [p[1]!, p[2]!]) {
      expect(await jsOf(id)).toThrow(RulesError);
      expect(by.get(id)).toMatchObject({ eligible: null, error: 'invalid input' });
    }
    expect(run).toMatchObject({ errors: 2, firstError: `person ${Math.min(p[1]!, p[2]!)}: invalid input` });
  });

  it.skipIf(!process.env.MINSHENG_TEST_DATABASE_URL)('a server that prints dates as DD/MM/YYYY decides the same (PostgreSQL)', async () => {
    const name = new URL(t.url!).pathname.slice(1);
    await t.db.exec(`ALTER DATABASE ${name} SET DateStyle = 'SQL, DMY'`);
    const db = await openDb({ databaseUrl: t.url });
    try {
      const [raw] = await db.query<{ d: string }>(`SELECT current_setting('DateStyle') AS d`);
      expect(raw?.d).toMatch(/^ISO/);
      const run = await service.runPolicy(db, catalogue, ID, ON, systemScope(), 'test');
      const [row] = await db.query<{ eligible: boolean | null; error: string | null }>(
        'SELECT eligible, error FROM policy_decision WHERE run_id = $1 AND entity_id = $2', [run.id, p[0]!]);
      // Read as 01/01/1950 the birth date would make her input invalid.
      expect(row).toEqual({ eligible: true, error: null });
      expect(run.errors).toBe(2);
    } finally {
      await db.close();
      await t.db.exec(`ALTER DATABASE ${name} RESET DateStyle`);
    }
  });
});
