/**
 * The policy catalogue and batch runs: real files load, a broken file does not hide the others,
 * and a batch run over a small registry stores exactly what the JS evaluator decides for each
 * person's or household's input built from the registry (JS == SQL on registry data). Runs on
 * PGlite, and on PostgreSQL with MINSHENG_TEST_DATABASE_URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, RulesError } from '@minsheng/rules';
import { systemScope } from '../../platform/auth/scope.ts';
import { AppError } from '../../platform/errors.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { DEFAULT_POLICY_DIR, PolicyCatalogue } from './catalogue.ts';
import { inputRelation } from './inputs.ts';
import * as service from './service.ts';
import { COMMUNITY, OTHER_DISTRICT_COMMUNITY, policyDir, seedRegistry } from './test-fixtures.ts';

describe('policy catalogue', () => {
  it('loads every file under the repository policies/ without errors', () => {
    const c = new PolicyCatalogue(DEFAULT_POLICY_DIR);
    expect(c.errors).toEqual([]);
    const files: string[] = [];
    const walk = (d: string, top: boolean): void => {
      if (!fs.existsSync(d)) return;
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory() && !(top && e.name === 'monitoring')) walk(path.join(d, e.name), false);
        else if (e.isFile() && e.name.endsWith('.yaml')) files.push(e.name);
      }
    };
    walk(DEFAULT_POLICY_DIR, true);
    expect(c.all.length).toBe(files.length);
    for (const e of c.all) expect(e.id).toMatch(/^[a-z0-9/._-]+$/);
  });

  it('reports a broken file with file, line and column and keeps the others; skips monitoring/', () => {
    const dir = policyDir({
      'tianjin/broken.yaml': 'id: tianjin.broken\nversion: 1\ntitle: {zh: 坏\n',
      'tianjin/bad-cel.yaml': fs.readFileSync(path.join(dir0(), 'tianjin/dibao.yaml'), 'utf8').replace('id: tianjin.assistance.dibao-tier', 'id: tianjin.bad-cel').replace('family.vehicles <= params.maxVehicles', 'family.vehicles <= params.noSuchParam'),
    });
    const c = new PolicyCatalogue(dir);
    expect(c.all.map((e) => e.id).sort()).toEqual(['tianjin/car-scrappage-subsidy', 'tianjin/concentrated-care-subsidy', 'tianjin/dibao']);
    expect(c.errors.map((e) => e.file).sort()).toEqual(['policies/tianjin/bad-cel.yaml', 'policies/tianjin/broken.yaml']);
    for (const e of c.errors) {
      expect(e.line).toBeGreaterThan(0);
      expect(e.column).toBeGreaterThan(0);
      expect(e.message.length).toBeGreaterThan(5);
    }
    expect(c.errors.find((e) => e.file.endsWith('bad-cel.yaml'))?.message).toMatch(/noSuchParam/);
    expect(() => c.get('tianjin/broken')).toThrow(/has errors/);
    // reload picks up a fix
    fs.writeFileSync(path.join(dir, 'tianjin/broken.yaml'), fs.readFileSync(path.join(dir, 'tianjin/dibao.yaml'), 'utf8').replace('id: tianjin.assistance.dibao-tier', 'id: tianjin.fixed'));
    expect(c.reload()).toEqual({ policies: 4, errors: 1 });
    expect(c.get('tianjin/broken').id).toBe('tianjin.fixed');
  });

  it('finds a policy by its path or by the id inside the file, and the version by date', () => {
    const c = new PolicyCatalogue(dir0());
    expect(c.get('tianjin/dibao').id).toBe('tianjin.assistance.dibao-tier');
    expect(c.get('tianjin.assistance.dibao-tier').file).toBe('policies/tianjin/dibao.yaml');
    expect(() => c.get('tianjin/dibao', '2024-12-31')).toThrow(RulesError);
    expect(() => c.get('tianjin/nothing')).toThrow(/no policy tianjin\/nothing/);
  });
});

let shared: string | undefined;
function dir0(): string { return (shared ??= policyDir()); }

describe('batch runs over the registry', () => {
  let t: TestDb;
  const c = (): PolicyCatalogue => new PolicyCatalogue(dir0());
  let ids: { persons: number[]; households: number[] };
  const ON = '2026-05-01';

  beforeAll(async () => {
    t = await testDb();
    ids = await seedRegistry(t.db, [
      // dibao: two elders, low pensions; one in an institution, totally disabled, with a care fee
      [{ birth: '1940-02-01', income: 500, ability: 'complete', living: 'institution', careFee: 3000 }, { birth: '1942-03-01', income: 300, ability: 'moderate' }],
      // near-poor single
      [{ birth: '1980-01-01', income: 1500 }],
      // refused: too rich
      [{ birth: '1985-01-01', income: 5000 }, { birth: '1986-01-01', income: 5000, relation: 'spouse' }],
      // refused on assets
      [{ birth: '1950-01-01', income: 0, asset: 100000 }],
      // other hukou, 81 years old, in an institution
      [{ birth: '1945-01-01', income: 0, hukou: '110101001001', living: 'institution', careFee: 1000 }],
      // a relation the dibao fixture does not know ('sibling'): an input error, not a crash
      [{ birth: '1960-01-01', income: 100 }, { birth: '1962-01-01', income: 100, relation: 'sibling' }],
      // the other district
      [{ birth: '1950-01-01', income: 100, community: OTHER_DISTRICT_COMMUNITY }],
      // deceased before the date: not decided
      [{ birth: '1930-01-01', income: 0, deceased: '2025-01-01' }],
    ]);
  });
  afterAll(async () => { await t.close(); });

  /**
   * JS == SQL: the run stored a row for exactly the inputs built from the registry that evaluate()
   * finds eligible or cannot decide (an error), each row equal to evaluate()'s decision, and no row
   * for every other input (not eligible: ADR 0004); the run's total counts every input; and the
   * readers' view (policy_latest_verdicts) gives the same eligible set. Answers the number of inputs.
   */
  async function checkAgainstJs(runId: number, publicId: string): Promise<number> {
    const cat = c();
    const policy = cat.get(publicId, ON);
    const params: unknown[] = [];
    const rel = inputRelation(publicId, policy, ON, systemScope(), params);
    const inputs = await t.db.query<{ id: number; input: unknown }>(`SELECT id, input FROM (${rel.sql}) AS i ORDER BY id`, params);
    const stored = await t.db.query<{ entity_id: number; eligible: boolean | null; outcome: string | null; amount: number | null; failed_rules: string[] | null; error: string | null }>(
      'SELECT entity_id, eligible, outcome, amount, failed_rules, error FROM policy_decision WHERE run_id = $1 ORDER BY entity_id', [runId]);
    const byId = new Map(stored.map((s) => [Number(s.entity_id), s]));
    const inputIds = new Set(inputs.map((i) => Number(i.id)));
    for (const s of stored) expect(inputIds.has(Number(s.entity_id)), `stored entity ${s.entity_id} is an input`).toBe(true);
    const jsEligible: number[] = [];
    let kept = 0;
    for (const row of inputs) {
      const s = byId.get(Number(row.id));
      let js: ReturnType<typeof evaluate> | undefined;
      try { js = evaluate(policy, row.input, ON); } catch (e) { expect(e).toBeInstanceOf(RulesError); }
      if (!js) { expect(s?.error, `entity ${row.id}`).toEqual(expect.any(String)); kept += 1; continue; }
      if (!js.eligible) { expect(s, `entity ${row.id} is not eligible: no row (${JSON.stringify(row.input)})`).toBeUndefined(); continue; }
      kept += 1;
      jsEligible.push(Number(row.id));
      expect({ eligible: s?.eligible, outcome: s?.outcome, amount: s?.amount, failed: s?.failed_rules, error: s?.error }, `entity ${row.id}: ${JSON.stringify(row.input)}`)
        .toEqual({ eligible: true, outcome: js.outcome, amount: js.amount, failed: [], error: null });
    }
    expect(stored.length).toBe(kept);
    const [run] = await t.db.query<{ total: number }>('SELECT total FROM policy_run WHERE id = $1', [runId]);
    expect(run?.total).toBe(inputs.length);
    const verdicts = await t.db.query<{ entity_id: number }>(`SELECT entity_id FROM policy_latest_verdicts($1, $2, $3::date) WHERE eligible ORDER BY entity_id`, [publicId, rel.entity, ON]);
    expect(verdicts.map((v) => Number(v.entity_id))).toEqual(jsEligible);
    return inputs.length;
  }

  /** evaluate() on one entity's input built from the registry (what a caseworker is shown for a non-eligible one). */
  async function jsDecision(publicId: string, entityId: number): Promise<ReturnType<typeof evaluate>> {
    const policy = c().get(publicId, ON);
    const params: unknown[] = [];
    const rel = inputRelation(publicId, policy, ON, systemScope(), params);
    params.push(entityId);
    const [row] = await t.db.query<{ input: unknown }>(`SELECT input FROM (${rel.sql}) AS i WHERE id = $${params.length}`, params);
    return evaluate(policy, row?.input, ON);
  }

  it('runs dibao over households in one statement and stores decisions equal to the JS evaluator', async () => {
    const run = await service.runPolicy(t.db, c(), 'tianjin/dibao', ON, systemScope(), 'test');
    expect(run).toMatchObject({ policyId: 'tianjin/dibao', policyVersion: 1, onDate: ON, status: 'done', total: 7, errors: 1 });
    // The first error names the entity it concerns, so that a caseworker can open it.
    const [bad] = await t.db.query<{ entity_id: number }>('SELECT entity_id FROM policy_decision WHERE run_id = $1 AND error IS NOT NULL', [run.id]);
    expect(run.firstError).toBe(`household ${bad?.entity_id}: invalid input`);
    expect(await service.getRun(t.db, run.id)).toMatchObject({ firstError: `household ${bad?.entity_id}: invalid input`, errors: 1 });
    // Stored: the eligible and the error decisions only; the refused ones and the deceased have no row.
    const byHousehold = new Map((await t.db.query<{ entity_id: number; outcome: string | null }>('SELECT entity_id, outcome FROM policy_decision WHERE run_id = $1', [run.id])).map((r) => [Number(r.entity_id), r.outcome]));
    expect(byHousehold.get(ids.households[0]!)).toBe('dibao');
    expect(byHousehold.get(ids.households[1]!)).toBe('near-poor');
    expect(byHousehold.has(ids.households[2]!)).toBe(false);
    expect(byHousehold.has(ids.households[3]!)).toBe(false);
    expect(byHousehold.get(ids.households[5]!)).toBeNull(); // the input error: a row, outcome NULL
    expect(byHousehold.has(ids.households[7]!)).toBe(false);
    expect((await jsDecision('tianjin/dibao', ids.households[2]!)).outcome).toBe('refused');
    expect((await jsDecision('tianjin/dibao', ids.households[3]!)).outcome).toBe('refused');
    expect(await checkAgainstJs(run.id, 'tianjin/dibao')).toBe(7);
    // amount: 2 × 1180 − 800 + 2 elders × 118
    expect(run.amountTotal).toBeGreaterThan(1796);
  });

  it('then concentrated care reads the household dibao decision, and matches the JS evaluator', async () => {
    const run = await service.runPolicy(t.db, c(), 'tianjin/concentrated-care-subsidy', ON, systemScope(), 'test');
    expect(run.status).toBe('done');
    expect(run.reads).toEqual(['tianjin/dibao']);
    expect(Object.keys(run.placeholders ?? {})).toEqual(expect.arrayContaining(['voluntary', 'daysInCare', 'monthlyCareFee']));
    expect(await checkAgainstJs(run.id, 'tianjin/concentrated-care-subsidy')).toBe(run.total);
    // dibao family, 86, totally disabled, in an institution — but admitted (per the registry) today:
    // too few days. Not eligible: no row; the latest decision is this run's "not eligible", and the
    // explanation is evaluate() on the registry's input.
    const [first] = await t.db.query<{ run_id: number; eligible: boolean; outcome: string | null }>(
      `SELECT run_id, eligible, outcome FROM policy_latest_decision('tianjin/concentrated-care-subsidy', 'person', $1, $2::date)`, [ids.persons[0], ON]);
    expect({ ...first, run_id: Number(first?.run_id) }).toEqual({ run_id: run.id, eligible: false, outcome: null });
    const why = await jsDecision('tianjin/concentrated-care-subsidy', ids.persons[0]!);
    expect({ outcome: why.outcome, failed: why.reasons.filter((r) => !r.passed).map((r) => r.rule) }).toEqual({ outcome: 'ineligible', failed: ['days-in-care'] });
  });

  it('a district run covers only its subtree: it hides older eligibility inside it, not outside; runs list by scope', async () => {
    const eligibleNow = async (): Promise<number[]> => (await t.db.query<{ entity_id: number }>(
      `SELECT entity_id FROM policy_latest_verdicts('tianjin/dibao', 'household', $1::date) WHERE eligible ORDER BY entity_id`, [ON])).map((r) => Number(r.entity_id));
    const before = await eligibleNow();
    expect(before).toEqual(expect.arrayContaining([ids.households[0], ids.households[1], ids.households[6]]));
    // The near-poor single (和平区) now earns too much; the 河西区 household is outside the next run.
    const [single] = await t.db.query<{ id: number }>('SELECT id FROM person WHERE household_id = $1', [ids.households[1]]);
    await t.db.query(`UPDATE person SET finance = jsonb_set(finance, '{0,amount}', '9000') WHERE id = $1`, [single!.id]);
    const heping = { prefixes: ['120101'], gridIds: [], all: false } as unknown as ReturnType<typeof systemScope>;
    const run = await service.runPolicy(t.db, c(), 'tianjin/dibao', ON, heping, 'district');
    await t.db.query(`UPDATE person SET finance = jsonb_set(finance, '{0,amount}', '1500') WHERE id = $1`, [single!.id]);
    expect(run.total).toBe(6);
    expect(run.scope).toEqual(['120101*']);
    const after = await eligibleNow();
    // the later district run's "not eligible" hides the city run's near-poor decision …
    expect(after).not.toContain(ids.households[1]);
    expect(await t.db.query(`SELECT run_id::int AS run_id, eligible FROM policy_latest_decision('tianjin/dibao', 'household', $1, $2::date)`, [ids.households[1], ON]))
      .toEqual([{ run_id: run.id, eligible: false }]);
    // … but not the eligibility the city run found outside the district, nor what the district run confirmed
    expect(after).toEqual(before.filter((id) => id !== ids.households[1]));
    expect(after).toContain(ids.households[6]);
    expect(after).toContain(ids.households[0]);
    // a date before both runs: no decision at all
    expect(await t.db.query(`SELECT * FROM policy_latest_decision('tianjin/dibao', 'household', $1, '2026-04-30'::date)`, [ids.households[6]])).toEqual([]);
    const mine = await service.listRuns(t.db, 'tianjin/dibao', heping);
    expect(mine.map((r) => r.id)).toEqual([run.id]);
    const hexi = { prefixes: ['120103'], gridIds: [], all: false } as unknown as ReturnType<typeof systemScope>;
    expect(await service.listRuns(t.db, 'tianjin/dibao', hexi)).toEqual([]);
    expect((await service.listRuns(t.db, 'tianjin/dibao', systemScope())).length).toBe(2);
    void COMMUNITY;
  });

  it('a policy without a registry builder can be evaluated but not batch-run', async () => {
    await expect(service.runPolicy(t.db, c(), 'tianjin/car-scrappage-subsidy', '2026-03-01', systemScope(), 'test')).rejects.toThrow(/no registry input builder/);
    await expect(service.runPolicy(t.db, c(), 'tianjin/dibao', '2024-01-01', systemScope(), 'test')).rejects.toThrow(/in effect on 2024-01-01/);
  });

  it('what-if: raising the dibao standard counts the households that change and the budget difference', async () => {
    const before = await service.whatIf(t.db, c(), 'tianjin/dibao', ON, { dibaoStandard: 1180 }, systemScope());
    expect(before).toMatchObject({ total: 7, changed: 0, becameEligible: 0, becameIneligible: 0, difference: 0 });
    const r = await service.whatIf(t.db, c(), 'tianjin/dibao', ON, { dibaoStandard: 1600 }, systemScope());
    // the near-poor single (income 1500) becomes dibao (+100); the two-elder dibao household gets
    // 2 × 420 + 2 × 42 more, the single elder in the other district 420 + 42
    expect(r).toMatchObject({ total: 7, changed: 1, becameEligible: 0, becameIneligible: 0 });
    expect(r.difference).toBeCloseTo(r.monthlyBudgetAfter - r.monthlyBudgetBefore, 2);
    expect(r.difference).toBeCloseTo(100 + 2 * 420 + 2 * 42 + 420 + 42, 2);
    const up = await service.whatIf(t.db, c(), 'tianjin/dibao', ON, { nearPoorFactor: 5, assetLimitPerCapita: 200000 }, systemScope());
    expect(up.becameEligible).toBe(2);
    await expect(service.whatIf(t.db, c(), 'tianjin/dibao', ON, { noSuch: 1 }, systemScope())).rejects.toThrow(AppError);
    await expect(service.whatIf(t.db, c(), 'tianjin/dibao', ON, { dibaoStandard: 'lots' }, systemScope())).rejects.toThrow(/set.dibaoStandard: must be a number/);
  });
});
