/**
 * Warning rules (预警规则): YAML files under policies/monitoring/. A rule IS a policy file of the
 * rules package (same CEL language, inputs, dated parameters with sources or `example: true`,
 * conditions, embedded test cases: policies/policies.test.ts runs them, both sides of every
 * threshold), entity `person` or `household`; the warning is raised when all conditions pass.
 * Its warning metadata sits in the top-level `x-monitoring` extension:
 *
 *   x-monitoring:
 *     severity: high                       # high | medium | low
 *     suppressionDays: 90                  # not raised again for the household within N days unless the evidence changes
 *     reason: "…{household.headName}…{params.spendingShare}…{on}"   # Chinese reason template
 *     aggregates:                          # windowed aggregates over matched feed rows, as input fields
 *       medicalOutOfPocket: {feed: medical, fn: sum, field: outOfPocket, months: windowMonths}
 *     memberAggregates: {…}                # the same, on each household.members[] item
 *     evidence: [medicalOutOfPocket]       # fields whose change lifts the suppression (default: the whole input)
 *     reevaluate: [tianjin/rigid-expenditure-hardship]   # policies re-evaluated in the chain
 *     sla: {verificationDays: 5, decisionDays: 10, followUpDays: 30}   # working days; follow-up in days
 *
 * `months` is a whole number or the name of an int parameter (so a window can be dated and cited).
 * A broken file is reported with file, line and column; the other rules still load.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, type Node } from 'yaml';
import { z } from 'zod';
import { loadPolicies, resolveParameters, type LoadError, type Policy, type Ty } from '@minsheng/rules';
import { DEFAULT_POLICY_DIR } from '../policy/catalogue.ts';
import { FeedType } from './feeds.ts';

export const Aggregate = z.object({
  feed: z.enum(FeedType),
  fn: z.enum(['sum', 'count', 'max', 'min']),
  field: z.string().regex(/^[A-Za-z]+$/).optional(),
  months: z.union([z.number().int().min(1).max(120), z.string()]).optional(),
  where: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
}).strict();
export type Aggregate = z.infer<typeof Aggregate>;

export const Severity = ['high', 'medium', 'low'] as const;
export type Severity = (typeof Severity)[number];

const Sla = z.object({
  verificationDays: z.number().int().min(1).max(60),
  decisionDays: z.number().int().min(1).max(120),
  followUpDays: z.number().int().min(1).max(365),
}).strict();

const XMonitoring = z.object({
  severity: z.enum(Severity),
  suppressionDays: z.number().int().min(0).max(3650),
  reason: z.string().min(4).max(500),
  aggregates: z.record(z.string(), Aggregate).optional(),
  memberAggregates: z.record(z.string(), Aggregate).optional(),
  evidence: z.array(z.string()).optional(),
  reevaluate: z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/)).default([]),
  sla: Sla,
}).strict();
export type RuleMeta = z.infer<typeof XMonitoring>;

export interface MonitoringRule {
  /** Public id: the path under policies/ without .yaml, e.g. monitoring/benefit-recipient-died. */
  id: string;
  policy: Policy;
  meta: RuleMeta;
}

export const DEFAULT_RULE_DIR = path.join(DEFAULT_POLICY_DIR, 'monitoring');

type Path = (string | number)[];

/** Line and column of a path in a YAML text (the key's line when the value is absent). */
function locate(text: string, at: Path): { line: number; column: number } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  for (let n = at.length; n >= 0; n--) {
    const node = doc.getIn(at.slice(0, n), true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) {
      const p = lc.linePos(node.range[0]);
      return { line: p.line, column: p.col };
    }
    if (n > 0) {
      const parent = doc.getIn(at.slice(0, n - 1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((i) => isScalar(i.key) && i.key.value === at[n - 1]);
        if (pair && isScalar(pair.key) && pair.key.range) { const p = lc.linePos(pair.key.range[0]); return { line: p.line, column: p.col }; }
      }
    }
  }
  return { line: 1, column: 1 };
}

const AGG_TYPE: Record<Aggregate['fn'], (a: Aggregate) => string> = {
  sum: () => 'number', count: () => 'int', max: (a) => (a.field === 'date' ? 'date' : 'number'), min: (a) => (a.field === 'date' ? 'date' : 'number'),
};
const tyName = (t: Ty): string => (t.k === 'string' ? (t.date ? 'date' : 'string') : t.k);

