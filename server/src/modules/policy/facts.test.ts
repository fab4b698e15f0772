/**
 * A family run derives the registry facts several of its policies share once (facts.ts), and
 * decides exactly as the same policies run one by one; it leaves no table behind, and a later
 * family run drops tables left by a process that died. PGlite, and PostgreSQL with
 * MINSHENG_TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemScope, type Scope } from '../../platform/auth/scope.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { DEFAULT_POLICY_DIR, PolicyCatalogue } from './catalogue.ts';
import { canonicalSql, chunked, chunkSql, SharedFacts, sweepSharedFacts } from './facts.ts';
import { decisionsSql, FAMILIES, inputRelation, runOrder } from './inputs.ts';
import * as service from './service.ts';
import { relate, seedRegistry } from './test-fixtures.ts';

const ON = '2026-05-01';

describe('shared facts of a family run', () => {
  let t: TestDb;
  const catalogue = new PolicyCatalogue(DEFAULT_POLICY_DIR);
  const factTables = async (): Promise<string[]> => (await t.db.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE tablename LIKE 'policy\\_facts\\_%' ORDER BY tablename`)).map((r) => r.tablename);

  beforeAll(async () => {
    t = await testDb();
    const ids = await seedRegistry(t.db, [
      [{ birth: '1950-01-01', income: 300 }],
      [{ birth: '1950-01-01', income: 300 }, { birth: '1978-01-01', income: 6000, relation: 'child' }],
      [{ birth: '1948-01-01', income: 0 }],
      [{ birth: '1952-01-01', income: 0, asset: 900 }],
      [{ birth: '1971-01-01', income: 500 }, { birth: '1996-01-01', income: 0, relation: 'child', disabilityCategory: 'intellectual', disabilityGrade: 1 }],
      [{ birth: '1975-01-01', income: 2000 }, { birth: '1976-01-01', income: 2000, relation: 'spouse' }],
      [{ birth: '1990-01-01', income: 3000, disabilityCategory: 'mental', disabilityGrade: 3 }],
    ]);
    await relate(t.db, ids.persons[2]!, ids.persons[3]!, 'spouse');
  }, 120_000);
  afterAll(async () => { await t.close(); });

  it('dibao, dibao-edge and rigid expenditure read one members table; the later policies share the decisions of earlier ones; what one policy alone reads, or its own decisions, is not shared', () => {
    const facts = service.familyFacts(catalogue, runOrder(FAMILIES.assistance!), ON, systemScope());
    const rel = (id: string) => inputRelation(id, catalogue.get(id, ON), ON, systemScope(), 'literal', 'kept', facts);
    const dibao = rel('tianjin/dibao');
    const edge = rel('tianjin/dibao-edge');
    const rigid = rel('tianjin/rigid-expenditure-hardship');
    expect(dibao.facts).toHaveLength(1);
    expect(edge.facts).toEqual(dibao.facts);
    // tekun's supporters carry their category: tekun reads its own earlier decisions from a table
    // of its own run, and the dibao and dibao-edge decisions (those policies ran before it) from
    // two tables shared with the later policies that read them; its pruned run also makes its own
    // tables (one of the persons that need their supporters and of bad supporters, their aggregates)
    const tekun = rel('tianjin/tekun');
    const living = rel('tianjin/disability-living-allowance');
    // both count the living persons they cover (their runs decide only some): one shared count
    const count = tekun.facts.find((x) => living.facts.includes(x) && tekun.total?.includes(x));
    expect(count).toBeDefined();
    expect(living.total).toBe(tekun.total);
    // severe-disability reads its row alone: in a family, where that count is shared, it decides
    // only the rows its conditions leave a chance and reads the same count; alone it decides every row
    const severe = rel('tianjin/severe-disability-care-allowance');
    expect(severe.total).toBe(tekun.total);
    expect(inputRelation('tianjin/severe-disability-care-allowance', catalogue.get('tianjin/severe-disability-care-allowance', ON), ON, systemScope(), 'literal', 'kept', new SharedFacts(new Set())).total).toBeUndefined();
    // rigid expenditure decides only the households its spending leaves a chance, counting all of them
    expect(rigid.total).toContain(dibao.facts[0]);
    // city-wide, the household policies read their rows from the members table alone; a district's
    // run reads the households (their community decides the scope)
    for (const r of [dibao, edge, rigid]) expect(r.sql).not.toContain('FROM household h');
    const district = { prefixes: ['120101'], gridIds: [], all: false } as unknown as Scope;
    const inDistrict = service.familyFacts(catalogue, runOrder(FAMILIES.assistance!), ON, district);
    expect(inputRelation('tianjin/dibao', catalogue.get('tianjin/dibao', ON), ON, district, 'literal', 'kept', inDistrict).sql).toContain('FROM household h');
    const decisions = tekun.facts.filter((x) => !tekun.ownFacts.includes(x) && x !== count);
    expect(decisions).toHaveLength(2);
    // its own: its earlier decisions, the persons that need their supporters (or are bad
    // supporters), the supporters found for them, and their aggregates with the categories
    expect(tekun.ownFacts).toHaveLength(4);
    expect(tekun.facts).not.toContain(dibao.facts[0]);
    // rigid: the members table, the two decision tables, and its own 12 months of medical
    // spending and households with a tekun member
    expect(rigid.ownFacts).toHaveLength(2);
    expect(new Set(rigid.facts)).toEqual(new Set([...rigid.ownFacts, dibao.facts[0], ...decisions]));
    // made ahead, from the start of the family run: the tables that read the registry alone (the
    // members table, tekun's persons that need their supporters or are bad supporters and the
    // supporters found for them, rigid's medical sums), not those that read decisions (tekun's
    // supporter aggregates read their categories)
    const ahead = facts.registryOnly([...dibao.facts, ...tekun.facts, ...rigid.facts]);
    expect(ahead).toHaveLength(5);
    expect(ahead).toContain(count);
    expect(ahead[0]).toBe(dibao.facts[0]);
    expect(tekun.ownFacts.filter((x) => ahead.includes(x))).toHaveLength(2);
    expect(rigid.ownFacts.filter((x) => ahead.includes(x))).toHaveLength(1);
    expect(decisions.filter((x) => ahead.includes(x))).toEqual([]);
    expect(rigid.sql).not.toContain('FROM feed_row __r');
    expect(rigid.sql).not.toContain('policy_latest_verdicts(');
    // (city-wide they read their rows from it: see below)
    for (const r of [dibao, edge, rigid]) expect(r.sql).toMatch(new RegExp(`FROM ${dibao.facts[0]} __j\\d+\\s`));
    // disability-living reads the person's tekun decision (its own table: no other policy reads it
    // that way) and the same two decision tables
    expect(living.ownFacts).toHaveLength(1);
    expect(new Set(living.facts)).toEqual(new Set([...living.ownFacts, ...decisions, count]));
    expect(living.ownFacts.filter((x) => rigid.ownFacts.includes(x) || tekun.ownFacts.includes(x))).toEqual([]);
    // it defers the category (rules pruning): only persons with a certificate are decided, so the
    // run counts every person it covers apart (the shared count above)
    expect(living.sql).not.toContain(count);
    // without a family run, the same derived tables are written inline
    const alone = inputRelation('tianjin/dibao', catalogue.get('tianjin/dibao', ON), ON, systemScope(), 'literal', 'columns');
    expect(alone.facts).toEqual([]);
    expect(alone.sql).not.toContain('policy_facts_');
    const rigidAlone = inputRelation('tianjin/rigid-expenditure-hardship', catalogue.get('tianjin/rigid-expenditure-hardship', ON), ON, systemScope(), 'literal', 'columns');
    expect(rigidAlone.facts).toEqual([]);
    expect(rigidAlone.sql).toContain('FROM feed_row __r');
    expect(rigidAlone.sql).toContain('policy_latest_verdicts(');
  });

  it('the same derived table up to its internal join names is one table', () => {
    expect(canonicalSql('SELECT __j7.a FROM x __j7 JOIN y __j9 ON __j9.b = __j7.b')).toBe(canonicalSql('SELECT __j2.a FROM x __j2 JOIN y __j3 ON __j3.b = __j2.b'));
    const facts = new SharedFacts();
    expect(facts.table('SELECT 1 AS __j4')).toBe(facts.table('SELECT 1 AS __j1'));
    expect(facts.table('SELECT 2 AS __j4')).not.toBe(facts.table('SELECT 1 AS __j1'));
  });

  it('in a family run over a registry with no decisions yet, the later policies read the decisions the run made before them', async () => {
    const family = await service.runFamily(t.db, catalogue, FAMILIES.assistance!, ON, systemScope(), 'test');
    expect(family.failed).toBeNull();
    const rowsOf = async (runId: number): Promise<string[]> => (await t.db.query<{ k: string }>(
      `SELECT entity_id || ':' || coalesce(eligible::text, 'error') AS k FROM policy_decision WHERE run_id = $1 ORDER BY entity_id`, [runId])).map((r) => r.k);
    // run alone afterwards, each reads the decisions of the family run (the latest ones)
    for (const id of ['tianjin/disability-living-allowance', 'tianjin/rigid-expenditure-hardship']) {
      const inFamily = family.runs.find((r) => r.policyId === id)!;
      const alone = await service.runPolicy(t.db, catalogue, id, ON, systemScope(), 'test');
      expect(await rowsOf(inFamily.id), id).toEqual(await rowsOf(alone.id));
    }
    // not vacuous: the grade-1 child of household 5 is in a dibao household of this run
    const living = family.runs.find((r) => r.policyId === 'tianjin/disability-living-allowance')!;
    expect(living.eligible).toBeGreaterThan(0);
    expect(await factTables()).toEqual([]);
  });

  it('a family run decides as the policies run one by one, and drops its tables', async () => {
    const order = runOrder(FAMILIES.assistance!);
    const separate = new Map<string, number>();
    for (const id of order) separate.set(id, (await service.runPolicy(t.db, catalogue, id, ON, systemScope(), 'test')).id);
    const family = await service.runFamily(t.db, catalogue, FAMILIES.assistance!, ON, systemScope(), 'test');
    expect(family.failed).toBeNull();
    const rowsOf = async (runId: number): Promise<string[]> => (await t.db.query<{ k: string }>(
      `SELECT entity_id || ':' || coalesce(eligible::text, 'error') || ':' || coalesce(amount::text, '-') || ':' || coalesce(array_to_string(failed_rules, ','), '-') AS k
       FROM policy_decision WHERE run_id = $1 ORDER BY entity_id`, [runId])).map((r) => r.k);
    let stored = 0;
    for (const run of family.runs) {
      const mine = await rowsOf(run.id);
      expect(mine, run.policyId).toEqual(await rowsOf(separate.get(run.policyId)!));
      const [one] = await t.db.query<{ total: number }>('SELECT total FROM policy_run WHERE id = $1', [separate.get(run.policyId)]);
      expect(run.total, run.policyId).toBe(one!.total);
      stored += mine.length;
    }
    expect(stored).toBeGreaterThan(0);
    expect(await factTables()).toEqual([]);
  });

  it('runs asking for the same table at once make it once; each goes on when it is committed', async () => {
    const facts = new SharedFacts();
    const shared = facts.table('SELECT g AS key FROM generate_series(1, 3) g')!;
    const own = facts.own('SELECT 7 AS key');
    await Promise.all([facts.ensure(t.db, [shared]), facts.ensure(t.db, [shared, own]), facts.ensure(t.db, [shared])]);
    expect(await factTables()).toEqual([shared, own].sort());
    expect(await t.db.query(`SELECT count(*)::int AS n FROM ${shared}`)).toEqual([{ n: 3 }]);
    // made: asked again, nothing is made (CREATE would fail: the table exists)
    await facts.ensure(t.db, [shared, own]);
    // a table that cannot be made fails every run that waits for it, and a later run tries again
    const bad = facts.table('SELECT 1/0 AS key')!;
    const tries = await Promise.allSettled([facts.ensure(t.db, [bad]), facts.ensure(t.db, [bad])]);
    expect(tries.map((x) => x.status === 'rejected' && String((x.reason as Error).message))).toEqual([expect.stringMatching(/division by zero/), expect.stringMatching(/division by zero/)]);
    await expect(facts.ensure(t.db, [bad])).rejects.toThrow(/division by zero/);
    // while a table is being made elsewhere, a run makes the others it needs; one that reads it
    // waits for it (on PostgreSQL the reader's CREATE would otherwise find no table)
    const slow = facts.table('SELECT g AS key FROM generate_series(1, 2) g, (SELECT pg_sleep(0.3)) z')!;
    const reader = facts.table(`SELECT key FROM ${slow}`)!;
    const other = facts.table('SELECT 5 AS key')!;
    const elsewhere = facts.ensure(t.db, [slow]);
    await facts.ensure(t.db, [slow, other, reader]);
    await elsewhere;
    expect(await t.db.query(`SELECT count(*)::int AS n FROM ${reader}`)).toEqual([{ n: 2 }]);
    expect(await t.db.query(`SELECT key FROM ${other}`)).toEqual([{ key: 5 }]);
    // a run's own table dropped at its end is not made again by the lane (ensure without waiting)
    await facts.dropTables(t.db, [own]);
    await facts.ensure(t.db, [own], [], false);
    expect(await factTables()).toEqual([shared, slow, reader, other].sort());
    await facts.drop(t.db);
    expect(await factTables()).toEqual([]);
  });

  it('a table grouped by a chunked key is made in parts on PostgreSQL, with the rows it has made whole; a part that fails leaves no table', async () => {
    const facts = new SharedFacts();
    // every seventh row has no key: made in parts, those go with the first part
    const sql = `SELECT x.k AS key, count(*)::int AS n, min(x.pid) AS pid FROM (SELECT CASE WHEN g % 7 = 0 THEN NULL ELSE g % 50 END AS k, pg_backend_pid() AS pid
      FROM generate_series(1, 1000) g) x WHERE ${chunked('x.k')} GROUP BY x.k`;
    const table = facts.table(sql)!;
    await facts.ensure(t.db, [table]);
    const got = await t.db.query<{ key: number | null; n: number }>(`SELECT key, n FROM ${table} ORDER BY key NULLS FIRST`);
    expect(got).toEqual(await t.db.query(`SELECT key, n FROM (${chunkSql(sql, 0, 1)}) w ORDER BY key NULLS FIRST`));
    expect(got).toHaveLength(51);
    expect(got[0]).toEqual({ key: null, n: 142 });
    // two parts side by side on PostgreSQL (two connections: even keys and no key, odd keys), one statement on PGlite
    const pids = await t.db.query<{ even: number; odd: number; all: number }>(
      `SELECT count(DISTINCT pid) FILTER (WHERE key % 2 = 0 OR key IS NULL)::int AS even, count(DISTINCT pid) FILTER (WHERE key % 2 = 1)::int AS odd, count(DISTINCT pid)::int AS "all" FROM ${table}`);
    expect(pids).toEqual([{ even: 1, odd: 1, all: t.db.kind === 'postgres' ? 2 : 1 }]);
    const bad = facts.table(`SELECT x.k AS key, 1 / (x.k - 3) AS v FROM (SELECT g AS k FROM generate_series(1, 10) g) x WHERE ${chunked('x.k')}`)!;
    await expect(facts.ensure(t.db, [bad])).rejects.toThrow(/division by zero/);
    expect(await factTables()).toEqual([table]);
    await facts.drop(t.db);
  });

  it("a city-wide run leaves its decisions as the family's table of them for the later policies; a district's run leaves it to be read back", async () => {
    const sql = decisionsSql('tianjin/dibao', 'household', ON);
    const city = new SharedFacts(new Set([canonicalSql(sql)]));
    const table = city.table(sql)!;
    await service.runPolicy(t.db, catalogue, 'tianjin/dibao', ON, systemScope(), 'test', city);
    expect(await factTables()).toEqual([table]);
    const rows = await t.db.query<{ entity_id: number; eligible: boolean }>(`SELECT entity_id, eligible FROM ${table} ORDER BY entity_id`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(await t.db.query(`SELECT entity_id, eligible FROM (${sql}) v ORDER BY entity_id`));
    await city.ensure(t.db, [table]); // made: nothing to make (CREATE would fail)
    expect(city.pending(sql)).toBeUndefined();
    await city.drop(t.db);
    const district = { prefixes: ['120101'], gridIds: [], all: false } as unknown as Scope;
    const part = new SharedFacts(new Set([canonicalSql(sql)]));
    const partTable = part.table(sql)!;
    await service.runPolicy(t.db, catalogue, 'tianjin/dibao', ON, district, 'test', part);
    expect(await factTables()).toEqual([]);
    expect(part.pending(sql)).toBe(partTable);
  });

  it('a family run drops the tables a dead process left more than a day ago, and no others', async () => {
    const old = Math.floor(Date.now() / 1000) - 2 * 86_400;
    const young = Math.floor(Date.now() / 1000) - 60;
    await t.db.exec(`CREATE UNLOGGED TABLE policy_facts_${old}_dead01_1 (key bigint); CREATE UNLOGGED TABLE policy_facts_${young}_live01_1 (key bigint)`);
    expect(await sweepSharedFacts(t.db)).toBe(1);
    expect(await factTables()).toEqual([`policy_facts_${young}_live01_1`]);
    await t.db.exec(`DROP TABLE policy_facts_${young}_live01_1`);
  });
});
