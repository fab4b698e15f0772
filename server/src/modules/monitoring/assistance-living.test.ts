/**
 * A household is "assisted" as 特困 only through a living member: when the member whose tekun
 * decision made it assisted has died, the household is no longer assisted, and a hardship rule
 * that watches households "not yet assisted" looks at it again. Both paths agree: the whole-city
 * set path and the per-person path a feed batch triggers. PGlite, and PostgreSQL with
 * MINSHENG_TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from '../../testing/db.ts';
import { runMonitoring } from './run.ts';
import { ensureGrids, feedRows, makeHousehold, storeDecision } from './test-fixtures.ts';

const ON = '2026-05-01';
const RULE = 'monitoring/medical-spending-hardship';

async function city(): Promise<{ t: TestDb; widowed: { householdId: number; personIds: number[] }; living: { householdId: number; personIds: number[] } }> {
  const t = await testDb();
  await ensureGrids(t.db);
  const widowed = await makeHousehold(t.db, 'tekun-died', [{ name: '钱特困', birthDate: '1938-01-01' }, { name: '钱妻', birthDate: '1945-01-01', sex: 'F', monthlyIncome: 1000 }]);
  const living = await makeHousehold(t.db, 'tekun-lives', [{ name: '孙特困', birthDate: '1938-02-01' }, { name: '孙妻', birthDate: '1945-02-01', sex: 'F', monthlyIncome: 1000 }]);
  for (const h of [widowed, living]) await storeDecision(t.db, 'tianjin/tekun', 'person', h.personIds[0]!, true);
  await t.db.query(`UPDATE person SET deceased_on = '2026-02-01', change_reason = 'death registered', updated_by = 'test' WHERE id = $1`, [widowed.personIds[0]]);
  // 30,000 out of pocket against 1,000 a month (12,000 a year): far above the share, in the window.
  await feedRows(t.db, 'medical', [widowed, living].map((h) => ({ personId: h.personIds[1]!, date: '2026-03-01', data: { total: 40000, outOfPocket: 30000, hospital: 'A' } })));
  return { t, widowed, living };
}

const warnedHouseholds = async (t: TestDb, runId: number): Promise<number[]> => (await t.db.query<{ household_id: number }>(
  `SELECT c.household_id FROM monitoring_warning w JOIN monitoring_chain c ON c.id = w.chain_id WHERE w.run_id = $1 AND w.rule_id = $2 ORDER BY 1`, [runId, RULE]))
  .map((r) => Number(r.household_id));

describe('assistance through a living member only', () => {
  let c: Awaited<ReturnType<typeof city>>;
  beforeAll(async () => { c = await city(); });
  afterAll(async () => { await c.t.close(); });

  it('the whole-city run (set path) warns the household whose tekun member died, not the one whose member lives', async () => {
    const run = await runMonitoring(c.t.db, { on: ON, startedBy: 'test' });
    expect(run.problems).toEqual([]);
    expect(await warnedHouseholds(c.t, run.id)).toEqual([c.widowed.householdId]);
  });
});

describe('assistance through a living member only, per person', () => {
  let c: Awaited<ReturnType<typeof city>>;
  beforeAll(async () => { c = await city(); });
  afterAll(async () => { await c.t.close(); });

  it('a run over the persons of a feed batch (the per-person path) decides the same', async () => {
    const run = await runMonitoring(c.t.db, { on: ON, startedBy: 'test', personIds: [c.widowed.personIds[1]!, c.living.personIds[1]!] });
    expect(run.problems).toEqual([]);
    expect(await warnedHouseholds(c.t, run.id)).toEqual([c.widowed.householdId]);
  });
});
