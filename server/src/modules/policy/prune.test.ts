/**
 * A batch run stores only eligible and error decisions (ADR 0004), so tekun's run reads the
 * supporters of only the persons whose own facts leave them a chance (rules `pruning`, inputs.ts
 * `kept`): the stored decisions must be exactly those of the full relation, including the errors
 * a bad supporter record causes for a person who is not eligible anyway. PGlite, and PostgreSQL
 * with MINSHENG_TEST_DATABASE_URL.
 */
import { compileToSql } from '@minsheng/rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemScope } from '../../platform/auth/scope.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { DEFAULT_POLICY_DIR, PolicyCatalogue } from './catalogue.ts';
import { inputRelation } from './inputs.ts';
import * as service from './service.ts';
import { OTHER_DISTRICT_COMMUNITY, relate, seedRegistry } from './test-fixtures.ts';
import type { Scope } from '../../platform/auth/scope.ts';

const ON = '2026-05-01';
const TEKUN = 'tianjin/tekun';

describe('tekun run without the supporters of persons it cannot find eligible', () => {
  let t: TestDb;
  const catalogue = new PolicyCatalogue(DEFAULT_POLICY_DIR);
  let ids: { persons: number[]; households: number[] };

  beforeAll(async () => {
    t = await testDb();
    ids = await seedRegistry(t.db, [
      [{ birth: '1950-01-01', income: 300 }],                                                   // 0: alone, no supporter: eligible
      [{ birth: '1950-01-01', income: 300 }, { birth: '1978-01-01', income: 6000, relation: 'child' }], // 1, 2: an able child
      [{ birth: '1990-01-01', income: 3000 }],                                                  // 3: works: not eligible by own facts
      [{ birth: '0900-01-01', income: 0 }],                                                     // 4: a record with an impossible birth date
      [{ birth: '1948-01-01', income: 0 }],                                                     // 5: elder whose only supporter is 4
      [{ birth: '1985-01-01', income: 5000 }, { birth: '2015-01-01', income: 0, relation: 'child' }], // 6, 7
      [{ birth: '1940-01-01', income: 100 }, { birth: '1942-01-01', income: 200, relation: 'spouse' }], // 8, 9: elderly couple
      [{ birth: '1944-01-01', income: 0, community: OTHER_DISTRICT_COMMUNITY }],                 // 10: alone, in 河西区: eligible
      [{ birth: '1946-01-01', income: 0, community: OTHER_DISTRICT_COMMUNITY }],                 // 11: in 河西区, supported by 4
    ]);
    const p = ids.persons;
    await relate(t.db, p[3]!, p[4]!, 'supporter', 'elder'); // 3 is not eligible anyway, but its supporter's record is broken
    await relate(t.db, p[5]!, p[4]!, 'child');
    await relate(t.db, p[11]!, p[4]!, 'child');
  }, 120_000);
  afterAll(async () => { await t.close(); });

  /**
   * A tekun run over `scope` (pruned: stored decisions only), its stored decisions as
   * `id:eligible|error:error`, and what the full relation decides there: its eligible and error
   * rows (`want`) and how many it decides (`total`).
   */
  const runBesideFull = async (scope: Scope) => {
    const policy = catalogue.get(TEKUN, ON);
    const full = inputRelation(TEKUN, policy, ON, scope, 'literal', 'columns');
    const fullSql = compileToSql(policy, ON, { inputRelation: full.sql, columns: full.columns!, checked: full.checked });
    const want = (await t.db.query<{ k: string }>(
      `SELECT id || ':' || coalesce(eligible::text, 'error') || ':' || coalesce(error, '-') AS k FROM (${fullSql}) d
       WHERE eligible OR error IS NOT NULL ORDER BY id`)).map((r) => r.k);
    const run = await service.runPolicy(t.db, catalogue, TEKUN, ON, scope, 'test');
    const got = (await t.db.query<{ k: string }>(
      `SELECT entity_id || ':' || coalesce(eligible::text, 'error') || ':' || coalesce(error, '-') AS k FROM policy_decision WHERE run_id = $1 ORDER BY entity_id`,
      [run.id])).map((r) => r.k);
    const [total] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${fullSql}) d`);
    return { want, got, run, total: total!.n };
  };

  it('stores exactly the eligible and error decisions the full relation gives', async () => {
    const policy = catalogue.get(TEKUN, ON);
    const kept = inputRelation(TEKUN, policy, ON, systemScope(), 'literal', 'kept');
    const full = inputRelation(TEKUN, policy, ON, systemScope(), 'literal', 'columns');
    // the run reads only some supporters' edges: the restricted edges join the person rows
    expect(kept.sql).not.toBe(full.sql);
    expect(kept.sql).toMatch(/__k ON __k\.id = __pr\.person_id/);
    expect(full.sql).not.toMatch(/__k ON __k\.id/);

    const { got, want, run, total } = await runBesideFull(systemScope());
    expect(got).toEqual(want);
    expect(run.total).toBe(total);
    // the run's own tables (persons needing their supporters, bad supporters, aggregates) are gone
    const [left] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'policy\\_facts\\_%'`);
    expect(left!.n).toBe(0);

    const p = ids.persons;
    // the person without supporters and the elderly couple (each the other's unable supporter)
    expect(got).toContain(`${p[0]}:true:-`);
    expect(got).toContain(`${p[8]}:true:-`);
    // the broken record makes an error of everyone it supports, also of 3, whose own facts fail
    expect(got).toContain(`${p[3]}:error:invalid input`);
    expect(got).toContain(`${p[5]}:error:invalid input`);
    // the elder with an able child is not stored
    expect(got.some((k) => k.startsWith(`${p[1]}:`))).toBe(false);
  });

  it('a run over one district stores exactly what the full relation gives there', async () => {
    const district = { prefixes: ['120101'], gridIds: [], all: false } as unknown as Scope;
    const { got, want, run, total } = await runBesideFull(district);
    expect(got).toEqual(want);
    expect(run.total).toBe(total);
    const p = ids.persons;
    expect(got).toContain(`${p[0]}:true:-`);
    expect(got).toContain(`${p[5]}:error:invalid input`);
    // the 河西区 persons are outside: neither the eligible one nor the one the broken record supports
    expect(got.some((k) => k.startsWith(`${p[10]}:`) || k.startsWith(`${p[11]}:`))).toBe(false);
    // and a run over the whole city has them
    const city = await service.runPolicy(t.db, catalogue, TEKUN, ON, systemScope(), 'test');
    const [both] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM policy_decision WHERE run_id = $1 AND entity_id = ANY($2::bigint[])`, [city.id, [p[10], p[11]]]);
    expect(both!.n).toBe(2);
  });
});
