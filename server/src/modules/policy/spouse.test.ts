/**
 * "Has a living spouse" (elder-alone-guard's hasSpouse) as the registry builder reads it: a spouse
 * relation counts only while the spouse lives, so a widow(er) whose relation to the late spouse is
 * still recorded is in the guard's target group. PGlite, and PostgreSQL with MINSHENG_TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemScope } from '../../platform/auth/scope.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { DEFAULT_POLICY_DIR, PolicyCatalogue } from './catalogue.ts';
import { inputRelation } from './inputs.ts';
import { relate, seedRegistry } from './test-fixtures.ts';

const ON = '2026-05-01';
const POLICY = 'tianjin/elder-alone-guard';

describe('hasSpouse from the registry', () => {
  let t: TestDb;
  let p: number[];
  const catalogue = new PolicyCatalogue(DEFAULT_POLICY_DIR);
  beforeAll(async () => {
    t = await testDb();
    ({ persons: p } = await seedRegistry(t.db, [
      [{ birth: '1944-01-01', living: 'alone' }],                 // 0: widow, relation to the late husband kept
      [{ birth: '1943-01-01', deceased: '2026-03-01' }],           // 1: the late husband (own household)
      [{ birth: '1946-01-01', living: 'alone' }],                  // 2: wife living apart, husband alive
      [{ birth: '1945-01-01' }],                                   // 3: her husband
      [{ birth: '1947-01-01' }, { birth: '1948-01-01', relation: 'spouse', deceased: '2026-02-01' }], // 4/5: head whose household spouse died
    ]));
    await relate(t.db, p[0]!, p[1]!, 'spouse');
    await relate(t.db, p[3]!, p[2]!, 'spouse'); // recorded from the husband's side
  });
  afterAll(async () => { await t.close(); });

  it('counts a spouse relation or household spouse only while the spouse lives', async () => {
    const params: unknown[] = [];
    const rel = inputRelation(POLICY, catalogue.get(POLICY, ON), ON, systemScope(), params);
    const rows = await t.db.query<{ id: number; input: { person: { hasSpouse: boolean } } }>(`SELECT id, input FROM (${rel.sql}) AS i`, params);
    const has = new Map(rows.map((r) => [Number(r.id), r.input.person.hasSpouse]));
    expect(has.get(p[0]!)).toBe(false);
    expect(has.has(p[1]!)).toBe(false); // the dead are not decided
    expect(has.get(p[2]!)).toBe(true);
    expect(has.get(p[3]!)).toBe(true);
    expect(has.get(p[4]!)).toBe(false);
    // Before the husband died, the same widow had a spouse.
    const before: unknown[] = [];
    const relBefore = inputRelation(POLICY, catalogue.get(POLICY, '2026-02-15'), '2026-02-15', systemScope(), before);
    const [w] = await t.db.query<{ input: { person: { hasSpouse: boolean } } }>(`SELECT input FROM (${relBefore.sql}) AS i WHERE id = ${Number(p[0])}`, before);
    expect(w?.input.person.hasSpouse).toBe(true);
  });
});
