import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteRunner, runBatch, type SqlRunner } from '../testing/db.ts';
import { fixture } from '../testing/fixtures.ts';
import { RulesError } from './errors.ts';
import { loadPolicy } from './load.ts';
import { columnPlan, compileToSql, quote } from './sql.ts';
import type { Policy } from './types.ts';

const care = fixture('concentrated-care-subsidy.yaml');
const REL = { inputRelation: 'SELECT id, input FROM rules_input' };

function load(text: string): Policy {
  const r = loadPolicy(text, 'inline.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}

describe('quote', () => {
  it('doubles quotes and escapes backslashes', () => {
    expect(quote("it's")).toBe("'it''s'");
    expect(quote('a\\b')).toBe("E'a\\\\b'");
    expect(() => quote('nul\u0000')).toThrow();
  });
});

describe('compileToSql', () => {
  it('refuses a date outside the effective period, like evaluate', () => {
    expect(() => compileToSql(care, '2025-06-30', REL)).toThrow(RulesError);
    expect(() => compileToSql(care, '2025-06-30', REL)).toThrow('is not in effect on 2025-06-30');
  });

  it('writes parameters resolved for the date as literals', () => {
    expect(compileToSql(care, '2026-06-30', REL)).toContain(`'1000'::numeric`);
    expect(compileToSql(care, '2026-07-01', REL)).toContain(`'1200'::numeric`);
    expect(compileToSql(care, '2026-07-01', REL)).not.toContain(`'1000'::numeric`);
  });

  it('checks only the presence of a date the column relation vouches for, and holds both sides to the same list', () => {
    const pattern = '^[1-9][0-9]{3}-';
    const plain = columnPlan(care, '2026-07-01');
    const vouched = columnPlan(care, '2026-07-01', ['birthDate']);
    expect(plain?.fields.find((f) => f.name === 'birthDate')?.checked).toBeUndefined();
    expect(vouched?.fields.find((f) => f.name === 'birthDate')?.checked).toBe(true);
    const rel = 'SELECT 1::bigint AS id';
    expect(compileToSql(care, '2026-07-01', { inputRelation: rel, columns: plain! })).toContain(pattern);
    expect(compileToSql(care, '2026-07-01', { inputRelation: rel, columns: vouched!, checked: ['birthDate'] })).not.toContain(pattern);
    // A plan made with one list cannot be compiled with another.
    expect(() => compileToSql(care, '2026-07-01', { inputRelation: rel, columns: vouched! })).toThrow('column plan was not made');
    // Only dates: a vouched-for text or number is checked as before.
    expect(columnPlan(care, '2026-07-01', ['hukou', 'disability'])).toEqual(plain);
  });
});

describe('compiled SQL on PGlite', () => {
  let db: SqlRunner;
  beforeAll(async () => {
    db = await pgliteRunner();
    await db.query('CREATE TEMP TABLE rules_input (id int PRIMARY KEY, input jsonb)');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('decides valid rows and marks bad rows instead of failing the batch', async () => {
    const ok = { birthDate: '1940-01-01', hukou: 'tianjin', dibaoFamilyMember: true, disability: 'total', daysInCare: 60, voluntary: true, monthlyCareFee: 5000 };
    const rows = await runBatch(db, 'rules_input', [
      { person: ok },
      { person: { ...ok, daysInCare: 10 } },
      { person: { ...ok, disability: 'heavy' } },
      { person: { ...ok, birthDate: '1940-02-30' } },
      { person: { ...ok, daysInCare: 'ten' } },
      { person: { ...ok, birthDate: undefined } },
      { nobody: 1 },
      [1, 2],
    ], compileToSql(care, '2026-05-01', REL));
    expect(rows[0]).toEqual({ id: 0, eligible: true, outcome: 'eligible', amount: '1000.00', failed_rules: [], error: null });
    expect(rows[1]).toEqual({ id: 1, eligible: false, outcome: 'ineligible', amount: null, failed_rules: ['days-in-care'], error: null });
    for (const r of rows.slice(2)) expect(r).toMatchObject({ eligible: null, outcome: null, amount: null, failed_rules: null, error: 'invalid input' });
  });

  it('turns division by zero into a row error naming the condition', async () => {
    const dibao = fixture('dibao-tier.yaml');
    const rows = await runBatch(db, 'rules_input', [{ family: { registeredIn: 'tianjin', financialAssets: 0, vehicles: 0, members: [] } }], compileToSql(dibao, '2026-05-01', REL));
    expect(rows[0]).toMatchObject({ eligible: null, error: 'condition "assets" could not be evaluated' });
  });

  it('keeps quotes and backslashes in enum values and parameters as data', async () => {
    const p = load(`id: t.quotes
version: 1
title: {zh: 引号, en: Quotes}
source: {document: 测试, published: 2024-01-01}
effective: {from: 2024-01-01}
entity: x
inputs:
  name: {enum: ["o'brien", 'back\\slash', "'; DROP TABLE rules_input; --"]}
parameters:
  banned:
    type: string
    values:
      - {from: 2024-01-01, value: "'; DROP TABLE rules_input; --", example: true}
conditions:
  - {id: not-banned, expr: 'x.name != params.banned', reason: {zh: 名称}}
`);
    const sql = compileToSql(p, '2024-05-01', REL);
    const rows = await runBatch(db, 'rules_input', [{ x: { name: "o'brien" } }, { x: { name: 'back\\slash' } }, { x: { name: "'; DROP TABLE rules_input; --" } }], sql);
    expect(rows.map((r) => r.eligible)).toEqual([true, true, false]);
    expect(await db.query('SELECT count(*)::int AS n FROM rules_input')).toEqual([{ n: 3 }]);
  });

  it('handles a policy without conditions and a constant amount', async () => {
    const p = load(`id: t.flat
version: 1
title: {zh: 统一, en: Flat}
source: {document: 测试, published: 2024-01-01}
effective: {from: 2024-01-01}
entity: x
inputs: {}
conditions: []
outcome: {amount: '100 / 3', rounding: yuan-down}
`);
    const rows = await runBatch(db, 'rules_input', [{ x: {} }], compileToSql(p, '2024-05-01', REL));
    expect(rows[0]).toMatchObject({ eligible: true, amount: '33', failed_rules: [] });
  });
});
