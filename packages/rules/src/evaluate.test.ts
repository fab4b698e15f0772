import { describe, expect, it } from 'vitest';
import { fixture, fixturePolicies } from '../testing/fixtures.ts';
import { RulesError } from './errors.ts';
import { evaluate, findPolicy } from './evaluate.ts';
import { loadPolicy } from './load.ts';
import type { Policy } from './types.ts';

const care = fixture('concentrated-care-subsidy.yaml');
const dibao = fixture('dibao-tier.yaml');
const car = fixture('car-scrappage-subsidy.yaml');

const elder = (over: Record<string, unknown> = {}): { person: Record<string, unknown> } => ({
  person: {
    birthDate: '1966-05-01',
    hukou: 'tianjin',
    dibaoFamilyMember: true,
    disability: 'severe',
    daysInCare: 45,
    voluntary: true,
    monthlyCareFee: 3000,
    ...over,
  },
});

function rulesError(fn: () => unknown): RulesError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RulesError) return e;
    throw e;
  }
  throw new Error('expected a RulesError');
}

function load(text: string): Policy {
  const r = loadPolicy(text, 'inline.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}

describe('evaluate: output shape', () => {
  it('returns the agreed shape with a reason per condition', () => {
    const d = evaluate(care, elder(), '2026-05-01');
    expect(Object.keys(d)).toEqual(['policy', 'version', 'on', 'outcome', 'eligible', 'amount', 'currency', 'reasons', 'trace']);
    expect(d).toMatchObject({ policy: 'tianjin.eldercare.concentrated-care-subsidy', version: 1, on: '2026-05-01', outcome: 'eligible', eligible: true, amount: 1000, currency: 'CNY' });
    for (const r of d.reasons) expect(Object.keys(r)).toEqual(['rule', 'passed', 'actual', 'expected', 'source']);
    expect(d.reasons.map((r) => r.rule)).toEqual(['hukou', 'dibao', 'voluntary', 'days-in-care', 'age-and-disability']);
  });

  it('is JSON-serialisable (no bigint, no class instances)', () => {
    const d = evaluate(dibao, { family: { registeredIn: 'tianjin', financialAssets: 0, vehicles: 0, members: [{ relation: 'applicant', birthDate: '1950-01-01', monthlyIncome: 100, disability: 'none' }] } }, '2026-05-01');
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});

describe('evaluate: ages and thresholds', () => {
  it('counts the 60th birthday on the day itself, not the day before', () => {
    const on = evaluate(care, elder({ birthDate: '1966-05-01' }), '2026-05-01');
    expect(on.eligible).toBe(true);
    expect(on.reasons.find((r) => r.rule === 'age-and-disability')?.actual['age(person.birthDate, on)']).toBe(60);
    const before = evaluate(care, elder({ birthDate: '1966-05-01' }), '2026-04-30');
    expect(before.eligible).toBe(false);
    expect(before.reasons.find((r) => r.rule === 'age-and-disability')).toMatchObject({ passed: false, actual: { 'age(person.birthDate, on)': 59 } });
  });

  it('lets a 29 February birthday count on 1 March in common years', () => {
    // An adult grandchild (18+) does not count as a household member; born on a leap day.
    const fam = { family: { registeredIn: 'tianjin', financialAssets: 0, vehicles: 0, members: [
      { relation: 'applicant', birthDate: '1950-01-01', monthlyIncome: 0, disability: 'none' },
      { relation: 'grandchild', birthDate: '2008-02-29', monthlyIncome: 0, disability: 'none' },
    ] } };
    expect(evaluate(dibao, fam, '2026-02-28').reasons.find((r) => r.rule === 'family-members')?.passed).toBe(true);
    expect(evaluate(dibao, fam, '2026-03-01').reasons.find((r) => r.rule === 'family-members')?.passed).toBe(false);
  });

  it('puts an int threshold on both sides: 29 and 30 days in care', () => {
    expect(evaluate(care, elder({ daysInCare: 29 }), '2026-05-01').reasons.find((r) => r.rule === 'days-in-care')?.passed).toBe(false);
    expect(evaluate(care, elder({ daysInCare: 30 }), '2026-05-01').reasons.find((r) => r.rule === 'days-in-care')?.passed).toBe(true);
  });

  it('compares money exactly: 1179.99 is below the 1180 standard, 1180 is not', () => {
    const fam = (income: number): unknown => ({ family: { registeredIn: 'tianjin', financialAssets: 0, vehicles: 0, members: [{ relation: 'applicant', birthDate: '1980-01-01', monthlyIncome: income, disability: 'none' }] } });
    expect(evaluate(dibao, fam(1179.99), '2026-05-01')).toMatchObject({ outcome: 'dibao', amount: 0.01 });
    expect(evaluate(dibao, fam(1180), '2026-05-01')).toMatchObject({ outcome: 'near-poor', amount: null, eligible: true });
    expect(evaluate(dibao, fam(1770.01), '2026-05-01')).toMatchObject({ outcome: 'refused', eligible: false, amount: null });
  });

  it('compares instants across offsets and takes the China date of an instant', () => {
    const buy = (invoicedAt: string, scrappedOn = '2026-01-20'): unknown => ({
      purchase: { buyerType: 'individual', invoicedAt, oldCar: { fuel: 'petrol', registeredOn: '2010-01-01', scrappedOn }, newCar: { kind: 'nev', inNevCatalogue: true, price: 100000 } },
    });
    expect(evaluate(car, buy('2026-02-01T05:00:00Z'), '2026-02-01').eligible).toBe(true);
    expect(evaluate(car, buy('2026-02-01T04:59:59.999Z'), '2026-02-01').eligible).toBe(false);
    // 16:00 UTC on 14 March is already 15 March in Tianjin.
    expect(evaluate(car, buy('2026-03-14T16:00:00Z', '2026-03-15'), '2026-03-15').eligible).toBe(true);
    expect(evaluate(car, buy('2026-03-14T15:59:59Z', '2026-03-15'), '2026-03-15').eligible).toBe(false);
  });

  it('rounds up to whole yuan and caps', () => {
    const buy = (price: number): unknown => ({
      purchase: { buyerType: 'individual', invoicedAt: '2026-03-15T10:30:00+08:00', oldCar: { fuel: 'petrol', registeredOn: '2010-01-01', scrappedOn: '2026-03-01' }, newCar: { kind: 'nev', inNevCatalogue: true, price } },
    });
    expect(evaluate(car, buy(100000.01), '2026-03-15').amount).toBe(12001);
    expect(evaluate(car, buy(100000), '2026-03-15').amount).toBe(12000);
    expect(evaluate(car, buy(1_000_000), '2026-03-15').amount).toBe(20000);
  });
});

describe('evaluate: trace', () => {
  it('shows actual values, the threshold with parameter values, and citations', () => {
    const d = evaluate(care, elder({ birthDate: '1945-03-01', disability: 'moderate', monthlyCareFee: 1234.57 }), '2026-05-01');
    const age = d.reasons.find((r) => r.rule === 'age-and-disability');
    expect(age).toEqual({
      rule: 'age-and-disability',
      passed: true,
      actual: { 'person.birthDate': '1945-03-01', 'age(person.birthDate, on)': 81, 'person.disability': 'moderate' },
      expected: '(age(person.birthDate, on) >= 60 && person.disability in ["moderate", "severe", "total"]) || age(person.birthDate, on) >= 80',
      source: '《关于做好经济困难失能老年人等群体集中照护服务工作的通知》 服务对象范围',
    });
    expect(d.reasons.find((r) => r.rule === 'days-in-care')).toMatchObject({ actual: { 'person.daysInCare': 45 }, expected: '≥ 30 天' });
    expect(d.reasons.find((r) => r.rule === 'dibao')).toMatchObject({ expected: 'true', source: '《关于做好经济困难失能老年人等群体集中照护服务工作的通知》' });
    expect(d.trace.conditions[0]?.reason).toEqual({ zh: '本市户籍', en: 'Tianjin household registration' });
    expect(d.trace.outcome).toMatchObject({ kind: 'eligibility', rawAmount: '617.2850', amountExact: '617.29', rounding: 'fen' });
    expect(d.amount).toBe(617.29);
    const cap = d.trace.parameters.find((p) => p.name === 'capOther');
    expect(cap).toMatchObject({ value: 800, example: true, citation: '示例值 example', unit: '元/月', from: '2025-07-01' });
  });

  it('explains which case of a named outcome applied', () => {
    const d = evaluate(dibao, { family: { registeredIn: 'tianjin', financialAssets: 0, vehicles: 0, members: [{ relation: 'applicant', birthDate: '1980-01-01', monthlyIncome: 1500, disability: 'none' }] } }, '2026-05-01');
    expect(d.trace.outcome).toMatchObject({ kind: 'named', matchedCase: 2, reason: { zh: '家庭人均收入不超过低保标准的1.5倍' } });
    expect(d.outcome).toBe('near-poor');
  });

  it('records macro results and list sizes read by a condition', () => {
    const d = evaluate(dibao, { family: { registeredIn: 'tianjin', financialAssets: 100, vehicles: 0, members: [{ relation: 'applicant', birthDate: '1980-01-01', monthlyIncome: 0, disability: 'none' }] } }, '2026-05-01');
    expect(d.reasons.find((r) => r.rule === 'one-applicant')?.actual).toEqual({ 'family.members.exists_one(m, m.relation == "applicant")': true });
    expect(d.reasons.find((r) => r.rule === 'assets')?.actual).toEqual({ 'family.financialAssets': 100, 'family.financialAssets / size(family.members)': 100 });
  });
});

describe('evaluate: dated parameters', () => {
  it('uses the value dated on or before the evaluation date', () => {
    const input = elder({ birthDate: '1940-01-01', disability: 'total', monthlyCareFee: 5000 });
    expect(evaluate(care, input, '2026-06-30').amount).toBe(1000);
    expect(evaluate(care, input, '2026-07-01').amount).toBe(1200);
    const p = evaluate(care, input, '2026-07-01').trace.parameters.find((x) => x.name === 'capSevere');
    expect(p).toMatchObject({ from: '2026-07-01', value: 1200, note: '示例：年中调整' });
  });
});

describe('evaluate: bad input gives clear errors', () => {
  it('names a missing field', () => {
    const { birthDate: _, ...rest } = elder().person;
    const e = rulesError(() => evaluate(care, { person: rest }, '2026-05-01'));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toBe('person.birthDate is missing');
    expect(e.details).toEqual({ path: 'person.birthDate' });
  });

  it('lists the allowed values of an enum', () => {
    const e = rulesError(() => evaluate(care, elder({ disability: 'heavy' }), '2026-05-01'));
    expect(e.message).toBe('person.disability must be one of "none", "mild", "moderate", "severe", "total" (got "heavy")');
  });

  it('names wrong types, bad dates and list items', () => {
    expect(rulesError(() => evaluate(care, elder({ daysInCare: 30.5 }), '2026-05-01')).message).toBe('person.daysInCare must be an integer (got 30.5)');
    expect(rulesError(() => evaluate(care, elder({ birthDate: '1966-02-30' }), '2026-05-01')).message).toBe('person.birthDate must be a date YYYY-MM-DD (got "1966-02-30")');
    const fam = { family: { registeredIn: 'tianjin', financialAssets: 0, vehicles: 0, members: [{ relation: 'applicant', birthDate: '1980-01-01', monthlyIncome: '100', disability: 'none' }] } };
    expect(rulesError(() => evaluate(dibao, fam, '2026-05-01')).message).toBe('family.members[0].monthlyIncome must be a number (got "100")');
    expect(rulesError(() => evaluate(care, null, '2026-05-01')).message).toBe('the input must be an object {"person": {...}} (got null)');
    expect(rulesError(() => evaluate(care, { people: {} }, '2026-05-01')).message).toBe('person is missing from the input');
  });

  it('refuses a date outside the effective period', () => {
    const e = rulesError(() => evaluate(care, elder(), '2025-06-30'));
    expect(e.code).toBe('not_in_effect');
    expect(e.message).toBe('policy tianjin.eldercare.concentrated-care-subsidy v1 is not in effect on 2025-06-30; it is effective 2025-07-01 – open-ended');
    expect(rulesError(() => evaluate(car, {}, '2027-01-01')).message).toBe(
      'policy tianjin.commerce.car-scrappage-subsidy v1 is not in effect on 2027-01-01; it is effective 2026-02-01 – 2026-12-31',
    );
    expect(rulesError(() => evaluate(care, elder(), '2026-5-1')).code).toBe('invalid_date');
  });

  it('reports division by zero naming the formula, never Infinity', () => {
    const e = rulesError(() => evaluate(dibao, { family: { registeredIn: 'tianjin', financialAssets: 0, vehicles: 0, members: [] } }, '2026-05-01'));
    expect(e.code).toBe('evaluation_error');
    expect(e.message).toBe(
      'condition "assets" could not be evaluated: division by zero in family.financialAssets / size(family.members) (formula: family.financialAssets / size(family.members) <= params.assetLimitPerCapita)',
    );
  });

  it('reports an optional input that a formula reads without has()', () => {
    const p = load(`id: t.optional
version: 1
title: {zh: 可选, en: Optional}
source: {document: 测试, published: 2024-01-01}
effective: {from: 2024-01-01}
entity: person
inputs:
  note: {type: string, optional: true}
  grade: {type: int, optional: true}
conditions:
  - {id: guarded, expr: 'has(person.grade) && person.grade > 2', reason: {zh: 等级}}
  - {id: unguarded, expr: 'person.note == "x"', reason: {zh: 备注}}
`);
    expect(evaluate(p, { person: { note: 'x', grade: 3 } }, '2024-05-01').eligible).toBe(true);
    expect(evaluate(p, { person: { note: 'x' } }, '2024-05-01').reasons.map((r) => r.passed)).toEqual([false, true]);
    expect(evaluate(p, { person: { note: 'x', grade: null } }, '2024-05-01').reasons[0]?.passed).toBe(false);
    expect(rulesError(() => evaluate(p, { person: {} }, '2024-05-01')).message).toBe(
      'condition "unguarded" could not be evaluated: person.note is not provided (formula: person.note == "x")',
    );
  });
});

describe('evaluate: expression semantics', () => {
  const policy = (expr: string, inputs = '  n: int\n  x: number'): Policy =>
    load(`id: t.sem
version: 1
title: {zh: 语义, en: Semantics}
source: {document: 测试, published: 2024-01-01}
effective: {from: 2024-01-01}
entity: v
inputs:
${inputs}
conditions:
  - id: c
    expr: '${expr}'
    reason: {zh: 测试}
`);
  const check = (expr: string, input: Record<string, unknown>): boolean => evaluate(policy(expr), { v: input }, '2024-05-01').eligible;

  it('uses exact decimals: 0.1 + 0.2 == 0.3', () => {
    expect(check('v.x + 0.2 == 0.3', { n: 0, x: 0.1 })).toBe(true);
  });

  it('absorbs errors like CEL: false && error is false, true || error is true', () => {
    expect(check('v.n != 0 && 10 / v.n > 1', { n: 0, x: 0 })).toBe(false);
    expect(check('v.n == 0 || 10 / v.n > 1', { n: 0, x: 0 })).toBe(true);
    expect(check('10 / v.n > 1 || v.n == 0', { n: 0, x: 0 })).toBe(true);
    expect(() => check('10 / v.n > 1 && v.n == 0', { n: 0, x: 0 })).toThrow(/division by zero in 10 \/ v.n/);
  });

  it('divides ints by truncation and mixes ints with numbers', () => {
    expect(check('v.n / 2 == 3', { n: 7, x: 0 })).toBe(true);
    expect(check('-v.n / 2 == -3', { n: 7, x: 0 })).toBe(true);
    expect(check('v.n * 0.5 == 3.5', { n: 7, x: 0 })).toBe(true);
    expect(check('v.n == 7.0', { n: 7, x: 0 })).toBe(true);
  });

  it('supports list macros on lists of scalars', () => {
    const inputs = '  tags: {list: string}\n  scores: {list: int}';
    const p = (e: string): Policy => policy(e, inputs);
    const run = (e: string, tags: string[], scores: number[]): boolean => evaluate(p(e), { v: { tags, scores } }, '2024-05-01').eligible;
    expect(run('"b" in v.tags', ['a', 'b'], [])).toBe(true);
    expect(run('v.scores.all(s, s > 1) && v.scores.exists_one(s, s == 2)', [], [2, 3])).toBe(true);
    expect(run('v.scores.map(s, s * 2).sum() == 10', [], [2, 3])).toBe(true);
    expect(run('v.scores.filter(s, s > 2).size() == 1', [], [2, 3])).toBe(true);
    expect(run('v.tags.exists(t, t.startsWith("天"))', ['天津'], [])).toBe(true);
  });
});

describe('findPolicy', () => {
  it('picks the version in effect and explains when none is', () => {
    expect(findPolicy([care, dibao], 'tianjin.assistance.dibao-tier', '2026-01-01')).toBe(dibao);
    expect(rulesError(() => findPolicy([care], 'nope', '2026-01-01')).code).toBe('unknown_policy');
    expect(rulesError(() => findPolicy(fixturePolicies(), 'tianjin.commerce.car-scrappage-subsidy', '2027-01-01')).message).toBe(
      'no version of policy tianjin.commerce.car-scrappage-subsidy is in effect on 2027-01-01 (v1 2026-02-01 – 2026-12-31)',
    );
  });
});

describe('evaluate: robustness', () => {
  it('answers any JSON input with a decision or a RulesError, never a crash', async () => {
    const fc = (await import('fast-check')).default;
    const policies = fixturePolicies();
    const input = fc.oneof(
      fc.jsonValue(),
      fc.tuple(fc.constantFrom('person', 'family', 'purchase'), fc.dictionary(fc.constantFrom('birthDate', 'hukou', 'members', 'oldCar', 'newCar', 'invoicedAt', 'vehicles', 'disability'), fc.jsonValue())).map(([k, v]) => ({ [k]: v })),
    );
    fc.assert(
      fc.property(fc.constantFrom(...policies), input, fc.constantFrom('2026-05-01', '2026-5-1', '2030-01-01'), (policy, value, on) => {
        try {
          evaluate(policy, value, on);
        } catch (e) {
          expect(e).toBeInstanceOf(RulesError);
        }
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});
