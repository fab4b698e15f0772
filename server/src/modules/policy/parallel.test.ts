/**
 * A batch run may use every core of the database server: its statement (decisionTable over the
 * compiled policy query) has a parallel plan on PostgreSQL, and the fence that keeps the compiled
 * stages apart is the database function migration 064 installs, the one the rules package names.
 * (Household policies that sum their members' finance items still join a LATERAL subquery per
 * member, which PostgreSQL runs on one core: docs/benchmarks.md, session 6.)
 * The plan is asked of PostgreSQL with parallel workers made free, so that the small test registry
 * gets the plan a city gets; PGlite has no parallel workers (one process), so that part runs on
 * PostgreSQL only (MINSHENG_TEST_DATABASE_URL).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileToSql, SQL_SETUP } from '@minsheng/rules';
import { systemScope } from '../../platform/auth/scope.ts';
import { testDb, testServerUrl, type TestDb } from '../../testing/db.ts';
import { DEFAULT_POLICY_DIR, PolicyCatalogue } from './catalogue.ts';
import { inputRelation } from './inputs.ts';
import { decisionTable } from './service.ts';
import { seedRegistry } from './test-fixtures.ts';

const ON = '2026-05-01';
const MIGRATION = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations/064_policy_runs_parallel.sql');

describe('batch runs in parallel', () => {
  let t: TestDb;
  const catalogue = new PolicyCatalogue(DEFAULT_POLICY_DIR);

  beforeAll(async () => {
    t = await testDb();
    await seedRegistry(t.db, [[{ birth: '1950-01-01', income: 300, disabilityCategory: 'physical', disabilityGrade: 1 }], [{ birth: '1980-01-01', income: 5000 }]]);
  });
  afterAll(async () => { await t?.close(); });

  it('migration 064 installs exactly what the rules package says a compiled query needs', () => {
    const text = fs.readFileSync(MIGRATION, 'utf8');
    for (const statement of SQL_SETUP) expect(text).toContain(`${statement};`);
  });

  const plan = async (id: string): Promise<string> => {
    const policy = catalogue.get(id, ON);
    const input = inputRelation(id, policy, ON, systemScope(), 'literal', 'columns');
    const sql = compileToSql(policy, ON, { inputRelation: input.sql, ...(input.columns ? { columns: input.columns, checked: input.checked } : {}) });
    return t.db.transaction(async (tx) => {
      for (const s of ['SET LOCAL parallel_setup_cost = 0', 'SET LOCAL parallel_tuple_cost = 0', 'SET LOCAL min_parallel_table_scan_size = 0', 'SET LOCAL max_parallel_workers_per_gather = 2']) await tx.exec(s);
      const rows = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${decisionTable(sql)}`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  };

  it('a filter on the answers stays above the stages: no condition is copied into the registry scan', async () => {
    // Monitoring reads a compiled rule this way. Pushed down, the filter made every row evaluate
    // each condition twice (a monitoring rule 4.8 -> 35.5 s on the 13.6 M-person city).
    const policy = catalogue.get('tianjin/severe-disability-care-allowance', ON);
    const input = inputRelation('tianjin/severe-disability-care-allowance', policy, ON, systemScope(), 'literal', 'columns');
    const sql = compileToSql(policy, ON, { inputRelation: input.sql, ...(input.columns ? { columns: input.columns, checked: input.checked } : {}) });
    const rows = await t.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT d.id FROM (${sql}) AS d WHERE d.eligible OR d.error IS NOT NULL`);
    const p = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(p).toMatch(/Subquery Scan on d[^\n]*\n\s*Filter: \(d\.eligible OR/);
    expect(p).not.toContain('starts_with');
  });

  it.skipIf(!testServerUrl())('a person policy scans the registry in parallel workers', async () => {
    const p = await plan('tianjin/severe-disability-care-allowance');
    // The whole policy runs in the workers, each collecting its decisions (not only the scan
    // under a Gather feeding one process that evaluates every condition).
    expect(p).toMatch(/Gather[\s\S]*Partial Aggregate[\s\S]*Parallel Seq Scan on person/);
  });

  it.skipIf(!testServerUrl())('a person policy that reads the stored assistance decisions runs in parallel workers too', async () => {
    const p = await plan('tianjin/disability-living-allowance');
    expect(p).toMatch(/Gather[\s\S]*Partial Aggregate[\s\S]*Parallel Seq Scan on person/);
  });
});
