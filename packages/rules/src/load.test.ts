import { describe, expect, it } from 'vitest';
import { fixtureFiles } from '../testing/fixtures.ts';
import { formatLoadError } from './errors.ts';
import { loadPolicies, loadPolicy } from './load.ts';

/** A small valid policy; tests replace parts of it. Line numbers matter: keep the layout. */
const BASE = `id: test.minimal
version: 1
title: {zh: 测试政策, en: Test policy}
source: {document: 测试文件, published: 2024-01-01}
effective: {from: 2024-01-01, to: null}
entity: person
inputs:
  birthDate: date
  hukou: {enum: [tianjin, other]}
  income: number
  note: {type: string, optional: true}
parameters:
  minAge:
    type: int
    unit: 周岁
    values:
      - {from: 2024-01-01, value: 60, source: 测试文件}
conditions:
  - id: age
    expr: age(person.birthDate, on) >= params.minAge
    reason: {zh: 年满60周岁}
`;

function errorsOf(text: string, file = 'policy.yaml'): string[] {
  const r = loadPolicy(text, file);
  if (r.ok) throw new Error('expected the file to be rejected');
  return r.errors.map(formatLoadError);
}

describe('loadPolicy', () => {
  it('loads a valid policy with its version, entity and dated parameters', () => {
    const r = loadPolicy(BASE, 'policy.yaml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy.id).toBe('test.minimal');
    expect(r.policy.version).toBe(1);
    expect(r.policy.entity).toBe('person');
    expect(r.policy.effective).toEqual({ from: '2024-01-01', to: null });
    expect(r.policy.parameters.minAge?.values[0]?.display).toBe('60');
    expect(r.policy.outcome).toEqual({ kind: 'eligibility', rounding: 'fen' });
  });

  it('loads the three fixtures', () => {
    const r = loadPolicies(fixtureFiles());
    expect(r.errors).toEqual([]);
    expect(r.policies).toHaveLength(3);
  });

  it('reports malformed YAML with its line', () => {
    const text = BASE.replace('  hukou: {enum: [tianjin, other]}', '  hukou: {enum: [tianjin, other]');
    const errs = errorsOf(text);
    expect(errs[0]).toBe('policy.yaml:10:3: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }');
  });

  it('reports duplicate keys', () => {
    const errs = errorsOf(BASE.replace('  income: number\n', '  income: number\n  income: int\n'));
    expect(errs[0]).toMatch(/^policy\.yaml:11:3: YAML syntax error: Map keys must be unique/);
  });

  it('keeps top-level x- extensions as written for other tools, and still refuses other unknown keys', () => {
    const r = loadPolicy(`${BASE}x-monitoring:\n  severity: high\n  suppressionDays: 30\n`, 'policy.yaml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy.extensions).toEqual({ 'x-monitoring': { severity: 'high', suppressionDays: 30 } });
    const plain = loadPolicy(BASE, 'policy.yaml');
    expect(plain.ok && plain.policy.extensions).toBeUndefined();
    expect(errorsOf(`${BASE}monitoring: {severity: high}\n`)).toEqual(['policy.yaml:22:1: unknown field "monitoring"']);
  });

  it('rejects unknown fields at the line and column of the key', () => {
    expect(errorsOf(BASE.replace('entity: person', 'entity: person\ntitel: oops'))).toEqual(['policy.yaml:7:1: unknown field "titel"']);
    const errs = errorsOf(BASE.replace('    reason: {zh: 年满60周岁}', '    reason: {zh: 年满60周岁}\n    because: x'));
    expect(errs).toEqual(['policy.yaml:22:5: unknown field "because" in conditions[0]']);
  });

  it('names a missing required field', () => {
    expect(errorsOf(BASE.replace('entity: person\n', ''))).toEqual(['policy.yaml:1:1: entity: is required']);
  });

  it('reports a CEL syntax error at the position inside the expression', () => {
    const errs = errorsOf(BASE.replace('>= params.minAge', '>= params.minAge +'));
    expect(errs).toEqual(['policy.yaml:20:55: condition "age": syntax error: Unexpected token: EOF']);
  });

  it('reports a misspelt input field with file, condition and column', () => {
    const errs = errorsOf(BASE.replace('age(person.birthDate, on)', 'age(person.birthDat, on)'));
    expect(errs).toEqual(['policy.yaml:20:22: condition "age": type error: No such key: birthDat (at "birthDat")']);
  });

  it('reports a type error such as "a" + 1', () => {
    const errs = errorsOf(BASE.replace('age(person.birthDate, on) >= params.minAge', '("a" + 1) == "a1"'));
    expect(errs[0]).toMatch(/^policy\.yaml:20:\d+: condition "age": type error: no such overload: string \+ int/);
  });

  it('requires conditions to be true/false and amounts to be numbers', () => {
    expect(errorsOf(BASE.replace('age(person.birthDate, on) >= params.minAge', 'person.income'))[0]).toBe(
      'policy.yaml:20:11: condition "age": the expression must be true/false (bool), it is double (at "person.income")',
    );
    const errs = errorsOf(`${BASE}outcome:\n  amount: person.hukou\n`);
    expect(errs).toEqual(['policy.yaml:23:11: the amount: the expression must be a number (int or double), it is string (at "person.hukou")']);
  });

  it('catches a literal that is not a value of an enum', () => {
    const errs = errorsOf(BASE.replace('age(person.birthDate, on) >= params.minAge', 'person.hukou == "tianjn"'));
    expect(errs).toEqual(['policy.yaml:20:27: condition "age": "tianjn" is not a value of person.hukou; allowed: "tianjin", "other" (at ""tianjn"")']);
  });

  it('requires a source or example: true on every parameter value', () => {
    const errs = errorsOf(BASE.replace('{from: 2024-01-01, value: 60, source: 测试文件}', '{from: 2024-01-01, value: 60}'));
    expect(errs).toEqual([
      'policy.yaml:17:9: parameters.minAge.values[0]: parameter minAge: the value from 2024-01-01 needs a source (the document it comes from) or example: true',
    ]);
    expect(loadPolicy(BASE.replace('value: 60, source: 测试文件', 'value: 60, example: true'), 'p.yaml').ok).toBe(true);
  });

  it('checks parameter values against their type', () => {
    const errs = errorsOf(BASE.replace('value: 60,', 'value: 60.5,'));
    expect(errs).toEqual(['policy.yaml:17:35: parameters.minAge.values[0].value: parameter minAge: the value must be an integer']);
  });

  it('requires a parameter value on the start date', () => {
    const errs = errorsOf(BASE.replace('{from: 2024-01-01, value: 60', '{from: 2024-02-01, value: 60'));
    expect(errs).toEqual([
      "policy.yaml:17:16: parameters.minAge.values[0].from: parameter minAge has no value on the policy's start date 2024-01-01 (its first value is from 2024-02-01)",
    ]);
  });

  it('rejects a period that ends before it starts and bad dates', () => {
    expect(errorsOf(BASE.replace('to: null', 'to: 2023-12-31'))).toEqual([
      'policy.yaml:5:35: effective.to: the period ends (2023-12-31) before it starts (2024-01-01)',
    ]);
    expect(errorsOf(BASE.replace('published: 2024-01-01', 'published: 2024-02-30'))).toEqual([
      'policy.yaml:4:37: source.published: must be a date YYYY-MM-DD',
    ]);
  });

  it('rejects unknown input types with the allowed list', () => {
    const errs = errorsOf(BASE.replace('  income: number', '  income: money'));
    expect(errs).toEqual([
      'policy.yaml:10:11: inputs.income: unknown type "money"; use string, int, number, bool, date, datetime, {enum: [...]}, {list: ...} or {object: {...}}',
    ]);
  });

  it('refuses CEL features that cannot compile to SQL, naming file and condition', () => {
    const cases: [string, string][] = [
      ['{"a": 1}.size() > 0', 'map literals ({...})'],
      ['person.hukou.matches("^t")', 'regular expressions (matches)'],
      ['cel.bind(x, 1, x > 0)', 'cel.bind'],
      ['[person.income, 1.0].exists(x, x > 0.0)', 'list literals with non-constant elements'],
      ['person.hukou.size() > 0 && string(person.income) != ""', 'string() of a number'],
    ];
    for (const [expr, feature] of cases) {
      const errs = errorsOf(BASE.replace('age(person.birthDate, on) >= params.minAge', `'${expr}'`));
      expect(errs).toHaveLength(1);
      expect(errs[0]).toContain(`policy.yaml:20:`);
      expect(errs[0]).toContain(`condition "age": CEL feature ${feature} is not supported in batch (SQL) mode`);
    }
  });

  it('points into block expressions line by line', () => {
    const text = BASE.replace(
      '    expr: age(person.birthDate, on) >= params.minAge\n',
      '    expr: |\n      age(person.birthDate, on) >= params.minAge\n        && person.incom > 0.0\n',
    );
    expect(errorsOf(text)).toEqual(['policy.yaml:22:19: condition "age": type error: No such key: incom (at "incom")']);
  });

  it('checks named outcomes', () => {
    const text = `${BASE}outcome:\n  cases:\n    - {when: person.income < 100.0, outcome: low}\n  otherwise: refused\n  eligibleOutcomes: [low, high]\n`;
    expect(errorsOf(text)).toEqual(['policy.yaml:26:27: outcome.eligibleOutcomes[1]: "high" is not an outcome of any case']);
    expect(errorsOf(`${BASE}outcome:\n  cases:\n    - {when: person.income < 100.0, outcome: low}\n`)).toEqual([
      'policy.yaml:24:5: outcome.cases: named outcomes need `otherwise` (the outcome when no case applies)',
      'policy.yaml:24:5: outcome.cases: named outcomes need `eligibleOutcomes` (which outcomes count as eligible)',
    ]);
  });

  it('checks placeholders in expected texts', () => {
    const errs = errorsOf(BASE.replace('    reason: {zh: 年满60周岁}', '    reason: {zh: 年满60周岁}\n    expected: "≥ {params.minAg} 周岁"'));
    expect(errs).toEqual(['policy.yaml:22:15: conditions[0].expected: unknown placeholder {params.minAg}; use {params.<name>} or {on}']);
  });

  it('reports several problems of one file at once, in line order', () => {
    const text = BASE.replace('age(person.birthDate, on) >= params.minAge', 'person.agee > 1').concat(
      '  - id: income\n    expr: person.income < params.maxIncome\n    reason: {zh: 收入}\n',
    );
    expect(errorsOf(text)).toEqual([
      'policy.yaml:20:18: condition "age": type error: No such key: agee (at "agee")',
      'policy.yaml:23:34: condition "income": type error: No such key: maxIncome (at "maxIncome")',
    ]);
    // Structure errors come first: types and expressions are checked once the structure is right.
    expect(errorsOf(BASE.replace('version: 1', 'version: 0'))).toEqual(['policy.yaml:2:10: version: Too small: expected number to be >=1']);
  });
});

describe('loadPolicies', () => {
  it('keeps good files when another is broken', () => {
    const r = loadPolicies([
      { name: 'good.yaml', text: BASE },
      { name: 'broken.yaml', text: 'id: [' },
      { name: 'other.yaml', text: BASE.replace('id: test.minimal', 'id: test.other') },
    ]);
    expect(r.policies.map((p) => p.id)).toEqual(['test.minimal', 'test.other']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.file).toBe('broken.yaml');
  });

  it('rejects overlapping effective periods of the same policy, naming both files', () => {
    const v2 = BASE.replace('version: 1', 'version: 2').replace('{from: 2024-01-01, to: null}', '{from: 2025-01-01, to: null}').replace('from: 2024-01-01, value: 60', 'from: 2025-01-01, value: 65');
    const r = loadPolicies([
      { name: 'v1.yaml', text: BASE },
      { name: 'v2.yaml', text: v2 },
    ]);
    expect(r.policies).toEqual([]);
    expect(r.errors.map(formatLoadError)).toEqual([
      'v1.yaml:5:1: policy test.minimal v1 in v1.yaml clashes with v2 in v2.yaml: overlap: 2024-01-01 – open-ended and 2025-01-01 – open-ended',
      'v2.yaml:5:1: policy test.minimal v2 in v2.yaml clashes with v1 in v1.yaml: overlap: 2024-01-01 – open-ended and 2025-01-01 – open-ended',
    ]);
    // Closing v1 the day before v2 starts makes both valid.
    const closed = BASE.replace('to: null', 'to: 2024-12-31');
    const ok = loadPolicies([
      { name: 'v1.yaml', text: closed },
      { name: 'v2.yaml', text: v2 },
    ]);
    expect(ok.errors).toEqual([]);
    expect(ok.policies.map((p) => p.version)).toEqual([1, 2]);
  });
});

describe('robustness', () => {
  it('never throws on damaged policy files', async () => {
    const fc = (await import('fast-check')).default;
    const source = fixtureFiles().map((f) => f.text);
    const damaged = fc
      .tuple(fc.constantFrom(...source), fc.nat(), fc.nat(), fc.constantFrom('delete-line', 'duplicate-line', 'replace-char', 'truncate', 'indent'), fc.string({ minLength: 1, maxLength: 3 }))
      .map(([text, a, b, how, junk]) => {
        const lines = text.split('\n');
        const i = a % lines.length;
        switch (how) {
          case 'delete-line': lines.splice(i, 1); break;
          case 'duplicate-line': lines.splice(i, 0, lines[i] ?? ''); break;
          case 'indent': lines[i] = ` ${lines[i] ?? ''}`; break;
          case 'truncate': return text.slice(0, b % text.length);
          case 'replace-char': {
            const pos = b % text.length;
            return text.slice(0, pos) + junk + text.slice(pos + 1);
          }
        }
        return lines.join('\n');
      });
    fc.assert(
      fc.property(damaged, (text) => {
        const r = loadPolicy(text, 'damaged.yaml');
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.message).not.toMatch(/internal error/);
          }
        }
      }),
      { numRuns: 400, seed: 7 },
    );
  });
});
