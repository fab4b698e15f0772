/**
 * A person's finance totals as the batch inputs compute them inline (`finance`: no, one or two
 * items summed in the expression, more through policy_finance_total) equal, text for text, the totals of
 * a subquery over all the items (`financeSql` here, what the inputs used before), for random finance lists: items of any kind and
 * category, amounts with decimals or absent, periods before, around and after the date, items
 * that are not objects. The probe table has person's own generated finance columns (migration 066),
 * copied from the catalog, so the inline sums read what the registry's columns hold. PGlite, and
 * PostgreSQL with MINSHENG_TEST_DATABASE_URL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from '../../testing/db.ts';
import { finance, type FinanceCol } from './inputs.ts';

/** The totals over all of a person's current items, in one subquery (what the policy inputs summed before): the oracle. */
const financeSql = (p: string, on: string): string => {
  const amount = `(__f.v->>'amount')::numeric`;
  return `(SELECT coalesce(sum(${amount}) FILTER (WHERE __f.v->>'kind' = 'income'), 0) AS income,
       coalesce(sum(${amount}) FILTER (WHERE __f.v->>'kind' = 'asset'), 0) AS asset,
       count(*) FILTER (WHERE __f.v->>'kind' = 'asset' AND __f.v->>'category' = 'vehicle') AS vehicles,
       coalesce(sum(${amount}) FILTER (WHERE __f.v->>'category' = 'care-fee'), 0) AS care_fee
     FROM jsonb_array_elements(${p}.finance) AS __f(v)
     WHERE (__f.v->>'periodFrom') <= ${on} AND (__f.v->>'periodTo' IS NULL OR (__f.v->>'periodTo') >= ${on}))`;
};

const ON = `'2026-07-01'`;
const COLS: FinanceCol[] = ['income', 'asset', 'vehicles', 'care_fee'];

const item = fc.oneof(
  { weight: 9, arbitrary: fc.record({
    kind: fc.constantFrom('income', 'asset', 'expense', undefined),
    category: fc.constantFrom('pension', 'vehicle', 'care-fee', 'deposit', undefined),
    amount: fc.oneof(fc.integer({ min: -5000, max: 50000 }), fc.integer({ min: 0, max: 999999 }).map((c) => c / 100), fc.constant(null), fc.constant(undefined)),
    periodFrom: fc.constantFrom('2020-01-01', '2026-07-01', '2026-07-02', undefined),
    periodTo: fc.constantFrom(null, '2026-06-30', '2026-07-01', '2027-01-01', undefined),
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constantFrom(3, 'text', null) },
);

describe('finance totals inline == over all items', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
    const generated = await t.db.query<{ name: string; type: string; collation: string | null; expr: string }>(`SELECT column_name AS name,
        data_type AS type, collation_name AS collation, generation_expression AS expr
      FROM information_schema.columns WHERE table_name = 'person' AND is_generated = 'ALWAYS' ORDER BY ordinal_position`);
    expect(generated.map((c) => c.name)).toContain('finance_count');
    await t.db.exec(`CREATE TABLE finance_probe (id int PRIMARY KEY, finance jsonb NOT NULL, ${generated.map((c) =>
      `${c.name} ${c.type}${c.collation ? ` COLLATE "${c.collation}"` : ''} GENERATED ALWAYS AS (${c.expr}) STORED`).join(', ')})`);
  }, 120_000);
  afterAll(async () => { await t.close(); });

  it('for random finance lists of 0 to 5 items', async () => {
    let rows = 0;
    const lengths = new Set<number>();
    await fc.assert(fc.asyncProperty(fc.array(fc.array(item, { maxLength: 5 }), { minLength: 20, maxLength: 20 }), async (lists) => {
      await t.db.exec('DELETE FROM finance_probe');
      await t.db.query(`INSERT INTO finance_probe (id, finance) SELECT x.id, x.f FROM jsonb_to_recordset($1::jsonb) AS x(id int, f jsonb)`,
        [JSON.stringify(lists.map((f, id) => ({ id, f })))]);
      const got = await t.db.query<Record<string, string | number>>(`SELECT p.id,
          ${COLS.map((c) => `(${finance('p', ON, c)})::text AS inline_${c}, (SELECT __all.${c}::numeric FROM ${financeSql('p', ON)} AS __all)::text AS all_${c}`).join(', ')}
        FROM finance_probe p ORDER BY p.id`);
      for (const r of got) {
        for (const c of COLS) {
          if (r[`inline_${c}`] !== r[`all_${c}`]) throw new Error(`${c} of ${JSON.stringify(lists[Number(r.id)])}: inline ${r[`inline_${c}`]}, over all items ${r[`all_${c}`]}`);
        }
      }
      rows += got.length;
      for (const l of lists) lengths.add(l.length);
    }), { numRuns: 15, seed: 20261128 });
    expect(rows).toBe(300);
    // every branch of the inline sum was taken: none, one, two, and more items
    expect([0, 1, 2, 3].every((n) => lengths.has(n))).toBe(true);
  }, 120_000);
});
