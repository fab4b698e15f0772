/**
 * Loads policy files from text. Every problem is reported with file, line and column; a broken
 * file never stops the others from loading.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { buildEnv, compileExpression, type ExprKind, type PolicyEnv } from './cel.ts';
import { Decimal } from './decimal.ts';
import type { LoadError } from './errors.ts';
import { ExprError, walk } from './ir.ts';
import { Locator } from './locate.ts';
import { checkIdentifier, parseFields, parseType, PolicyFileSchema, type PathError, type PolicyFile } from './schema.ts';
import type { Citation, Condition, Formula, Outcome, Parameter, ParamValue, Policy, TestCase, Ty, Val, JsonValue } from './types.ts';
import { display, isValidDate, parseDatetime } from './values.ts';

export type LoadResult = { ok: true; policy: Policy } | { ok: false; errors: LoadError[] };

type Path = (string | number)[];

const pathText = (path: readonly (string | number)[]): string =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');

export function loadPolicy(text: string, fileName: string): LoadResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const p = lc.linePos(e.pos[0]);
        return { file: fileName, line: p.line, column: p.col, message: `YAML syntax error: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const loc = new Locator(doc, lc, text);
  const at = (path: Path, message: string, atKey = false): LoadError => ({ file: fileName, ...loc.at(path, atKey), message });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, errors: [at([], `cannot read the YAML: ${(e as Error).message}`)] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, errors: [at([], 'a policy file is a YAML map with id, version, title, source, effective, entity, inputs, conditions')] };
  }
  // Top-level keys starting with "x-" are extensions for other tools (e.g. x-monitoring: the
  // warning metadata of a monitoring rule): kept as written, never read by the language.
  const extensions: Record<string, unknown> = {};
  const core: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) (k.startsWith('x-') ? extensions : core)[k] = v;
  const parsed = PolicyFileSchema.safeParse(core);
  if (!parsed.success) return { ok: false, errors: zodErrors(parsed.error.issues, at) };
  const errs: PathError[] = [];
  const exprErrs: LoadError[] = [];
  let policy: Policy | undefined;
  try {
    policy = build(parsed.data, fileName, loc, errs, exprErrs);
  } catch (e) {
    // A bug of ours must not take the other policies down; report it against the file.
    return { ok: false, errors: [at([], `internal error while checking this policy: ${(e as Error).message}`)] };
  }
  const errors = [...errs.map((e) => at(e.path, `${pathText(e.path)}: ${e.message}`, e.atKey)), ...exprErrs];
  if (errors.length > 0 || !policy) return { ok: false, errors: sortErrors(errors) };
  if (Object.keys(extensions).length > 0) policy.extensions = extensions;
  return { ok: true, policy };
}

const sortErrors = (errors: LoadError[]): LoadError[] => [...errors].sort((a, b) => a.line - b.line || a.column - b.column);

function zodErrors(issues: readonly z.core.$ZodIssue[], at: (path: Path, m: string, atKey?: boolean) => LoadError): LoadError[] {
  const out: LoadError[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push(at([...path, key], `unknown field "${key}"${path.length ? ` in ${pathText(path)}` : ''}`, true));
      }
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type' && issue.input === undefined) message = 'is required';
    out.push(at(path, `${pathText(path) || 'file'}: ${message}`, issue.code === 'invalid_type' && issue.input === undefined));
  }
  return sortErrors(out);
}

function citation(src: string | Citation | undefined): Citation | undefined {
  if (src === undefined) return undefined;
  return typeof src === 'string' ? { document: src } : src;
}

type Conv = { ok: true; value: Val } | { ok: false; message: string };
const ok = (value: Val): Conv => ({ ok: true, value });
const no = (message: string): Conv => ({ ok: false, message });

/** Converts a parameter value as written in YAML to a runtime value. */
function paramValue(raw: unknown, ty: Ty, sourceText: (i?: number) => string | undefined, index?: number): Conv {
  switch (ty.k) {
    case 'int':
      return typeof raw === 'number' && Number.isSafeInteger(raw) ? ok(BigInt(raw)) : no('must be an integer');
    case 'number': {
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return no('must be a number');
      // Keep the digits as written (0.30 stays 0.30), as long as YAML read the same number.
      const written = Decimal.parse(sourceText(index) ?? '');
      return ok(written && written.toNumber() === raw ? written : Decimal.fromNumber(raw));
    }
    case 'bool':
      return typeof raw === 'boolean' ? ok(raw) : no('must be true or false');
    case 'timestamp': {
      const i = typeof raw === 'string' ? parseDatetime(raw) : undefined;
      return i ? ok(i) : no('must be a datetime like 2026-05-01T10:00:00+08:00');
    }
    case 'string':
      if (typeof raw !== 'string') return no('must be text');
      if (ty.date && !isValidDate(raw)) return no('must be a date YYYY-MM-DD');
      if (ty.enum && !ty.enum.includes(raw)) return no(`must be one of ${ty.enum.join(', ')}`);
      return ok(raw);
    case 'list': {
      if (!Array.isArray(raw)) return no('must be a list');
      const out: Val[] = [];
      for (let i = 0; i < raw.length; i++) {
        const v = paramValue(raw[i], ty.of, sourceText, i);
        if (!v.ok) return no(`item ${i + 1} ${v.message}`);
        out.push(v.value);
      }
      return ok(out);
    }
    case 'object':
      return no('parameters cannot be objects');
  }
}