/** The checks of the x-monitoring block against the policy it sits in. */
function checkMeta(policy: Policy, meta: RuleMeta): Array<{ path: Path; message: string }> {
  const errs: Array<{ path: Path; message: string }> = [];
  if (policy.entity !== 'person' && policy.entity !== 'household') errs.push({ path: ['entity'], message: 'a monitoring rule is about a person or a household (entity: person | household)' });
  const memberTy = policy.inputType.fields.members?.ty;
  const memberFields = memberTy?.k === 'list' && memberTy.of.k === 'object' ? memberTy.of.fields : undefined;
  const check = (block: 'aggregates' | 'memberAggregates', fields: Record<string, { ty: Ty; optional: boolean }> | undefined): void => {
    for (const [name, a] of Object.entries(meta[block] ?? {})) {
      const at: Path = ['x-monitoring', block, name];
      if (!fields) { errs.push({ path: at, message: `${block}.${name}: the rule has no household.members list to put it on` }); continue; }
      const f = fields[name];
      const want = AGG_TYPE[a.fn](a);
      if (!f) errs.push({ path: at, message: `${block}.${name}: declare it under inputs${block === 'memberAggregates' ? ' (members list)' : ''} as ${want}` });
      else if (tyName(f.ty) !== want && !(want === 'number' && f.ty.k === 'int' && a.fn !== 'sum')) errs.push({ path: at, message: `${block}.${name}: a ${a.fn} is ${want}, the input is declared ${tyName(f.ty)}` });
      else if ((a.fn === 'max' || a.fn === 'min') && !f.optional) errs.push({ path: at, message: `${block}.${name}: a ${a.fn} is null when there are no rows: declare the input optional` });
      if (a.fn !== 'count' && !a.field) errs.push({ path: [...at, 'fn'], message: `${block}.${name}: ${a.fn} needs a field` });
      if (typeof a.months === 'string') {
        const p = policy.parameters[a.months];
        if (!p || p.ty.k !== 'int') errs.push({ path: [...at, 'months'], message: `${block}.${name}: months "${a.months}" is not an int parameter of the rule` });
      }
    }
  };
  check('aggregates', policy.entity === 'household' || policy.entity === 'person' ? policy.inputType.fields : undefined);
  if (meta.memberAggregates) check('memberAggregates', memberFields);
  for (const e of meta.evidence ?? []) if (!policy.inputType.fields[e]) errs.push({ path: ['x-monitoring', 'evidence'], message: `evidence: "${e}" is not an input of the rule` });
  for (const m of meta.reason.matchAll(/\{([^{}]+)\}/g)) {
    const key = m[1]!.trim();
    const [root, name] = key.split('.');
    const ok = key === 'on' || (root === 'params' && name && policy.parameters[name]) || (root === policy.entity && name && policy.inputType.fields[name]);
    if (!ok) errs.push({ path: ['x-monitoring', 'reason'], message: `reason: unknown placeholder {${key}}; use {${policy.entity}.<input>}, {params.<name>} or {on}` });
  }
  return errs;
}

/** Months of an aggregate's window on a date. */
export function monthsOf(rule: MonitoringRule, a: Aggregate, on: string): number {
  if (a.months === undefined) return 12;
  if (typeof a.months === 'number') return a.months;
  const r = resolveParameters(rule.policy, on)[a.months];
  return Number(r?.value.value ?? 12);
}

export interface RuleSet { rules: MonitoringRule[]; errors: LoadError[] }

/** Loads rule files from text: each problem with file, line and column; the other rules still load. */
export function loadRuleFiles(files: ReadonlyArray<{ name: string; text: string }>): RuleSet {
  const { policies, errors } = loadPolicies(files);
  const rules: MonitoringRule[] = [];
  const all: LoadError[] = [...errors];
  for (const policy of policies) {
    const text = files.find((f) => f.name === policy.file)?.text ?? '';
    const raw = policy.extensions?.['x-monitoring'];
    if (raw === undefined) { all.push({ file: policy.file, line: 1, column: 1, message: 'a monitoring rule needs an x-monitoring block (severity, suppressionDays, reason, sla)' }); continue; }
    const parsed = XMonitoring.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const at: Path = ['x-monitoring', ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
        const name = at.slice(1).join('.') || 'x-monitoring';
        all.push({ file: policy.file, ...locate(text, at), message: `${name}: ${issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message}` });
      }
      continue;
    }
    const problems = checkMeta(policy, parsed.data);
    if (problems.length > 0) {
      for (const p of problems) all.push({ file: policy.file, ...locate(text, p.path), message: p.message });
      continue;
    }
    rules.push({ id: policy.file.replace(/^policies\//, '').replace(/\.ya?ml$/, ''), policy, meta: parsed.data });
  }
  return { rules, errors: all.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line) };
}

/** Loads every rule file of a directory (policies/monitoring by default). */
export function loadRules(dir: string = process.env.MINSHENG_MONITORING_RULE_DIR || DEFAULT_RULE_DIR): RuleSet {
  let names: string[] = [];
  try { names = fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort(); } catch { return { rules: [], errors: [{ file: dir, line: 1, column: 1, message: 'the rule directory cannot be read' }] }; }
  const base = path.basename(dir);
  return loadRuleFiles(names.map((n) => ({ name: `policies/${base}/${n}`, text: fs.readFileSync(path.join(dir, n), 'utf8') })));
}
