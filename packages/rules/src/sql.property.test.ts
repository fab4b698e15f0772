/**
 * The heart of the package: for every fixture policy and several evaluation dates, random inputs
 * (biased toward boundaries, some invalid) are decided by the JS evaluator and by the compiled SQL
 * in one batch, and every row must agree: eligible, outcome, exact amount, failed rules, and
 * whether (and where) it is an error. Runs on PGlite, and on PostgreSQL when
 * MINSHENG_TEST_DATABASE_URL is set. Covers the fixtures, testing/language*.yaml and every policy
 * shipped under the repository's policies/ directory.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputArbitrary, interestingDates } from '../testing/arbitraries.ts';
import { pgliteRunner, postgresRunner, postgresUrl, runBatch, type DecisionRow, type SqlRunner } from '../testing/db.ts';
import { fixturePolicies, languagePolicies, shippedPolicies } from '../testing/fixtures.ts';
import { RulesError } from './errors.ts';
import { evaluate } from './evaluate.ts';
import { compileToSql } from './sql.ts';
import type { JsonValue, Policy } from './types.ts';

const TABLE = 'rules_input';
const BATCH = 50;
// MINSHENG_RULES_PROPERTY_RUNS / _SEED widen or vary the search locally; CI uses the fixed seed.
const RUNS_PER_DATE = Number(process.env.MINSHENG_RULES_PROPERTY_RUNS ?? 5);
const SEED = Number(process.env.MINSHENG_RULES_PROPERTY_SEED ?? 20260501);

/** Describes the difference between the JS decision and the SQL row, or undefined when equal. */
function mismatch(policy: Policy, on: string, input: JsonValue, row: DecisionRow | undefined): string | undefined {
  if (!row) return 'no SQL row';
  let js: ReturnType<typeof evaluate> | undefined;
  let err: RulesError | undefined;
  try {
    js = evaluate(policy, input, on);
  } catch (e) {
    if (!(e instanceof RulesError)) throw e;
    err = e;
  }
  if (err) {
    if (row.error === null) return `JS error "${err.message}" but SQL decided ${JSON.stringify(row)}`;
    if (err.code === 'invalid_input' && row.error !== 'invalid input') return `JS invalid input (${err.message}) but SQL error "${row.error}"`;
    if (err.code === 'evaluation_error' && !err.message.startsWith(row.error)) return `JS error "${err.message}" but SQL error "${row.error}"`;
    return undefined;
  }
  if (!js) return 'no decision';
  if (row.error !== null) return `SQL error "${row.error}" but JS decided ${js.outcome} ${js.amount}`;
  const failed = js.reasons.filter((r) => !r.passed).map((r) => r.rule);
  const got = { eligible: row.eligible, outcome: row.outcome, amount: row.amount, failed: row.failed_rules };
  const want = { eligible: js.eligible, outcome: js.outcome, amount: js.trace.outcome.amountExact, failed };
  return JSON.stringify(got) === JSON.stringify(want) ? undefined : `SQL ${JSON.stringify(got)} != JS ${JSON.stringify(want)}`;
}

const runners: { name: string; open: () => Promise<SqlRunner> }[] = [{ name: 'pglite', open: pgliteRunner }];
const url = postgresUrl();
if (url) runners.push({ name: 'postgres', open: () => postgresRunner(url) });

const fixtures = fixturePolicies();
// The fixtures, two files that use every supported expression feature, and every shipped policy.
const policies = [...fixtures, ...languagePolicies(), ...shippedPolicies()];

describe.each(runners)('JS evaluator == compiled SQL on $name', ({ open }) => {
  let db: SqlRunner;
  beforeAll(async () => {
    db = await open();
    await db.query(`CREATE TEMP TABLE ${TABLE} (id int PRIMARY KEY, input jsonb)`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('has three fixture policies', () => {
    expect(fixtures.map((p) => p.id).sort()).toEqual([
      'tianjin.assistance.dibao-tier',
      'tianjin.commerce.car-scrappage-subsidy',
      'tianjin.eldercare.concentrated-care-subsidy',
    ]);
  });

  for (const policy of policies) {
    it(`${policy.id}: ≥200 random inputs per date agree row by row`, async () => {
      let checked = 0;
      let decided = 0;
      for (const [k, on] of interestingDates(policy).entries()) {
        const sql = compileToSql(policy, on, { inputRelation: `SELECT id, input FROM ${TABLE}` });
        await fc.assert(
          fc.asyncProperty(fc.array(inputArbitrary(policy, on), { minLength: BATCH, maxLength: BATCH }), async (inputs) => {
            const rows = await runBatch(db, TABLE, inputs, sql);
            inputs.forEach((input, i) => {
              const m = mismatch(policy, on, input, rows[i]);
              if (m) throw new Error(`${policy.id} on ${on}, input ${JSON.stringify(input)}: ${m}`);
              if (rows[i]?.error === null) decided++;
            });
            checked += inputs.length;
          }),
          { numRuns: RUNS_PER_DATE, seed: SEED + k },
        );
      }
      expect(checked).toBeGreaterThanOrEqual(200);
      // Most generated inputs are valid and decided, not errors.
      expect(decided).toBeGreaterThan(checked / 3);
    }, Math.max(60_000, RUNS_PER_DATE * 5_000));
  }

  it('compiled SQL decides the embedded test cases like the tests expect', async () => {
    for (const policy of policies) {
      for (const t of policy.tests) {
        if (t.expect.error !== undefined) continue;
        const sql = compileToSql(policy, t.on, { inputRelation: `SELECT id, input FROM ${TABLE}` });
        const [row] = await runBatch(db, TABLE, [t.input], sql);
        if (t.expect.eligible !== undefined) expect(row?.eligible, t.name).toBe(t.expect.eligible);
        if (t.expect.outcome !== undefined) expect(row?.outcome, t.name).toBe(t.expect.outcome);
        if (t.expect.amount !== undefined) expect(row?.amount === null ? null : Number(row?.amount), t.name).toBe(t.expect.amount);
      }
    }
  });
});