function build(f: PolicyFile, file: string, loc: Locator, errs: PathError[], exprErrs: LoadError[]): Policy | undefined {
  const effective = { from: f.effective.from, to: f.effective.to ?? null };
  if (effective.to !== null && effective.to < effective.from) {
    errs.push({ path: ['effective', 'to'], message: `the period ends (${effective.to}) before it starts (${effective.from})` });
  }
  checkIdentifier(f.entity, 'entity', ['entity'], errs);
  const inputType = parseFields(f.inputs, ['inputs'], f.entity, errs);

  const parameters: Record<string, Parameter> = {};
  for (const [name, p] of Object.entries(f.parameters ?? {})) {
    const ppath: Path = ['parameters', name];
    if (!checkIdentifier(name, 'parameter', ppath, errs)) continue;
    const ty = parseType(p.type, [...ppath, 'type'], `params.${name}`, errs, false);
    if (!ty) continue;
    const values: ParamValue[] = [];
    p.values.forEach((v, i) => {
      const vpath: Path = [...ppath, 'values', i];
      if (v.source === undefined && v.example !== true) {
        errs.push({ path: vpath, message: `parameter ${name}: the value from ${v.from} needs a source (the document it comes from) or example: true` });
      }
      const src = (j?: number): string | undefined => loc.sourceOf(j === undefined ? [...vpath, 'value'] : [...vpath, 'value', j]);
      const conv = paramValue(v.value, ty, src);
      if (!conv.ok) {
        errs.push({ path: [...vpath, 'value'], message: `parameter ${name}: the value ${conv.message}` });
        return;
      }
      const value = conv.value;
      const pv: ParamValue = { from: v.from, value, display: display(value), example: v.example === true };
      const source = citation(v.source);
      if (source) pv.source = source;
      if (v.note) pv.note = v.note;
      values.push(pv);
    });
    values.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    for (let i = 1; i < values.length; i++) {
      if (values[i]?.from === values[i - 1]?.from) errs.push({ path: [...ppath, 'values'], message: `parameter ${name} has two values from ${values[i]?.from}` });
    }
    const first = values[0];
    if (first && first.from > effective.from) {
      errs.push({ path: [...ppath, 'values', 0, 'from'], message: `parameter ${name} has no value on the policy's start date ${effective.from} (its first value is from ${first.from})` });
    }
    const param: Parameter = { name, ty, values };
    if (p.unit) param.unit = p.unit;
    if (p.description) param.description = p.description;
    parameters[name] = param;
  }
  if (!inputType || errs.length > 0) return undefined;

  const penv = buildEnv(f.entity, inputType, parameters);
  const formula = (path: Path, text: string, kind: ExprKind, where: string): Formula | undefined => compile(penv, loc, file, path, text, kind, where, exprErrs);

  const conditions: Condition[] = [];
  const seen = new Set<string>();
  f.conditions.forEach((c, i) => {
    if (seen.has(c.id)) errs.push({ path: ['conditions', i, 'id'], message: `condition id "${c.id}" is used twice` });
    seen.add(c.id);
    const fm = formula(['conditions', i, 'expr'], c.expr, 'bool', `condition "${c.id}"`);
    if (c.expected) checkTemplate(c.expected, parameters, ['conditions', i, 'expected'], errs);
    if (fm) conditions.push({ ...fm, id: c.id, reason: c.reason, ...(c.expected ? { expected: c.expected } : {}) });
  });

  const outcome = buildOutcome(f, formula, errs);
  const tests: TestCase[] = (f.tests ?? []).map((t) => ({ name: t.name, on: t.on, input: (t.input ?? null) as JsonValue, expect: t.expect }));
  const names = new Set<string>();
  (f.tests ?? []).forEach((t, i) => {
    if (names.has(t.name)) errs.push({ path: ['tests', i, 'name'], message: `test name "${t.name}" is used twice` });
    names.add(t.name);
  });
  if (errs.length > 0 || exprErrs.length > 0 || !outcome) return undefined;
  const policy: Policy = {
    id: f.id,
    version: f.version,
    title: f.title,
    source: f.source,
    effective,
    entity: f.entity,
    inputType,
    parameters,
    conditions,
    outcome,
    tests,
    file,
  };
  if (f.description) policy.description = f.description;
  return policy;
}

