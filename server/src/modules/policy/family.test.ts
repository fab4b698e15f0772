/**
 * The assistance family batch-run over a small registry with the repository's policies: who counts
 * as a 特困 person's supporter (household relations, spouse/child/supporter relations both ways,
 * de-duplicated, living only), the household's category and 12-month medical spending from the
 * feed, the disability allowances from the registry. For every new policy, every stored decision
 * equals the JS interpreter's answer for the same built input, and a known eligible and a known
 * ineligible entity decide as the rule says. PGlite, and PostgreSQL with MINSHENG_TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, RulesError } from '@minsheng/rules';
import { systemScope } from '../../platform/auth/scope.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { feedRows } from '../monitoring/test-fixtures.ts';
import { DEFAULT_POLICY_DIR, PolicyCatalogue } from './catalogue.ts';
import { BUILDERS, FAMILIES, inputRelation, runOrder } from './inputs.ts';
import * as service from './service.ts';
import { relate, seedRegistry } from './test-fixtures.ts';

const ON = '2026-05-01';
type Row = { id: number; input: Record<string, Record<string, unknown>> };

describe('the assistance family over a small registry', () => {
  let t: TestDb;
  const catalogue = new PolicyCatalogue(DEFAULT_POLICY_DIR);
  let h: number[];
  let p: number[];
  /** Each policy's run, and its inputs as that run saw them (built just before it). */
  const runs = new Map<string, service.RunSummary>();
  const seen = new Map<string, Map<number, Row['input']>>();
  const head = (i: number): number => p[firstOf[i]!]!;
  const firstOf: number[] = [];

  const HH = [
    /* 0 */ [{ birth: '1950-01-01', income: 300 }], // alone, no supporter: tekun
    /* 1 */ [{ birth: '1950-01-01', income: 300 }, { birth: '1978-01-01', income: 6000, relation: 'child' }], // son at home earns: not tekun
    /* 2 */ [{ birth: '1948-01-01', income: 0 }], // spouse (relation) in hh 3, 74 and without income: tekun
    /* 3 */ [{ birth: '1952-01-01', income: 0, living: 'institution' }],
    /* 4 */ [{ birth: '1936-01-01', income: 0 }], // child (relation, also named supporter) in hh 5: a 62-year-old dibao recipient
    /* 5 */ [{ birth: '1964-01-01', income: 500 }],
    /* 6 */ [{ birth: '1971-01-01', income: 2000 }, { birth: '1996-01-01', income: 0, relation: 'child', disabilityCategory: 'intellectual', disabilityGrade: 1 }],
    /* 7 */ [{ birth: '1940-01-01', income: 0 }], // a nephew named as supporter (duty elder), earning: not tekun
    /* 8 */ [{ birth: '1985-01-01', income: 9000 }],
    /* 9 */ [{ birth: '1980-01-01', income: 5000, disabilityCategory: 'physical', disabilityGrade: 3 }],
    /* 10 */ [{ birth: '1990-01-01', income: 3000, disabilityCategory: 'mental', disabilityGrade: 3 }],
    /* 11 */ [{ birth: '1975-01-01', income: 2000 }, { birth: '1976-01-01', income: 2000, relation: 'spouse' }], // 25,000 medical in the window
    /* 12 */ [{ birth: '1975-01-01', income: 2000 }, { birth: '1976-01-01', income: 2000, relation: 'spouse' }], // 10,000 in, 20,000 just outside
    /* 13 */ [{ birth: '1945-01-01', income: 0 }], // the only child (relation) died: no supporter, tekun
    /* 14 */ [{ birth: '1970-01-01', income: 8000, deceased: '2026-01-01' }],
    /* 15 */ [{ birth: '1981-01-01', income: 7000 }, { birth: '1946-01-01', income: 0, relation: 'parent' }], // the head supports the parent
  ];

  beforeAll(async () => {
    t = await testDb();
    const ids = await seedRegistry(t.db, HH);
    h = ids.households;
    p = ids.persons;
    let k = 0;
    for (const members of HH) { firstOf.push(k); k += members.length; }
    await relate(t.db, head(2), head(3), 'spouse');
    await relate(t.db, head(4), head(5), 'child');
    await relate(t.db, head(4), head(5), 'supporter', 'elder');
    await relate(t.db, head(7), head(8), 'supporter', 'elder');
    await relate(t.db, head(13), head(14), 'child');
    const [a11, b11] = [head(11), head(11) + 1];
    await feedRows(t.db, 'medical', [
      { personId: a11, date: ON, data: { total: 30000, outOfPocket: 20000, hospital: null } },
      { personId: b11, date: '2025-05-02', data: { total: 6000, outOfPocket: 5000, hospital: null } },
      { personId: head(12), date: '2026-01-01', data: { total: 12000, outOfPocket: 10000, hospital: null } },
      { personId: head(12) + 1, date: '2025-05-01', data: { total: 25000, outOfPocket: 20000, hospital: null } },
      { personId: head(12), date: '2026-05-02', data: { total: 50000, outOfPocket: 40000, hospital: null } },
    ]);
    // The 残联 feed says hh 9's certificate is now grade 1; the registry (the record) still says 3.
    await feedRows(t.db, 'disability', [{ personId: head(9), date: '2026-04-01', data: { category: 'physical', grade: 1, status: 'issued' } }]);
    for (const id of runOrder(FAMILIES.assistance!)) {
      seen.set(id, await inputs(id));
      runs.set(id, await service.runPolicy(t.db, catalogue, id, ON, systemScope(), 'test'));
    }
  }, 120_000);
  afterAll(async () => { await t.close(); });

  async function inputs(publicId: string): Promise<Map<number, Row['input']>> {
    const params: unknown[] = [];
    const rel = inputRelation(publicId, catalogue.get(publicId, ON), ON, systemScope(), params);
    const rows = await t.db.query<Row>(`SELECT id, input FROM (${rel.sql}) AS i ORDER BY id`, params);
    return new Map(rows.map((r) => [Number(r.id), r.input]));
  }

  const runOf = (publicId: string): service.RunSummary => {
    const r = runs.get(publicId);
    if (!r) throw new Error(`no run of ${publicId}`);
    return r;
  };

  /**
   * The run stored a row for exactly the built inputs evaluate() finds eligible or cannot decide
   * (an error), each equal to evaluate()'s decision, and none for the others (not eligible: ADR
   * 0004); its total counts every input and the readers' view gives the same eligible set. Answers
   * by entity: the stored decision, or for a non-eligible one (no row) evaluate()'s failed rules on
   * the same input — what a caseworker is shown.
   */
  async function checkAgainstJs(publicId: string): Promise<Map<number, { eligible: boolean | null; failed: string[] | null }>> {
    const run = runOf(publicId);
    const policy = catalogue.get(publicId, ON);
    const built = seen.get(publicId)!;
    const stored = await t.db.query<{ entity_id: number; eligible: boolean | null; outcome: string | null; amount: number | null; failed_rules: string[] | null; error: string | null }>(
      'SELECT entity_id, eligible, outcome, amount, failed_rules, error FROM policy_decision WHERE run_id = $1 ORDER BY entity_id', [run.id]);
    const byId = new Map(stored.map((s) => [Number(s.entity_id), s]));
    for (const s of stored) expect(built.has(Number(s.entity_id)), `stored entity ${s.entity_id} is an input`).toBe(true);
    expect(run.total).toBe(built.size);
    const out = new Map<number, { eligible: boolean | null; failed: string[] | null }>();
    const jsEligible: number[] = [];
    let kept = 0;
    for (const [id, input] of built) {
      const s = byId.get(id);
      let js: ReturnType<typeof evaluate> | undefined;
      try { js = evaluate(policy, input, ON); } catch (e) { expect(e).toBeInstanceOf(RulesError); }
      if (!js) { expect(s?.error, `entity ${id}`).toEqual(expect.any(String)); kept += 1; out.set(id, { eligible: s?.eligible ?? null, failed: s?.failed_rules ?? null }); continue; }
      const failed = js.reasons.filter((r) => !r.passed).map((r) => r.rule);
      if (!js.eligible) {
        expect(s, `${publicId} entity ${id} is not eligible: no row (${JSON.stringify(input)})`).toBeUndefined();
        out.set(id, { eligible: false, failed });
        continue;
      }
      kept += 1;
      jsEligible.push(id);
      expect({ eligible: s?.eligible, outcome: s?.outcome, amount: s?.amount == null ? null : Number(s.amount), failed: s?.failed_rules, error: s?.error }, `${publicId} entity ${id}: ${JSON.stringify(input)}`)
        .toEqual({ eligible: true, outcome: js.outcome, amount: js.amount, failed, error: null });
      out.set(id, { eligible: true, failed: s?.failed_rules ?? null });
    }
    expect(stored.length).toBe(kept);
    // (This run is the policy's latest until the runFamily test, the last.)
    const verdicts = await t.db.query<{ entity_id: number }>(`SELECT entity_id FROM policy_latest_verdicts($1, $2, $3::date) WHERE eligible ORDER BY entity_id`,
      [publicId, BUILDERS[publicId]!.entity, ON]);
    expect(verdicts.map((v) => Number(v.entity_id))).toEqual(jsEligible.sort((a, b) => a - b));
    return out;
  }

  it('tekun: supporters from the household and from relations both ways, living, de-duplicated; decisions equal the JS evaluator', async () => {
    const built = seen.get('tianjin/tekun')!;
    const sup = (i: number): Array<Record<string, unknown>> => built.get(i)?.person?.supporters as Array<Record<string, unknown>>;
    expect(sup(head(0))).toEqual([]);
    expect(sup(head(1))).toEqual([{ birthDate: '1978-01-01', assistance: 'none', disabilityCategory: null, disabilityGrade: null, monthlyIncome: 6000 }]);
    expect(sup(head(1) + 1)?.map((s) => s.birthDate)).toEqual(['1950-01-01']); // the son's parent, the head
    expect(sup(head(2))?.map((s) => s.birthDate)).toEqual(['1952-01-01']); // spouse relation, forwards
    expect(sup(head(3))?.map((s) => s.birthDate)).toEqual(['1948-01-01']); // and backwards
    expect(sup(head(4))).toEqual([expect.objectContaining({ birthDate: '1964-01-01', assistance: 'dibao' })]); // child + supporter: once
    expect(sup(head(5))?.map((s) => s.birthDate)).toEqual(['1936-01-01']); // the parent of a child relation
    expect(sup(head(6) + 1)?.map((s) => s.birthDate)).toEqual(['1971-01-01']);
    expect(sup(head(7))?.map((s) => s.birthDate)).toEqual(['1985-01-01']);
    expect(sup(head(8))).toEqual([]); // supporting someone is not being supported
    expect(sup(head(13))).toEqual([]); // the only child died
    expect(sup(head(15))?.map((s) => s.birthDate)).toEqual(['1946-01-01']);
    expect(sup(head(15) + 1)?.map((s) => s.birthDate)).toEqual(['1981-01-01']);
    expect(built.get(head(0))?.person).toEqual({ birthDate: '1950-01-01', hukouRegion: '120101001001', disabilityCategory: null, disabilityGrade: null, abilityLevel: 'intact', monthlyIncome: 300, financialAssets: 0, supporters: [] });

    const d = await checkAgainstJs('tianjin/tekun');
    for (const i of [head(0), head(2), head(3), head(4), head(5), head(13)]) expect(d.get(i), `person ${i}`).toEqual({ eligible: true, failed: [] });
    for (const i of [head(1), head(6) + 1, head(7), head(15) + 1]) expect(d.get(i), `person ${i}`).toEqual({ eligible: false, failed: ['no-able-supporter'] });
    expect(d.has(head(14))).toBe(false); // deceased: not decided
  });

  it('rigid expenditure: the household category and 12 months of out-of-pocket medical spending; decisions equal the JS evaluator', async () => {
    const run = runOf('tianjin/rigid-expenditure-hardship');
    expect(Object.keys(run.placeholders ?? {})).toContain('educationSpending12m');
    const built = seen.get('tianjin/rigid-expenditure-hardship')!;
    // 20,000 settled on the date + 5,000 the day after the window opens
    expect(built.get(h[11]!)?.household).toEqual({ members: [{ monthlyIncome: 2000 }, { monthlyIncome: 2000 }], financialAssets: 0, medicalOutOfPocket12m: 25000, educationSpending12m: 0, assistance: 'none' });
    // 20,000 settled exactly 12 months before and 40,000 after the date are outside
    expect(built.get(h[12]!)?.household?.medicalOutOfPocket12m).toBe(10000);
    expect(built.get(h[0]!)?.household?.assistance).toBe('tekun');
    expect(built.get(h[5]!)?.household?.assistance).toBe('tekun'); // its 62-year-old is tekun too (and dibao)
    expect(built.get(h[6]!)?.household?.assistance).toBe('dibao');

    const d = await checkAgainstJs('tianjin/rigid-expenditure-hardship');
    expect(d.get(h[11]!)).toEqual({ eligible: true, failed: [] });
    expect(d.get(h[12]!)).toEqual({ eligible: false, failed: ['spending-share'] });
    expect(d.get(h[0]!)).toEqual({ eligible: false, failed: ['not-in-other-tier', 'spending-share'] });
  });

  it('the two disability allowances read the registry certificate (not a newer feed row) and the category; decisions equal the JS evaluator', async () => {
    const built = seen.get('tianjin/severe-disability-care-allowance')!;
    expect(built.get(head(9))?.person).toEqual({ hukouRegion: '120101001001', disabilityCategory: 'physical', disabilityGrade: 3 });
    const living = await checkAgainstJs('tianjin/disability-living-allowance');
    expect(living.get(head(6) + 1)).toEqual({ eligible: true, failed: [] }); // grade 1, dibao household
    expect(living.get(head(9))).toEqual({ eligible: false, failed: ['poor-household'] });
    expect(living.get(head(0))).toEqual({ eligible: false, failed: ['certificate', 'poor-household'] }); // tekun, no certificate
    const severe = await checkAgainstJs('tianjin/severe-disability-care-allowance');
    expect(severe.get(head(6) + 1)).toEqual({ eligible: true, failed: [] });
    expect(severe.get(head(10))).toEqual({ eligible: true, failed: [] }); // grade 3 mental
    expect(severe.get(head(9))).toEqual({ eligible: false, failed: ['severe-disability'] });
    expect(runOf('tianjin/severe-disability-care-allowance').amountTotal).toBeGreaterThan(0);
  });

  it('dibao and dibao-edge still equal the JS evaluator on the same registry', async () => {
    await checkAgainstJs('tianjin/dibao');
    await checkAgainstJs('tianjin/dibao-edge');
  });

  it('runFamily runs them in dependency order; tekun then reads the tekun decisions of the run before', async () => {
    const family = await service.runFamily(t.db, catalogue, FAMILIES.assistance!, ON, systemScope(), 'test');
    expect(family.failed).toBeNull();
    expect(family.order).toEqual(runOrder(FAMILIES.assistance!));
    const at = (id: string): number => family.order.indexOf(id);
    for (const id of ['tianjin/tekun', 'tianjin/rigid-expenditure-hardship', 'tianjin/disability-living-allowance']) {
      expect(at(id)).toBeGreaterThan(at('tianjin/dibao'));
      expect(at(id)).toBeGreaterThan(at('tianjin/dibao-edge'));
    }
    expect(at('tianjin/rigid-expenditure-hardship')).toBeGreaterThan(at('tianjin/tekun'));
    expect(at('tianjin/disability-living-allowance')).toBeGreaterThan(at('tianjin/tekun'));
    expect(family.runs.map((r) => [r.policyId, r.status])).toEqual(family.order.map((id) => [id, 'done']));
    // runs side by side (two at once on PostgreSQL), but each starts only after every policy it
    // reads has finished (the database's clock)
    const byId = new Map(family.runs.map((r) => [r.policyId, r]));
    let pairs = 0;
    for (const r of family.runs) {
      for (const dep of (BUILDERS[r.policyId]?.reads ?? []).filter((d) => d !== r.policyId && byId.has(d))) {
        expect(Date.parse(r.startedAt), `${r.policyId} after ${dep}`).toBeGreaterThanOrEqual(Date.parse(byId.get(dep)!.finishedAt!));
        pairs++;
      }
    }
    expect(pairs).toBe(8);
    // and side by side on PostgreSQL: dibao-edge, which reads nothing of dibao's, started before dibao finished
    const overlap = Date.parse(byId.get('tianjin/dibao-edge')!.startedAt) < Date.parse(byId.get('tianjin/dibao')!.finishedAt!);
    expect(overlap).toBe(t.db.kind === 'postgres');
    const tekun = family.runs.find((r) => r.policyId === 'tianjin/tekun')!;
    expect(tekun.reads).toEqual(['tianjin/dibao', 'tianjin/dibao-edge', 'tianjin/tekun']);
    // the 62-year-old child found tekun by the first run is now a tekun supporter
    const now = await inputs('tianjin/tekun');
    expect((now.get(head(4))?.person?.supporters as Array<{ assistance: string }>).map((x) => x.assistance)).toEqual(['tekun']);
    // same decisions as the first run (every supporter who became tekun was unable already): the
    // same persons decided, the same stored (eligible or error) rows, so the same non-eligible ones
    const first = runOf('tianjin/tekun');
    expect({ total: tekun.total, eligible: tekun.eligible, errors: tekun.errors }).toEqual({ total: first.total, eligible: first.eligible, errors: first.errors });
    const rowsOf = async (runId: number): Promise<string[]> => (await t.db.query<{ k: string }>(
      `SELECT entity_id || ':' || coalesce(eligible::text, 'error') AS k FROM policy_decision WHERE run_id = $1 ORDER BY entity_id`, [runId])).map((r) => r.k);
    expect(await rowsOf(tekun.id)).toEqual(await rowsOf(first.id));
    expect((await rowsOf(tekun.id)).length).toBeGreaterThan(0);
    expect(await service.runFamily(t.db, catalogue, ['tianjin/dibao', 'tianjin/no-such'], ON, systemScope(), 'test'))
      .toMatchObject({ runs: [expect.objectContaining({ policyId: 'tianjin/dibao' })], failed: { policy: 'tianjin/no-such', message: expect.stringMatching(/no-such/) } });
  });
});
