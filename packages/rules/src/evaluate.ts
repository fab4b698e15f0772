/** One decision with its explanation: the interpreted path (also run in the browser). */
import { Decimal } from './decimal.ts';
import { CelFailure, RulesError } from './errors.ts';
import { run } from './interpret.ts';
import { walk } from './ir.ts';
import type { Citation, Formula, JsonValue, LocalText, Parameter, ParamValue, Policy, Rounding, Val } from './types.ts';
import { checkInput, isValidDate, toJson } from './values.ts';

/** One line of the public output; CLI and API rely on exactly these keys. */
export interface Reason {
  rule: string;
  passed: boolean;
  actual: Record<string, JsonValue>;
  expected: string;
  source: string;
}

export interface TraceParameter {
  name: string;
  value: JsonValue;
  display: string;
  unit?: string;
  from: string;
  citation: string;
  example: boolean;
  source?: Citation;
  note?: string;
}

export interface TraceCondition extends Reason {
  expr: string;
  reason: LocalText;
  params: string[];
}

export interface TraceOutcome {
  kind: 'eligibility' | 'named';
  /** For named outcomes: the case that matched (1-based), or null when `otherwise` applied. */
  matchedCase: number | null;
  reason?: LocalText;
  amountFormula: string | null;
  /** The amount before rounding, as exact decimal text. */
  rawAmount: string | null;
  /** The rounded amount as exact decimal text (what SQL returns). */
  amountExact: string | null;
  rounding: Rounding;
}

export interface Decision {
  policy: string;
  version: number;
  on: string;
  outcome: string;
  eligible: boolean;
  amount: number | null;
  currency: 'CNY';
  reasons: Reason[];
  trace: {
    title: LocalText;
    source: string;
    conditions: TraceCondition[];
    outcome: TraceOutcome;
    parameters: TraceParameter[];
  };
}

export const EXAMPLE_CITATION = '示例值 example';

export function citationText(c: Citation): string {
  return [`《${c.document}》`, c.number, c.article].filter(Boolean).join(' ');
}

const valueCitation = (v: ParamValue): string => (v.example ? EXAMPLE_CITATION : v.source ? citationText(v.source) : EXAMPLE_CITATION);

export function inEffect(policy: Policy, on: string): boolean {
  return policy.effective.from <= on && (policy.effective.to === null || on <= policy.effective.to);
}

const periodText = (p: Policy): string => `${p.effective.from} – ${p.effective.to ?? 'open-ended'}`;

/** Checks the date and the period; shared with the SQL compiler. */
export function checkDate(policy: Policy, on: string): void {
  if (typeof on !== 'string' || !isValidDate(on)) {
    throw new RulesError('invalid_date', `the evaluation date must be a date YYYY-MM-DD (got ${JSON.stringify(on)})`, { on });
  }
  if (!inEffect(policy, on)) {
    throw new RulesError('not_in_effect', `policy ${policy.id} v${policy.version} is not in effect on ${on}; it is effective ${periodText(policy)}`, {
      policy: policy.id,
      on,
      effective: policy.effective,
    });
  }
}

/** The value of each parameter on a date: the latest dated on or before it. */
export function resolveParameters(policy: Policy, on: string): Record<string, { param: Parameter; value: ParamValue }> {
  const out: Record<string, { param: Parameter; value: ParamValue }> = {};
  for (const p of Object.values(policy.parameters)) {
    let chosen: ParamValue | undefined;
    for (const v of p.values) if (v.from <= on) chosen = v;
    if (!chosen) {
      throw new RulesError('not_in_effect', `parameter ${p.name} of policy ${policy.id} has no value on ${on} (first value from ${p.values[0]?.from})`, { parameter: p.name });
    }
    out[p.name] = { param: p, value: chosen };
  }
  return out;
}

export function applyRounding(d: Decimal, r: Rounding): Decimal {
  switch (r) {
    case 'none': return d;
    case 'yuan-up': return d.ceil();
    case 'yuan-down': return d.floor();
    case 'fen': return d.round(2);
  }
}

/** Finds the version of a policy in effect on a date among loaded policies. */
export function findPolicy(policies: readonly Policy[], id: string, on: string): Policy {
  const versions = policies.filter((p) => p.id === id);
  if (versions.length === 0) throw new RulesError('unknown_policy', `no policy with id ${id} is loaded`, { policy: id });
  const found = versions.find((p) => inEffect(p, on));
  if (!found) {
    const periods = versions.map((p) => `v${p.version} ${periodText(p)}`).join('; ');
    throw new RulesError('not_in_effect', `no version of policy ${id} is in effect on ${on} (${periods})`, { policy: id, on });
  }
  return found;
}

function fail(f: Formula, e: unknown): never {
  if (e instanceof CelFailure) {
    throw new RulesError('evaluation_error', `${f.where} could not be evaluated: ${e.message} (formula: ${f.text.trim()})`, { formula: f.text, where: f.where });
  }
  throw e;
}

