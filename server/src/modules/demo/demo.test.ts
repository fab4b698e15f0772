import { checkCitizenId } from '@minsheng/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.ts';
import type { AppContext } from '../../platform/context.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { systemScope } from '../../platform/auth/scope.ts';
import { nameInitials } from '../registry/person-rules.ts';
import { getHouseholdFile } from '../registry/service.ts';
import { ensureDemoCity, parseAsOf, parsePersons, parseSeed } from './cli.ts';
import { DEMO_AS_OF, LOW_INCOME_LINE, planCity, type DemoCommunity } from './generate.ts';
import { buildDemoCity, cityDigest, DemoRefused, loadCommunities, type DemoSummary } from './write.ts';

const PERSONS = 5_000;
const SEED = 42;

describe('demo city', () => {
  let t: TestDb;
  let summary: DemoSummary;
  let communities: DemoCommunity[];
  const one = async <T extends object>(sql: string, params: unknown[] = []): Promise<T> => {
    const [row] = await t.db.query<T>(sql, params);
    if (!row) throw new Error('no row');
    return row;
  };

  beforeAll(async () => {
    t = await testDb();
    communities = await loadCommunities(t.db);
    summary = await buildDemoCity(t.db, { persons: PERSONS, seed: SEED, chunkPersons: 2_000 });
  });
  afterAll(async () => { await t.close(); });

  it('is deterministic: the same seed and size give the same city, and that is what was written', () => {
    const opts = { persons: PERSONS, seed: SEED, asOf: DEMO_AS_OF };
    const a = cityDigest(communities, opts), b = cityDigest(communities, opts);
    expect(a.digest).toBe(b.digest);
    expect(a.digest).toBe(summary.digest);
    expect(cityDigest(communities, { ...opts, seed: SEED + 1 }).digest).not.toBe(a.digest);
  });

  it('writes the counts it reports, with one history record per person and household', async () => {
    const c = await one<Record<string, number>>(`SELECT
      (SELECT count(*)::int FROM person) AS persons, (SELECT count(*)::int FROM household) AS households,
      (SELECT count(*)::int FROM grid) AS grids, (SELECT count(*)::int FROM grid_worker) AS workers,
      (SELECT count(*)::int FROM person_relation) AS relations,
      (SELECT count(*)::int FROM person_history WHERE changed_by = 'demo' AND reason = 'demo city') AS person_history,
      (SELECT count(*)::int FROM record_history WHERE entity = 'household') AS household_history`);
    expect(c).toEqual({
      persons: PERSONS, households: summary.households, grids: summary.grids, workers: summary.gridWorkers,
      relations: summary.relations, person_history: PERSONS, household_history: summary.households,
    });
    // The identity sequences continue after the demo ids.
    const s = await one<{ p: number; h: number }>(
      `SELECT nextval(pg_get_serial_sequence('person', 'id'))::int AS p, nextval(pg_get_serial_sequence('household', 'id'))::int AS h`);
    expect(s).toEqual({ p: PERSONS + 1, h: summary.households + 1 });
  });

  it('a demo household read as of a past date has its members (their creation is on their rows)', async () => {
    const h = await one<{ id: number; n: number }>(
      'SELECT household_id AS id, count(*)::int AS n FROM person WHERE household_id IS NOT NULL GROUP BY household_id HAVING count(*) > 2 ORDER BY household_id LIMIT 1');
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const file = await getHouseholdFile(t.db, systemScope(), h.id, today);
    expect(file.members).toHaveLength(h.n);
    expect(file.asOf).toBe(today);
  });

  it('gives every person a valid, unique citizen ID that agrees with the birth date and sex', async () => {
    const rows = await t.db.query<{ citizen_id: string; birth_date: string; sex: string; hukou_region: string }>(
      'SELECT citizen_id, birth_date, sex, hukou_region FROM person');
    expect(rows).toHaveLength(PERSONS);
    expect(new Set(rows.map((r) => r.citizen_id)).size).toBe(PERSONS);
    for (const r of rows) {
      const check = checkCitizenId(r.citizen_id);
      expect(check, r.citizen_id).toMatchObject({ ok: true, birthDate: r.birth_date, sex: r.sex, addressCode: r.hukou_region.slice(0, 6) });
    }
  });

  it('has common Chinese names with their pinyin initials, and mobile numbers for most adults', async () => {
    const rows = await t.db.query<{ name: string; name_initials: string; phone: string | null; adult: boolean }>(
      `SELECT name, name_initials, phone, birth_date <= $1::date - interval '18 years' AS adult FROM person`, [DEMO_AS_OF]);
    for (const r of rows.slice(0, 500)) expect(r.name_initials).toBe(nameInitials(r.name));
    expect(rows.every((r) => /^\p{Script=Han}{2,4}$/u.test(r.name))).toBe(true);
    expect(rows.every((r) => r.phone === null || /^1[3-9]\d{9}$/.test(r.phone))).toBe(true);
    const adults = rows.filter((r) => r.adult);
    expect(adults.filter((r) => r.phone !== null).length / adults.length).toBeGreaterThan(0.8);
    expect(new Set(rows.map((r) => r.name[0])).size).toBeGreaterThan(50);
  });

  it('follows the age pyramid: about 26 % aged 60+, few over 90', async () => {
    const a = await one<{ aged60: number; aged90: number; children: number }>(`SELECT
      avg((date_part('year', age($1::date, birth_date)) >= 60)::int)::float8 AS aged60,
      avg((date_part('year', age($1::date, birth_date)) >= 90)::int)::float8 AS aged90,
      avg((date_part('year', age($1::date, birth_date)) < 15)::int)::float8 AS children FROM person`, [DEMO_AS_OF]);
    expect(a.aged60).toBeGreaterThan(0.24);
    expect(a.aged60).toBeLessThan(0.28);
    expect(a.aged90).toBeGreaterThan(0);
    expect(a.aged90).toBeLessThan(0.015);
    expect(a.children).toBeGreaterThan(0.08);
    expect(summary.aged60Plus).toBeCloseTo(a.aged60, 3);
  });

  it('builds households of 1 to 6 with exactly one head, who is the household head', async () => {
    const rows = await t.db.query<{ size: number; heads: number; head_ok: boolean; same_place: boolean }>(
      `SELECT count(p.id)::int AS size, count(*) FILTER (WHERE p.household_relation = 'head')::int AS heads,
         bool_or(p.household_relation = 'head' AND p.id = h.head_person_id) AS head_ok,
         bool_and(p.residence_community = h.residence_community AND p.grid_id = h.grid_id) AS same_place
       FROM household h JOIN person p ON p.household_id = h.id GROUP BY h.id`);
    expect(rows).toHaveLength(summary.households);
    expect(rows.every((r) => r.size >= 1 && r.size <= 6 && r.heads === 1 && r.head_ok && r.same_place)).toBe(true);
    const sizes = new Set(rows.map((r) => r.size));
    expect([...sizes].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const avg = rows.reduce((s, r) => s + r.size, 0) / rows.length;
    expect(avg).toBeGreaterThan(2.2);
    expect(avg).toBeLessThan(2.8);
    const rel = await t.db.query<{ household_relation: string }>('SELECT DISTINCT household_relation FROM person');
    expect(rel.map((r) => r.household_relation)).toEqual(expect.arrayContaining(['head', 'spouse', 'child', 'parent', 'grandchild', 'child-in-law']));
  });

  it('has elders living alone, some with a child registered in another street who supports them', async () => {
    const r = await one<{ alone: number; child_elsewhere: number; supporters: number; one_person: boolean }>(`SELECT
      (SELECT count(*)::int FROM person WHERE living_arrangement = 'alone' AND birth_date <= $1::date - interval '60 years') AS alone,
      (SELECT count(DISTINCT e.id)::int FROM person e
         JOIN person_relation r ON r.person_id = e.id AND r.kind = 'child'
         JOIN person c ON c.id = r.related_person_id
       WHERE e.living_arrangement = 'alone' AND e.birth_date <= $1::date - interval '60 years'
         AND left(c.residence_community, 9) <> left(e.residence_community, 9)
         AND c.birth_date > e.birth_date + interval '18 years') AS child_elsewhere,
      (SELECT count(*)::int FROM person_relation WHERE kind = 'supporter' AND duty = 'elder') AS supporters,
      (SELECT bool_and(n = 1) FROM (SELECT count(*) AS n FROM person p2 JOIN person p1 ON p1.household_id = p2.household_id
         WHERE p2.living_arrangement = 'alone' GROUP BY p2.id) s) AS one_person`, [DEMO_AS_OF]);
    expect(r.alone).toBe(summary.livingAlone);
    expect(r.alone).toBeGreaterThan(PERSONS * 0.02);
    expect(r.child_elsewhere).toBeGreaterThan(r.alone * 0.2);
    expect(r.supporters).toBeGreaterThan(0);
    expect(r.one_person).toBe(true);
  });

  it('has disability and ability levels', async () => {
    const r = await one<{ disabled: number; graded: boolean; elders_rated: boolean; young_unrated: boolean; levels: number }>(`SELECT
      avg((disability_category IS NOT NULL)::int)::float8 AS disabled,
      bool_and((disability_category IS NULL) = (disability_grade IS NULL)) AS graded,
      bool_and(ability_level IS NOT NULL) FILTER (WHERE birth_date <= $1::date - interval '60 years') AS elders_rated,
      bool_and(ability_level IS NULL) FILTER (WHERE birth_date > $1::date - interval '60 years') AS young_unrated,
      count(DISTINCT ability_level)::int AS levels FROM person`, [DEMO_AS_OF]);
    expect(r.disabled).toBeGreaterThan(0.04);
    expect(r.disabled).toBeLessThan(0.08);
    expect(r).toMatchObject({ graded: true, elders_rated: true, young_unrated: true, levels: 5 });
  });

  it('has about 1.3 % of persons in low-income households, told apart by per-capita income alone', async () => {
    const r = await one<{ low: number; households: number; total: number; without_income: number }>(`
      WITH hh AS (
        SELECT household_id, count(*) AS size,
          sum(coalesce((SELECT sum((f->>'amount')::numeric) FROM jsonb_array_elements(finance) f WHERE f->>'kind' = 'income'), 0)) AS income
        FROM person GROUP BY household_id)
      SELECT coalesce(sum(size) FILTER (WHERE income / size < $1), 0)::int AS low,
        count(*) FILTER (WHERE income / size < $1)::int AS households, sum(size)::int AS total,
        count(*) FILTER (WHERE income = 0)::int AS without_income FROM hh`, [LOW_INCOME_LINE]);
    expect(r.low / r.total).toBeGreaterThan(0.008);
    expect(r.low / r.total).toBeLessThan(0.018);
    expect(r.low).toBe(summary.lowIncome);
    expect(r.households).toBe(summary.lowIncomeHouseholds);
    expect(r.without_income).toBe(0);
  });

  it('places everyone in a real community and a grid of that community', async () => {
    const r = await one<Record<string, number>>(`SELECT
      (SELECT count(*)::int FROM person p LEFT JOIN region c ON c.code = p.residence_community
         LEFT JOIN grid g ON g.id = p.grid_id
       WHERE c.level IS DISTINCT FROM 'community' OR g.community_code IS DISTINCT FROM p.residence_community) AS misplaced,
      (SELECT count(*)::int FROM household h JOIN grid g ON g.id = h.grid_id WHERE g.community_code <> h.residence_community) AS misplaced_households,
      (SELECT count(DISTINCT left(residence_community, 6))::int FROM person) AS districts,
      (SELECT count(*)::int FROM person WHERE hukou_region NOT LIKE '12%') AS other_province,
      (SELECT count(*)::int FROM person WHERE left(hukou_region, 6) <> left(residence_community, 6)) AS hukou_elsewhere`);
    expect(r).toMatchObject({ misplaced: 0, misplaced_households: 0, districts: 16 });
    expect(r.other_province).toBeGreaterThan(0);
    expect(r.hukou_elsewhere).toBeLessThan(PERSONS * 0.25);
  });

  it('creates general, micro and dedicated grids in every community, each with a grid worker', async () => {
    const kinds = await t.db.query<{ kind: string; n: number }>('SELECT kind, count(*)::int AS n FROM grid GROUP BY kind ORDER BY kind');
    expect(kinds.map((k) => k.kind)).toEqual(['dedicated', 'general', 'micro']);
    const r = await one<Record<string, number>>(`SELECT
      (SELECT count(*)::int FROM region c WHERE c.level = 'community'
         AND NOT EXISTS (SELECT 1 FROM grid g WHERE g.community_code = c.code AND g.kind = 'general')) AS without_general,
      (SELECT count(*)::int FROM grid m LEFT JOIN grid g ON g.id = m.parent_grid_id
       WHERE m.kind = 'micro' AND (g.kind IS DISTINCT FROM 'general' OR g.community_code <> m.community_code)) AS orphan_micro,
      (SELECT count(*)::int FROM grid g WHERE NOT EXISTS (SELECT 1 FROM grid_worker w WHERE w.grid_id = g.id)) AS without_worker,
      (SELECT count(*)::int FROM grid_worker WHERE phone !~ '^1[3-9][0-9]{9}$' OR name = '') AS bad_worker,
      (SELECT count(*)::int FROM person p JOIN grid g ON g.id = p.grid_id WHERE g.kind <> 'micro') AS not_in_micro`);
    expect(r).toEqual({ without_general: 0, orphan_micro: 0, without_worker: 0, bad_worker: 0, not_in_micro: 0 });
  });

  it('refuses to build into a registry that already has persons', async () => {
    await expect(buildDemoCity(t.db, { persons: 10 })).rejects.toBeInstanceOf(DemoRefused);
  });
});

describe('demo city at full size (plan only)', () => {
  it('gives Hexi district its real grid counts at 13.6 M persons, and every street a dedicated grid', async () => {
    const { readDivisions } = await import('../regions/seed.ts');
    const rows = readDivisions('12');
    const byCode = new Map(rows.map((r) => [r.code, r]));
    const communities = rows.filter((r) => r.level === 'community').map((c) => {
      const s = byCode.get(c.parent ?? ''), d = byCode.get(s?.parent ?? '');
      return { code: c.code, name: c.name, streetCode: s?.code ?? '', streetName: s?.name ?? '', districtCode: d?.code ?? '', districtName: d?.name ?? '' };
    });
    const plan = planCity(communities, { persons: 13_600_000, seed: 1 });
    const count = (prefix: string, kind: string): number => plan.grids.filter((g) => g.kind === kind && g.communityCode.startsWith(prefix)).length;
    expect({ general: count('120103', 'general'), micro: count('120103', 'micro'), dedicated: count('120103', 'dedicated') })
      .toEqual({ general: 1441, micro: 14_000, dedicated: 682 });
    expect(plan.quotas.reduce((a, b) => a + b, 0)).toBe(13_600_000);
    const streets = new Set(plan.grids.filter((g) => g.kind === 'dedicated').map((g) => g.communityCode.slice(0, 9)));
    expect(streets.size).toBe(299);
  });
});

describe('demo command input', () => {
  it('accepts sizes from 1 to 20,000,000 and names the option otherwise, with exit status 2', () => {
    expect(parsePersons('13600000')).toBe(13_600_000);
    for (const bad of ['0', '-5', '1.5', 'abc', '20000001', '1e6', '']) {
      try {
        parsePersons(bad);
        expect.unreachable(`accepted ${bad}`);
      } catch (err) {
        expect((err as Error).message).toContain('--persons');
        expect((err as { exitCode?: number }).exitCode).toBe(2);
      }
    }
    expect(() => parseSeed('x')).toThrow('--seed');
    expect(() => parseAsOf('2026-02-30')).toThrow('--as-of');
    expect(() => parseAsOf('2099-01-01')).toThrow('--as-of');
    expect(parseAsOf('2026-01-01')).toBe('2026-01-01');
  });
});

describe('demo city on first start', () => {
  let t: TestDb;
  beforeAll(async () => { t = await testDb(); });
  afterAll(async () => { await t.close(); });

  it('builds DEMO_PERSONS persons into an empty registry in demo mode only, once', async () => {
    const ctx = (demo: boolean): { ctx: AppContext; config: ReturnType<typeof loadConfig> } => {
      const config = loadConfig({}, { demo, demoPersons: 300 });
      return { ctx: { db: t.db, config, version: 'test', mqtt: { mode: 'embedded', url: '' } }, config };
    };
    const count = async (): Promise<number> => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM person'))[0]?.n ?? -1;
    const off = ctx(false);
    await ensureDemoCity(off.ctx, off.config);
    expect(await count()).toBe(0);
    const on = ctx(true);
    await ensureDemoCity(on.ctx, on.config);
    expect(await count()).toBe(300);
    await ensureDemoCity(on.ctx, on.config);
    expect(await count()).toBe(300);
  });
});
