/**
 * Loads every policy file under policies/ and runs the test cases embedded in each one.
 *
 * - every file loads without errors (errors are printed as file:line:column: message);
 * - a policy's id is its path under policies/ without `.yaml`, with "/" written as "."
 *   (the policy language does not allow "/" in ids): policies/tianjin/dibao.yaml → tianjin.dibao;
 * - every embedded test case passes (a failure prints expected vs actual per field, the failed
 *   conditions and the decision's reasons);
 * - the tests reach both sides of every condition and of every int/date threshold
 *   (the coverage notes of runPolicyTests must be empty);
 * - a parameter that several policies share by name (the 低保 standard) has the same dated values
 *   everywhere, since the language has no shared parameter sets yet;
 * - the batch path agrees: every policy compiles to SQL, and on PGlite (and PostgreSQL when MINSHENG_TEST_DATABASE_URL is set) the compiled query decides
 *   every embedded test case exactly like the JS evaluator (outcome, eligibility, exact amount,
 *   failed conditions; an error where JS raises one).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pgliteRunner, postgresRunner, postgresUrl, runBatch, type SqlRunner } from '../packages/rules/testing/db.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileToSql,
  evaluate,
  formatLoadError,
  inEffect,
  loadPolicies,
  RulesError,
  runPolicyTests,
  type Decision,
  type Policy,
  type TestResult,
} from '@minsheng/rules';

const ROOT = dirname(fileURLToPath(import.meta.url));

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...yamlFiles(full));
    else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push(full);
  }
  return out;
}

const files = yamlFiles(ROOT).map((full) => ({
  name: relative(ROOT, full).split(sep).join('/'),
  text: readFileSync(full, 'utf8'),
}));
const loaded = loadPolicies(files);

/** A readable account of one failed test case. */
function describeFailure(p: Policy, r: TestResult): string {
  const lines = [`${p.file} › ${r.name} (on ${r.on})`];
  for (const d of r.diffs) lines.push(`  ${d.field}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`);
  if (r.decision) {
    lines.push(`  decision: outcome=${r.decision.outcome} eligible=${r.decision.eligible} amount=${JSON.stringify(r.decision.amount)}`);
    for (const reason of r.decision.reasons) {
      lines.push(`    ${reason.passed ? 'pass' : 'FAIL'} ${reason.rule}: actual ${JSON.stringify(reason.actual)}; expected ${reason.expected}`);
    }
    const o = r.decision.trace.outcome;
    if (o.amountFormula) lines.push(`    amount ${o.amountFormula} = ${o.rawAmount} → ${o.amountExact} (${o.rounding})`);
  }
  if (r.error) lines.push(`  error: ${r.error}`);
  return lines.join('\n');
}

describe('policy files', () => {
  it('finds policy files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('load without errors', () => {
    expect(loaded.errors.map(formatLoadError).join('\n')).toBe('');
    expect(loaded.policies.length).toBe(files.length);
  });

  it('have ids that follow their paths', () => {
    const wrong = loaded.policies
      .map((p) => ({ file: p.file, id: p.id, want: p.file.replace(/\.ya?ml$/, '').split('/').join('.') }))
      .filter((x) => x.id !== x.want)
      .map((x) => `${x.file}: id ${x.id}, expected ${x.want}`);
    expect(wrong.join('\n')).toBe('');
  });

  it('share parameters of the same name with the same dated values', () => {
    const shared = ['dibaoStandard'];
    const problems: string[] = [];
    for (const name of shared) {
      const versions = loaded.policies
        .filter((p) => p.parameters[name])
        .map((p) => ({ file: p.file, values: JSON.stringify(p.parameters[name]?.values.map((v) => [v.from, v.display])) }));
      const first = versions[0];
      for (const v of versions) if (first && v.values !== first.values) problems.push(`${name}: ${v.file} has ${v.values}, ${first.file} has ${first.values}`);
    }
    expect(problems.join('\n')).toBe('');
  });
});

describe.each(loaded.policies.map((p) => [p.file, p] as const))('%s', (_file, policy) => {
  const report = runPolicyTests(policy);

  it('has test cases', () => {
    expect(policy.tests.length).toBeGreaterThan(0);
  });

  it('passes its embedded test cases', () => {
    const failures = report.results.filter((r) => !r.passed).map((r) => describeFailure(policy, r));
    expect(failures.join('\n\n'), `${failures.length} of ${report.results.length} test cases failed`).toBe('');
  });

  it('tests both sides of every condition and threshold', () => {
    expect(report.coverage.join('\n')).toBe('');
  });
});

const engines = postgresUrl() ? ['pglite', 'postgres'] as const : ['pglite'] as const;
describe.each(engines)('batch SQL (%s) decides the embedded test cases like the JS evaluator', (engine) => {
  const TABLE = 'policy_test_input';
  let db: SqlRunner;
  beforeAll(async () => {
    db = engine === 'postgres' ? await postgresRunner(postgresUrl() ?? '') : await pgliteRunner();
    await db.query(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, input jsonb)`);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it.each(loaded.policies.map((p) => [p.file, p] as const))('%s', async (_file, policy) => {
    const problems: string[] = [];
    const dates = [...new Set(policy.tests.map((t) => t.on))].filter((on) => inEffect(policy, on)).sort();
    for (const on of dates) {
      const tests = policy.tests.filter((t) => t.on === on);
      const sql = compileToSql(policy, on, { inputRelation: `SELECT id, input FROM ${TABLE}` });
      const rows = await runBatch(db, TABLE, tests.map((t) => t.input), sql);
      tests.forEach((t, i) => {
        const row = rows[i];
        let js: Decision | undefined;
        let err: RulesError | undefined;
        try {
          js = evaluate(policy, t.input, on);
        } catch (e) {
          if (!(e instanceof RulesError)) throw e;
          err = e;
        }
        const where = `${t.name} (on ${on})`;
        if (!row) problems.push(`${where}: no SQL row`);
        else if (err) {
          if (row.error === null) problems.push(`${where}: JS error "${err.message}" but SQL decided ${JSON.stringify(row)}`);
        } else if (js) {
          if (row.error !== null) problems.push(`${where}: SQL error "${row.error}" but JS decided ${js.outcome} ${js.amount}`);
          const want = { eligible: js.eligible, outcome: js.outcome, amount: js.trace.outcome.amountExact, failed: js.reasons.filter((r) => !r.passed).map((r) => r.rule) };
          const got = { eligible: row.eligible, outcome: row.outcome, amount: row.amount, failed: row.failed_rules };
          if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${where}: SQL ${JSON.stringify(got)} != JS ${JSON.stringify(want)}`);
        }
      });
    }
    expect(problems.join('\n')).toBe('');
  }, 60_000);
});