export function evaluate(policy: Policy, input: unknown, on: string): Decision {
  checkDate(policy, on);
  const root = checkInput(input, policy.entity, policy.inputType);
  const resolved = resolveParameters(policy, on);
  const params: Record<string, Val> = {};
  for (const [k, r] of Object.entries(resolved)) params[k] = r.value.value;
  const citeParams = (names: string[]): string => {
    const cites = [...new Set(names.map((n) => valueCitation((resolved[n] as { value: ParamValue }).value)))];
    return cites.length > 0 ? cites.join('；') : citationText(policy.source);
  };

  const conditions: TraceCondition[] = policy.conditions.map((c) => {
    const rec = new Map<string, JsonValue>();
    let passed: boolean;
    try {
      passed = run(c.node, { root, on, params, rec }) as boolean;
    } catch (e) {
      fail(c, e);
    }
    return {
      rule: c.id,
      passed,
      actual: Object.fromEntries(rec),
      expected: expectedText(c.expected, c, resolved, on),
      source: citeParams(c.params),
      expr: c.text.trim(),
      reason: c.reason,
      params: c.params,
    };
  });
  const allPassed = conditions.every((c) => c.passed);

  const o = policy.outcome;
  let outcome: string;
  let eligible: boolean;
  let amountFormula: Formula | undefined;
  const traceOutcome: TraceOutcome = { kind: o.kind, matchedCase: null, amountFormula: null, rawAmount: null, amountExact: null, rounding: o.rounding };
  if (o.kind === 'eligibility') {
    eligible = allPassed;
    outcome = eligible ? 'eligible' : 'ineligible';
    amountFormula = o.amount;
  } else {
    outcome = o.otherwise;
    if (allPassed) {
      for (let i = 0; i < o.cases.length; i++) {
        const c = o.cases[i] as (typeof o.cases)[number];
        let hit: boolean;
        try {
          hit = run(c.when.node, { root, on, params }) as boolean;
        } catch (e) {
          fail(c.when, e);
        }
        if (hit) {
          outcome = c.outcome;
          amountFormula = c.amount;
          traceOutcome.matchedCase = i + 1;
          if (c.reason) traceOutcome.reason = c.reason;
          break;
        }
      }
    }
    eligible = o.eligibleOutcomes.includes(outcome);
  }
  let amount: number | null = null;
  if (eligible && amountFormula) {
    let raw: Val;
    try {
      raw = run(amountFormula.node, { root, on, params });
    } catch (e) {
      fail(amountFormula, e);
    }
    const d = typeof raw === 'bigint' ? Decimal.fromBigInt(raw) : (raw as Decimal);
    const rounded = applyRounding(d, o.rounding);
    amount = rounded.toNumber();
    traceOutcome.amountFormula = amountFormula.text.trim();
    traceOutcome.rawAmount = d.toString();
    traceOutcome.amountExact = rounded.toString();
  }

  const used = new Set<string>();
  const formulas: Formula[] = [...policy.conditions];
  if (o.kind === 'eligibility' && o.amount) formulas.push(o.amount);
  if (o.kind === 'named') for (const c of o.cases) formulas.push(c.when, ...(c.amount ? [c.amount] : []));
  for (const f of formulas) for (const p of f.params) used.add(p);

  return {
    policy: policy.id,
    version: policy.version,
    on,
    outcome,
    eligible,
    amount,
    currency: 'CNY',
    reasons: conditions.map(({ rule, passed, actual, expected, source }) => ({ rule, passed, actual, expected, source })),
    trace: {
      title: policy.title,
      source: citationText(policy.source),
      conditions,
      outcome: traceOutcome,
      parameters: [...used].map((name) => traceParameter(resolved[name] as { param: Parameter; value: ParamValue })),
    },
  };
}

function traceParameter(r: { param: Parameter; value: ParamValue }): TraceParameter {
  const t: TraceParameter = {
    name: r.param.name,
    value: toJson(r.value.value),
    display: r.value.display,
    from: r.value.from,
    citation: valueCitation(r.value),
    example: r.value.example,
  };
  if (r.param.unit) t.unit = r.param.unit;
  if (r.value.source) t.source = r.value.source;
  if (r.value.note) t.note = r.value.note;
  return t;
}

/** The condition's `expected` template, or its expression with parameter values written in. */
function expectedText(template: string | undefined, f: Formula, resolved: Record<string, { value: ParamValue }>, on: string): string {
  const show = (name: string): string => resolved[name]?.value.display ?? `params.${name}`;
  if (template === undefined && f.node.ty.k === 'bool' && f.node.op !== 'cmp' && f.node.op !== 'and' && f.node.op !== 'or' && f.node.op !== 'not' && f.node.op !== 'in' && f.node.op !== 'cond') {
    return 'true';
  }
  if (template) {
    return template.replace(/\{([^{}]*)\}/g, (_, key: string) => {
      const k = key.trim();
      return k === 'on' ? on : show(k.slice('params.'.length));
    });
  }
  const spots: { start: number; end: number; name: string }[] = [];
  walk(f.node, (n) => {
    if (n.op === 'param') spots.push({ start: n.start, end: n.end, name: n.name });
  });
  let text = f.text;
  for (const s of spots.sort((a, b) => b.start - a.start)) text = text.slice(0, s.start) + show(s.name) + text.slice(s.end);
  return text.trim().replace(/\s+/g, ' ');
}
