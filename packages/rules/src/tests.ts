/**
 * Runs the test cases embedded in a policy file and checks that they reach both sides of every
 * condition and of every int/date threshold (59 and 60, the day before and the day itself).
 */
import { Decimal } from './decimal.ts';
import { RulesError } from './errors.ts';
import { evaluate, resolveParameters, type Decision } from './evaluate.ts';
import { run } from './interpret.ts';
import type { IrNode } from './ir.ts';
import type { JsonValue, Policy, TestCase, Val } from './types.ts';
import { isValidDate } from './values.ts';

export interface TestDiff {
  field: 'eligible' | 'outcome' | 'amount' | 'failed' | 'error';
  expected: JsonValue | undefined;
  actual: JsonValue | undefined;
}

export interface TestResult {
  name: string;
  on: string;
  passed: boolean;
  diffs: TestDiff[];
  decision?: Decision;
  error?: string;
}

export interface PolicyTestReport {
  policy: string;
  version: number;
  file: string;
  passed: number;
  failed: number;
  results: TestResult[];
  /** Boundaries and conditions the tests do not reach on both sides. */
  coverage: string[];
}

export function runTestCase(policy: Policy, t: TestCase): TestResult {
  const diffs: TestDiff[] = [];
  let decision: Decision | undefined;
  let error: string | undefined;
  try {
    decision = evaluate(policy, t.input, t.on);
  } catch (e) {
    if (!(e instanceof RulesError)) throw e;
    error = e.message;
  }
  const ex = t.expect;
  if (ex.error !== undefined) {
    if (error === undefined || !error.includes(ex.error)) diffs.push({ field: 'error', expected: ex.error, actual: error ?? null });
  } else if (error !== undefined) {
    diffs.push({ field: 'error', expected: null, actual: error });
  }
  if (decision) {
    if (ex.eligible !== undefined && ex.eligible !== decision.eligible) diffs.push({ field: 'eligible', expected: ex.eligible, actual: decision.eligible });
    if (ex.outcome !== undefined && ex.outcome !== decision.outcome) diffs.push({ field: 'outcome', expected: ex.outcome, actual: decision.outcome });
    if (ex.amount !== undefined && ex.amount !== decision.amount) diffs.push({ field: 'amount', expected: ex.amount, actual: decision.amount });
    if (ex.failed !== undefined) {
      const actual = decision.reasons.filter((r) => !r.passed).map((r) => r.rule);
      if ([...ex.failed].sort().join('\u0001') !== [...actual].sort().join('\u0001')) diffs.push({ field: 'failed', expected: ex.failed, actual });
    }
  }
  const r: TestResult = { name: t.name, on: t.on, passed: diffs.length === 0, diffs };
  if (decision) r.decision = decision;
  if (error !== undefined) r.error = error;
  return r;
}

export function runPolicyTests(policy: Policy): PolicyTestReport {
  const results = policy.tests.map((t) => runTestCase(policy, t));
  const passed = results.filter((r) => r.passed).length;
  return {
    policy: policy.id,
    version: policy.version,
    file: policy.file,
    passed,
    failed: results.length - passed,
    results,
    coverage: coverage(policy, results),
  };
}

/** One line per test result, for the CLI. */
export function formatTestReport(r: PolicyTestReport): string {
  const lines = [`${r.policy} v${r.version} (${r.file}): ${r.passed} passed, ${r.failed} failed`];
  for (const t of r.results) {
    lines.push(`  ${t.passed ? 'ok  ' : 'FAIL'} ${t.name} (${t.on})`);
    for (const d of t.diffs) lines.push(`       ${d.field}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`);
  }
  for (const c of r.coverage) lines.push(`  note: ${c}`);
  return lines.join('\n');
}

type Cmp = IrNode & { op: 'cmp' };

