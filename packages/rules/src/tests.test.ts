import { describe, expect, it } from 'vitest';
import { fixturePolicies } from '../testing/fixtures.ts';
import { loadPolicy } from './load.ts';
import { formatTestReport, runPolicyTests } from './tests.ts';

describe('embedded policy tests', () => {
  for (const policy of fixturePolicies()) {
    it(`${policy.id}: every case passes and every boundary is tested on both sides`, () => {
      const report = runPolicyTests(policy);
      expect(report.failed, formatTestReport(report)).toBe(0);
      expect(report.passed).toBe(policy.tests.length);
      expect(report.coverage).toEqual([]);
    });
  }

  const POLICY = `id: t.tests
version: 1
title: {zh: 测试, en: Tests}
source: {document: 测试, published: 2024-01-01}
effective: {from: 2024-01-01}
entity: person
inputs:
  age: int
parameters:
  minAge:
    type: int
    values: [{from: 2024-01-01, value: 60, source: 测试}]
conditions:
  - {id: old-enough, expr: person.age >= params.minAge, reason: {zh: 年满60周岁}}
outcome: {amount: '100'}
tests:
  - {name: sixty, on: 2024-05-01, input: {person: {age: 60}}, expect: {eligible: true, amount: 100}}
  - {name: wrong, on: 2024-05-01, input: {person: {age: 61}}, expect: {eligible: false, amount: 50}}
  - {name: bad input, on: 2024-05-01, input: {person: {}}, expect: {error: person.age is missing}}
`;

  it('reports a failing case with a diff and missing boundaries', () => {
    const r = loadPolicy(POLICY, 't.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const report = runPolicyTests(r.policy);
    expect(report).toMatchObject({ passed: 2, failed: 1 });
    expect(report.results[1]).toMatchObject({
      name: 'wrong',
      passed: false,
      diffs: [
        { field: 'eligible', expected: false, actual: true },
        { field: 'amount', expected: 50, actual: 100 },
      ],
    });
    expect(report.coverage).toEqual([
      'condition "old-enough" never fails in the tests',
      'condition "old-enough": no test has person.age = 59 (just outside person.age >= params.minAge)',
    ]);
    expect(formatTestReport(report)).toContain('FAIL wrong (2024-05-01)');
  });
});

describe('package purity', () => {
  it('src/ does no I/O, so the same code runs in the browser', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('.', import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(sources.length).toBeGreaterThan(8);
    for (const f of sources) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      expect(text, f).not.toMatch(/from ['"](node:|fs|path|os|child_process|http|https|net|pg|@electric-sql)/);
      expect(text, f).not.toMatch(/\b(process\.|require\(|fetch\(|XMLHttpRequest|localStorage)/);
    }
  });
});
