/**
 * "The latest decision of policy P for entity E on date D" since runs store only eligible and error
 * decisions (ADR 0004, migration 060): the latest done run of P on or before D whose scope covers
 * E, and E's row in it (eligible, or an error) or, without a row, not eligible. Runs are written
 * here by SQL to set each case up exactly; every reader goes through the two functions (the
 * monitoring rules' per-row `latest` too). PGlite, and PostgreSQL with MINSHENG_TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from '../../testing/db.ts';
import { latest } from '../monitoring/inputs.ts';
import { COMMUNITY, OTHER_DISTRICT_COMMUNITY, seedRegistry } from './test-fixtures.ts';

const P = 'tianjin/elder-alone-guard';

describe('latest decisions over runs that store only eligible and error rows', () => {
  let t: TestDb;
  /** heping (120101): a, c; hexi (120103): b. */
  let a: number; let b: number; let c: number;

  /** A run of P with the given rows (eligible true, false — a row as written before migration 060 — or an error). */
  async function run(on: string, scope: string[], rows: Array<[number, boolean | 'error']>, status: 'done' | 'running' | 'failed' = 'done'): Promise<number> {
    const [r] = await t.db.query<{ id: number }>(
      `INSERT INTO policy_run (policy_id, policy_version, on_date, started_by, scope, status, total) VALUES ($1, 1, $2, 'test', $3::text[], $4, 0) RETURNING id`,
      [P, on, scope, status]);
    for (const [id, v] of rows) {
      await t.db.query(`INSERT INTO policy_decision (run_id, policy_id, policy_version, on_date, entity, entity_id, eligible, outcome, error)
        VALUES ($1, $2, 1, $3, 'person', $4, $5, $6, $7)`,
        [r!.id, P, on, id, v === 'error' ? null : v, v === 'error' ? null : v ? 'eligible' : 'ineligible', v === 'error' ? 'invalid input' : null]);
    }
    return Number(r!.id);
  }
  /** The stored latest verdicts on a date, as `id: eligible|error`. */
  async function verdicts(on: string): Promise<string[]> {
    return (await t.db.query<{ k: string }>(
      `SELECT entity_id || ':' || coalesce(eligible::text, 'error') AS k FROM policy_latest_verdicts($1, 'person', $2::date) ORDER BY entity_id`, [P, on])).map((r) => r.k);
  }
  /** One person's latest decision on a date: [run, eligible] or null when no run covers them. */
  async function decision(id: number, on: string): Promise<[number, boolean | null] | null> {
    const [d] = await t.db.query<{ run_id: number; eligible: boolean | null }>(`SELECT run_id, eligible FROM policy_latest_decision($1, 'person', $2, $3::date)`, [P, id, on]);
    return d ? [Number(d.run_id), d.eligible] : null;
  }
  /** The monitoring rules' per-row reading (eligible or not) for every person. */
  async function perRow(on: string): Promise<Record<number, boolean>> {
    const rows = await t.db.query<{ id: number; v: boolean }>(`SELECT p.id, ${latest(P, 'person', 'p.id', `'${on}'`)} AS v FROM person p WHERE p.id = ANY($1::bigint[])`, [[a, b, c]]);
    return Object.fromEntries(rows.map((r) => [Number(r.id), r.v]));
  }

  beforeAll(async () => {
    t = await testDb();
    const ids = await seedRegistry(t.db, [
      [{ birth: '1940-01-01', income: 0 }],
      [{ birth: '1941-01-01', income: 0, community: OTHER_DISTRICT_COMMUNITY }],
      [{ birth: '1942-01-01', income: 0 }],
    ]);
    [a, b, c] = ids.persons as [number, number, number];
  });
  afterAll(async () => { await t.close(); });

  it('a later district run hides eligibility inside the district only; a later run covering E without a row for it hides an older eligible row', async () => {
    const city = await run('2026-01-01', [], [[a, true], [b, true]]);
    expect(await verdicts('2026-01-01')).toEqual([`${a}:true`, `${b}:true`]);
    expect(await decision(c, '2026-01-01')).toEqual([city, false]); // covered, no row: not eligible
    expect(await decision(a, '2025-12-31')).toBeNull(); // no run on or before the date

    // 和平区 run: a is no longer eligible, c now is; b (河西区) keeps the city run's verdict.
    const district = await run('2026-02-01', ['120101*'], [[c, true]]);
    expect(await verdicts('2026-02-01')).toEqual([`${b}:true`, `${c}:true`]);
    expect(await decision(a, '2026-02-01')).toEqual([district, false]);
    expect(await decision(b, '2026-02-01')).toEqual([city, true]);
    expect(await perRow('2026-02-01')).toEqual({ [a]: false, [b]: true, [c]: true });
    // on a date between the runs, the city run's verdicts
    expect(await verdicts('2026-01-31')).toEqual([`${a}:true`, `${b}:true`]);

    // Runs that are not done are not decisions.
    await run('2026-02-10', [], [], 'running');
    await run('2026-02-11', [], [], 'failed');
    expect(await verdicts('2026-02-28')).toEqual([`${b}:true`, `${c}:true`]);

    // A city run with an error for b and no row for c: b is an error (not eligible for readers), c not eligible.
    const city2 = await run('2026-03-01', [], [[b, 'error']]);
    expect(await verdicts('2026-03-01')).toEqual([`${b}:error`]);
    expect(await decision(b, '2026-03-01')).toEqual([city2, null]);
    expect(await decision(c, '2026-03-01')).toEqual([city2, false]);
    expect(await perRow('2026-03-01')).toEqual({ [a]: false, [b]: false, [c]: false });
  });

  it('the verdict functions are declared parallel safe, so whole-registry queries reading them keep their parallel workers (migration 062)', async () => {
    const rows = await t.db.query<{ proname: string; proparallel: string }>(
      `SELECT proname, proparallel FROM pg_proc WHERE proname IN ('policy_scope_covers', 'policy_run_covers', 'policy_latest_verdicts', 'policy_latest_decision') ORDER BY proname`);
    expect(rows.map((r) => `${r.proname}:${r.proparallel}`)).toEqual(['policy_latest_decision:s', 'policy_latest_verdicts:s', 'policy_run_covers:s', 'policy_scope_covers:s']);
  });

  it('rows of non-eligible decisions written before migration 060 give the same answers as no row', async () => {
    const withRows = await run('2026-04-01', [], [[a, true], [b, false], [c, false]]);
    const answer = async (): Promise<unknown> => [await verdicts('2026-04-01'), await decision(b, '2026-04-01'), await decision(c, '2026-04-01'), await perRow('2026-04-01')];
    const before = await answer();
    expect(before).toEqual([[`${a}:true`], [withRows, false], [withRows, false], { [a]: true, [b]: false, [c]: false }]);
    await t.db.query(`DELETE FROM policy_decision WHERE run_id = $1 AND eligible IS NOT TRUE AND error IS NULL`, [withRows]);
    expect(await answer()).toEqual(before);
  });

  it('a person who moved out of a district after its run is still covered by it (the run has a row); the scope reads grids too', async () => {
    const district = await run('2026-05-01', ['120101*'], [[c, true]]);
    await t.db.query(`UPDATE person SET residence_community = $2 WHERE id = $1`, [c, OTHER_DISTRICT_COMMUNITY]);
    try {
      expect(await decision(c, '2026-05-01')).toEqual([district, true]);
      expect(await verdicts('2026-05-01')).toEqual([`${c}:true`]); // a: the district run's "not eligible" (a still lives there)
      expect(await decision(a, '2026-05-01')).toEqual([district, false]);
      expect(await decision(b, '2026-05-01')).toEqual([expect.any(Number), false]); // the city run of 04-01
    } finally {
      await t.db.query(`UPDATE person SET residence_community = $2 WHERE id = $1`, [c, COMMUNITY]);
    }
    const covers = async (scope: string[], community: string | null, grid: string | null): Promise<boolean> =>
      (await t.db.query<{ v: boolean }>('SELECT policy_scope_covers($1::text[], $2, $3) AS v', [scope, community, grid]))[0]!.v;
    expect(await covers([], null, null)).toBe(true);
    expect(await covers(['120101*'], '120101001001', null)).toBe(true);
    expect(await covers(['120101*'], '120103001001', null)).toBe(false);
    expect(await covers(['120101*'], null, null)).toBe(false);
    expect(await covers(['120103*', 'grid:G-7'], '120101001001', 'G-7')).toBe(true);
    expect(await covers(['grid:G-7'], '120101001001', 'G-8')).toBe(false);
  });
});