/** Comparisons of a recorded value with a constant threshold, outside list macros. */
function thresholds(node: IrNode): { cmp: Cmp; probe: IrNode; limit: IrNode; flipped: boolean }[] {
  const out: { cmp: Cmp; probe: IrNode; limit: IrNode; flipped: boolean }[] = [];
  const visit = (n: IrNode): void => {
    if (n.op === 'macro') return;
    if (n.op === 'cmp' && n.left.isConst !== n.right.isConst) {
      const flipped = n.left.isConst;
      const probe = flipped ? n.right : n.left;
      const isDate = probe.ty.k === 'string' && probe.ty.date === true;
      if (probe.ty.k === 'int' || isDate) out.push({ cmp: n, probe, limit: flipped ? n.left : n.right, flipped });
    }
    for (const k of directChildren(n)) visit(k);
  };
  visit(node);
  return out;
}

function directChildren(n: IrNode): IrNode[] {
  switch (n.op) {
    case 'and': case 'or': case 'arith': case 'concat': case 'cmp': return [n.left, n.right];
    case 'not': case 'neg': return [n.arg];
    case 'cond': return [n.test, n.then, n.else];
    case 'in': return [n.elem, n.list];
    case 'call': return n.args;
    case 'field': case 'has': return [n.obj];
    case 'index': return [n.list, n.index];
    case 'listLit': return n.items;
    default: return [];
  }
}

/** The value just inside and just outside the threshold, as the probe would read them. */
function sides(op: string, flipped: boolean, limit: Val): { inside: Val; outside: Val } | undefined {
  // Normalise to "probe OP limit".
  const o = flipped ? ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, string>)[op] ?? op : op;
  const step = (v: Val, by: number): Val | undefined => {
    if (typeof v === 'bigint') return v + BigInt(by);
    if (typeof v === 'string' && isValidDate(v)) {
      const d = new Date(Date.UTC(Number(v.slice(0, 4)), Number(v.slice(5, 7)) - 1, Number(v.slice(8, 10)) + by));
      return d.toISOString().slice(0, 10);
    }
    return undefined;
  };
  const below = step(limit, -1);
  const above = step(limit, 1);
  if (below === undefined || above === undefined) return undefined;
  switch (o) {
    case '>=': return { inside: limit, outside: below };
    case '>': return { inside: above, outside: limit };
    case '<=': return { inside: limit, outside: above };
    case '<': return { inside: below, outside: limit };
    default: return undefined;
  }
}

const same = (a: JsonValue | undefined, b: Val): boolean =>
  typeof b === 'bigint' ? a === Number(b) : b instanceof Decimal ? a === b.toNumber() : a === b;

function coverage(policy: Policy, results: TestResult[]): string[] {
  const notes: string[] = [];
  const decided = results.filter((r) => r.decision);
  for (const c of policy.conditions) {
    const states = decided.map((r) => r.decision?.reasons.find((x) => x.rule === c.id)?.passed);
    if (!states.includes(true)) notes.push(`condition "${c.id}" is never met in the tests`);
    if (!states.includes(false)) notes.push(`condition "${c.id}" never fails in the tests`);
    for (const t of thresholds(c.node)) {
      const key = t.probe.text.replace(/\s+/g, ' ');
      const hit = { inside: false, outside: false };
      let label: { inside: Val; outside: Val } | undefined;
      for (const r of decided) {
        let limit: Val;
        try {
          const params: Record<string, Val> = {};
          for (const [k, v] of Object.entries(resolveParameters(policy, r.on))) params[k] = v.value.value;
          limit = run(t.limit, { root: {}, on: r.on, params });
        } catch {
          continue;
        }
        const s = sides(t.cmp.fn, t.flipped, limit);
        if (!s) continue;
        label ??= s;
        const actual = r.decision?.trace.conditions.find((x) => x.rule === c.id)?.actual[key];
        if (same(actual, s.inside)) hit.inside = true;
        if (same(actual, s.outside)) hit.outside = true;
      }
      if (!label) continue;
      const show = (v: Val): string => (typeof v === 'bigint' ? v.toString() : String(v));
      if (!hit.inside) notes.push(`condition "${c.id}": no test has ${key} = ${show(label.inside)} (just inside ${t.cmp.text})`);
      if (!hit.outside) notes.push(`condition "${c.id}": no test has ${key} = ${show(label.outside)} (just outside ${t.cmp.text})`);
    }
  }
  return notes;
}

