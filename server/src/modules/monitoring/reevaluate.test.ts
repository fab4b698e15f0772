/**
 * Re-evaluation in a chain reads the registry the way the assistance policies need it: an elder
 * living alone (no spouse, the only child in another street, a 低保 household) is found eligible
 * for the safety guard after the elder-disabled warning; a policy the registry cannot feed is
 * reported as such, not as "not eligible".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemScope } from '../../platform/auth/scope.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { recordVisit, reevaluate } from './chain-steps.ts';
import { loadRuleFiles } from './rule-file.ts';
import { runMonitoring } from './run.ts';
import { ensureGrids, feedRows, makeHousehold, storeDecision, OTHER_COMMUNITY, OTHER_GRID } from './test-fixtures.ts';

describe('policies re-evaluated for a chain', () => {
  let t: TestDb;
  let elder: { householdId: number; personIds: number[] };
  beforeAll(async () => {
    t = await testDb();
    await ensureGrids(t.db);
    elder = await makeHousehold(t.db, 'R-1', [{ name: '独居老人', birthDate: '1940-03-03', livingArrangement: 'alone', monthlyIncome: 900 }]);
    const child = await makeHousehold(t.db, 'R-2', [{ name: '外地子女', birthDate: '1968-03-03' }], { community: OTHER_COMMUNITY, grid: OTHER_GRID });
    await t.db.query(`INSERT INTO person_relation (person_id, related_person_id, kind, created_by) VALUES ($1, $2, 'child', 'test')`, [elder.personIds[0], child.personIds[0]]);
    await storeDecision(t.db, 'tianjin/dibao', 'household', elder.householdId, true);
    await feedRows(t.db, 'disability', [{ personId: elder.personIds[0]!, date: '2026-04-20', data: { category: 'physical', grade: 2, status: 'issued' } }]);
  }, 60_000);
  afterAll(async () => { await t?.close(); });

  it('finds the elder eligible for the safety guard, and for the care allowance once the visit corrects the file', async () => {
    const run = await runMonitoring(t.db, { on: '2026-05-01', startedBy: 'test' });
    expect(run.perRule.find((r) => r.rule === 'monitoring/elder-alone-became-disabled')?.raised).toBe(1);
    const [c] = await t.db.query<{ id: number }>(`SELECT id FROM monitoring_chain WHERE household_id = $1`, [elder.householdId]);
    const first = await reevaluate(t.db, systemScope(), c!.id, { actor: 'test', now: new Date('2026-05-02T02:00:00Z') });
    type R = { policy: string; eligible: boolean | null; error?: string; name: string | null };
    const before = first.data.results as R[];
    expect(before.find((r) => r.policy === 'tianjin/elder-alone-guard')).toMatchObject({ eligible: true, name: '独居老人' });
    expect(before.every((r) => r.error === undefined)).toBe(true);
    // The certificate is only in the 残联 feed so far: the registry has no grade yet.
    expect(before.find((r) => r.policy === 'tianjin/severe-disability-care-allowance')).toMatchObject({ eligible: false });
    await recordVisit(t.db, systemScope(), systemScope(), c!.id, {
      outcome: 'confirmed', notes: '核验残疾人证原件', clientActionId: 'v1',
      corrections: [{ personId: elder.personIds[0]!, patch: { disabilityCategory: 'physical', disabilityGrade: 2, reason: '入户核验残疾人证（二级肢体）' } }],
    }, { actor: 'grid', now: new Date('2026-05-02T03:00:00Z') });
    const after = await t.db.query<{ data: { results: R[]; recommended: Array<{ policy: string }> } }>(
      `SELECT data FROM monitoring_chain_action WHERE chain_id = $1 AND kind = 'reevaluated' ORDER BY seq DESC LIMIT 1`, [c!.id]);
    expect(after[0]!.data.recommended.map((r) => r.policy)).toEqual(expect.arrayContaining(['tianjin/elder-alone-guard', 'tianjin/severe-disability-care-allowance', 'tianjin/disability-living-allowance']));
  });

  it('names the facts the registry lacks instead of deciding without them', async () => {
    const withUnknown = loadRuleFiles([{ name: 'policies/monitoring/x.yaml', text: `id: monitoring.x
version: 1
title: {zh: 测试, en: test}
source: {document: 测试, published: 2026-01-01}
effective: {from: 2026-01-01}
entity: household
inputs:
  headName: string
conditions:
  - id: always
    expr: size(household.headName) > 0
    reason: {zh: 总是}
x-monitoring:
  severity: low
  suppressionDays: 1
  reason: "{household.headName}"
  reevaluate: [tianjin/housing-fund-first-home, tianjin/no-such-policy]
  sla: {verificationDays: 1, decisionDays: 1, followUpDays: 1}
` }]);
    expect(withUnknown.errors).toEqual([]);
    const run = await runMonitoring(t.db, { on: '2026-05-01', startedBy: 'test', rules: withUnknown });
    expect(run.raised).toBeGreaterThan(0);
    const [c] = await t.db.query<{ id: number }>(`SELECT id FROM monitoring_chain WHERE household_id = $1 AND status = 'open'`, [elder.householdId]);
    const link = await reevaluate(t.db, systemScope(), c!.id, { actor: 'test', rules: withUnknown });
    const results = link.data.results as Array<{ policy: string; error?: string }>;
    expect(results.find((r) => r.policy === 'tianjin/no-such-policy')?.error).toMatch(/no policy tianjin\/no-such-policy/);
    expect(results.find((r) => r.policy === 'tianjin/housing-fund-first-home')?.error).toMatch(/登记信息不足/);
  });
});
