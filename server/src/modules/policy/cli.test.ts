/** `minsheng policy …` as a user runs it: exit 0 when evaluated, 2 on bad input naming the field, 1 on failing tests. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { policyDir } from './test-fixtures.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/minsheng.js');
const DIR = policyDir();
const ELDER = { person: { birthDate: '1940-01-01', hukou: 'tianjin', dibaoFamilyMember: true, disability: 'total', daysInCare: 60, voluntary: true, monthlyCareFee: 5000 } };

function cli(args: string[], stdin?: string, dir = DIR) {
  // No DATABASE_URL and an unused DATA_DIR: these commands must not open a database.
  const r = spawnSync('node', [BIN, 'policy', ...args], { input: stdin, encoding: 'utf8', env: { ...process.env, MINSHENG_POLICY_DIR: dir, DATA_DIR: path.join(dir, 'no-db-here') }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('minsheng policy', () => {
  it('eval prints the decision as JSON and exits 0, eligible or not', () => {
    const file = path.join(DIR, 'elder.json');
    fs.writeFileSync(file, JSON.stringify(ELDER));
    const yes = cli(['eval', 'tianjin/concentrated-care-subsidy', '--on', '2026-07-01', '--input', file]);
    expect(yes.code, yes.err).toBe(0);
    const d = JSON.parse(yes.out);
    expect(Object.keys(d)).toEqual(['policy', 'version', 'on', 'outcome', 'eligible', 'amount', 'currency', 'reasons']);
    expect(d).toMatchObject({ policy: 'tianjin/concentrated-care-subsidy', version: 1, on: '2026-07-01', outcome: 'eligible', eligible: true, amount: 1200, currency: 'CNY' });
    expect(Object.keys(d.reasons[0])).toEqual(['rule', 'passed', 'actual', 'expected', 'source']);
    const no = cli(['eval', 'tianjin/concentrated-care-subsidy', '--on', '2026-07-01', '--input', '-'], JSON.stringify({ person: { ...ELDER.person, hukou: 'other' } }));
    expect(no.code).toBe(0);
    expect(JSON.parse(no.out)).toMatchObject({ eligible: false, outcome: 'ineligible', amount: null });
    expect(fs.existsSync(path.join(DIR, 'no-db-here'))).toBe(false);
  });

  it('bad input exits 2 with a message naming the field', () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [['--on', '2026-07-01', '--input', '-'], JSON.stringify({ person: { ...ELDER.person, disability: 'heavy' } }), /person\.disability must be one of/],
      [['--on', '2026-07-01', '--input', '-'], JSON.stringify({ person: { ...ELDER.person, daysInCare: undefined } }), /person\.daysInCare is missing/],
      [['--on', '2026-07-01', '--input', '-'], '{not json', /--input: standard input is not valid JSON/],
      [['--on', '2026-07-01', '--input', '/no/such/file.json'], undefined, /--input: cannot read/],
      [['--on', '2020-01-01', '--input', '-'], JSON.stringify(ELDER), /on: .*in effect on 2020-01-01/],
      [['--on', '2026-13-01', '--input', '-'], JSON.stringify(ELDER), /--on must be a date/],
    ];
    for (const [args, stdin, message] of cases) {
      const r = cli(['eval', 'tianjin/concentrated-care-subsidy', ...args], stdin);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(message);
    }
    const unknown = cli(['eval', 'tianjin/nothing', '--on', '2026-07-01', '--input', '-'], '{}');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no policy tianjin\/nothing/);
  });

  it('test runs the cases and ends with N passed, N failed; a failing case exits 1', () => {
    const ok = cli(['test']);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out.trim().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    const broken = policyDir({ 'tianjin/wrong.yaml': fs.readFileSync(path.join(DIR, 'tianjin/dibao.yaml'), 'utf8').replace('id: tianjin.assistance.dibao-tier', 'id: tianjin.wrong').replace('expect: {outcome: dibao, eligible: true, amount: 1177.5}', 'expect: {outcome: dibao, eligible: true, amount: 1177.6}') });
    const bad = cli(['test', 'tianjin/wrong'], undefined, broken);
    expect(bad.code).toBe(1);
    expect(bad.out.trim().split('\n').at(-1)).toBe(`${14 - 1} passed, 1 failed`);
  });

  it('run needs one policy id or --family with a known name (exit 2, before any database is opened)', () => {
    const neither = cli(['run', '--on', '2026-05-01']);
    expect(neither.code).toBe(2);
    expect(neither.err).toMatch(/name one policy id, or --family NAME/);
    const both = cli(['run', 'tianjin/dibao', '--family', 'assistance', '--on', '2026-05-01']);
    expect(both.code).toBe(2);
    const unknown = cli(['run', '--family', 'nosuch', '--on', '2026-05-01']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no family "nosuch" \(known: assistance, all\)/);
    // the fixture directory lacks most of the family
    const missing = cli(['run', '--family', 'assistance', '--on', '2026-05-01']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/policy tianjin\/dibao-edge is not loaded/);
    expect(fs.existsSync(path.join(DIR, 'no-db-here'))).toBe(false);
  });

  it('list and describe need no database', () => {
    const list = cli(['list']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/tianjin\/dibao\tv1\tfamily/);
    const d = cli(['describe', 'tianjin/concentrated-care-subsidy']);
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/capSevere/);
    expect(d.out).toMatch(/示例值/);
    expect(JSON.parse(cli(['describe', 'tianjin/dibao', '--json']).out).outcomes).toEqual(['dibao', 'near-poor', 'refused']);
  });
});