function buildOutcome(f: PolicyFile, formula: (p: Path, t: string, k: ExprKind, w: string) => Formula | undefined, errs: PathError[]): Outcome | undefined {
  const o = f.outcome ?? {};
  const rounding = o.rounding ?? 'fen';
  if (!o.cases) {
    if (o.amount === undefined) return { kind: 'eligibility', rounding };
    const amount = formula(['outcome', 'amount'], o.amount, 'number', 'the amount');
    return amount && { kind: 'eligibility', amount, rounding };
  }
  const cases = o.cases.map((c, i) => {
    const when = formula(['outcome', 'cases', i, 'when'], c.when, 'bool', `case ${i + 1} (${c.outcome})`);
    const amount = c.amount === undefined ? undefined : formula(['outcome', 'cases', i, 'amount'], c.amount, 'number', `the amount of case ${i + 1} (${c.outcome})`);
    if (!when || (c.amount !== undefined && !amount)) return undefined;
    return { when, outcome: c.outcome, ...(amount ? { amount } : {}), ...(c.reason ? { reason: c.reason } : {}) };
  });
  const otherwise = o.otherwise as string;
  const eligibleOutcomes = o.eligibleOutcomes ?? [];
  const known = new Set([...o.cases.map((c) => c.outcome), otherwise]);
  eligibleOutcomes.forEach((e, i) => {
    if (!known.has(e)) errs.push({ path: ['outcome', 'eligibleOutcomes', i], message: `"${e}" is not an outcome of any case` });
    if (e === otherwise) errs.push({ path: ['outcome', 'eligibleOutcomes', i], message: `the otherwise outcome "${e}" cannot be eligible (it is also the outcome when a condition fails)` });
  });
  if (cases.some((c) => c === undefined)) return undefined;
  return { kind: 'named', cases: cases as NonNullable<(typeof cases)[number]>[], otherwise, eligibleOutcomes, rounding };
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

function checkTemplate(tpl: string, params: Record<string, Parameter>, path: Path, errs: PathError[]): void {
  for (const m of tpl.matchAll(PLACEHOLDER)) {
    const key = (m[1] ?? '').trim();
    if (key === 'on') continue;
    const name = key.startsWith('params.') ? key.slice(7) : undefined;
    if (!name || !params[name]) errs.push({ path, message: `unknown placeholder {${key}}; use {params.<name>} or {on}` });
  }
}

function compile(penv: PolicyEnv, loc: Locator, file: string, path: Path, text: string, kind: ExprKind, where: string, out: LoadError[]): Formula | undefined {
  try {
    const node = compileExpression(penv, text, kind);
    const params = new Set<string>();
    walk(node, (n) => {
      if (n.op === 'param') params.add(n.name);
    });
    return { text, node, where, params: [...params] };
  } catch (e) {
    if (!(e instanceof ExprError)) throw e;
    const snippet = e.end > e.start ? ` (at "${text.slice(e.start, e.end).slice(0, 40)}")` : '';
    out.push({ file, ...loc.exprPos(path, e.start), message: `${where}: ${e.message}${snippet}` });
    return undefined;
  }
}

export interface LoadManyResult {
  policies: Policy[];
  errors: LoadError[];
}

/** Loads many files; files with errors are left out, and so are files whose periods overlap another version of the same policy. */
export function loadPolicies(files: readonly { name: string; text: string }[]): LoadManyResult {
  const loaded: { policy: Policy; loc: LoadError }[] = [];
  const errors: LoadError[] = [];
  for (const f of files) {
    let r: LoadResult;
    try {
      r = loadPolicy(f.text, f.name);
    } catch (e) {
      r = { ok: false, errors: [{ file: f.name, line: 1, column: 1, message: `internal error while loading: ${(e as Error).message}` }] };
    }
    if (r.ok) loaded.push({ policy: r.policy, loc: { file: f.name, ...effectiveLine(f.text), message: '' } });
    else errors.push(...r.errors);
  }
  const rejected = new Set<Policy>();
  const byId = new Map<string, { policy: Policy; loc: LoadError }[]>();
  for (const l of loaded) byId.set(l.policy.id, [...(byId.get(l.policy.id) ?? []), l]);
  for (const group of byId.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const a = group[i] as (typeof group)[number];
        const b = group[j] as (typeof group)[number];
        const clash = overlaps(a.policy, b.policy)
          ? `overlap: ${periodText(a.policy)} and ${periodText(b.policy)}`
          : a.policy.version === b.policy.version
            ? `both are version ${a.policy.version}`
            : undefined;
        if (!clash) continue;
        rejected.add(a.policy);
        rejected.add(b.policy);
        errors.push({ ...a.loc, message: `policy ${a.policy.id} v${a.policy.version} in ${a.policy.file} clashes with v${b.policy.version} in ${b.policy.file}: ${clash}` });
        errors.push({ ...b.loc, message: `policy ${b.policy.id} v${b.policy.version} in ${b.policy.file} clashes with v${a.policy.version} in ${a.policy.file}: ${clash}` });
      }
    }
  }
  return { policies: loaded.filter((l) => !rejected.has(l.policy)).map((l) => l.policy), errors };
}

const periodText = (p: Policy): string => `${p.effective.from} – ${p.effective.to ?? 'open-ended'}`;

const overlaps = (a: Policy, b: Policy): boolean =>
  (a.effective.to === null || b.effective.from <= a.effective.to) && (b.effective.to === null || a.effective.from <= b.effective.to);

function effectiveLine(text: string): { line: number; column: number } {
  const idx = text.split('\n').findIndex((l) => /^effective\s*:/.test(l));
  return { line: idx >= 0 ? idx + 1 : 1, column: 1 };
}
