/**
 * The policy file format (see packages/rules/README.md). zod checks the structure and rejects
 * unknown fields; the type language of `inputs` and `parameters` is parsed by hand so that each
 * mistake is reported at its own line.
 */
import { z } from 'zod';
import type { Ty } from './types.ts';
import { isValidDate } from './values.ts';

const dateString = z.string().refine(isValidDate, { message: 'must be a date YYYY-MM-DD' });
const text = z.string().trim().min(1, { message: 'must not be empty' });

export const LocalTextSchema = z.object({ zh: text, en: text.optional() }).strict();

export const CitationSchema = z
  .object({
    document: text,
    number: text.optional(),
    article: text.optional(),
    published: dateString.optional(),
    url: z.url().optional(),
  })
  .strict();

const SourceRef = z.union([text, CitationSchema], {
  error: 'source must be a document name or {document, number?, article?, published?, url?}',
});

export const ParamValueSchema = z
  .object({
    from: dateString,
    value: z.unknown(),
    source: SourceRef.optional(),
    example: z.boolean().optional(),
    note: text.optional(),
  })
  .strict();

export const ParameterSchema = z
  .object({
    type: z.unknown(),
    unit: text.optional(),
    description: text.optional(),
    values: z.array(ParamValueSchema).min(1, { message: 'a parameter needs at least one dated value' }),
  })
  .strict();

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export const ConditionSchema = z
  .object({
    id: z.string().regex(ID, { message: 'condition ids use letters, digits, - and _' }),
    expr: text,
    reason: LocalTextSchema,
    expected: text.optional(),
  })
  .strict();

const ROUNDING = ['none', 'yuan-up', 'yuan-down', 'fen'] as const;

export const CaseSchema = z
  .object({
    when: text,
    outcome: z.string().regex(ID, { message: 'outcome names use letters, digits, - and _' }),
    amount: text.optional(),
    reason: LocalTextSchema.optional(),
  })
  .strict();

export const OutcomeSchema = z
  .object({
    amount: text.optional(),
    rounding: z.enum(ROUNDING).optional(),
    cases: z.array(CaseSchema).min(1).optional(),
    otherwise: z.string().regex(ID).optional(),
    eligibleOutcomes: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.cases) {
      if (o.amount !== undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'with cases, put the amount on each case' });
      if (o.otherwise === undefined) ctx.addIssue({ code: 'custom', path: ['cases'], message: 'named outcomes need `otherwise` (the outcome when no case applies)' });
      if (o.eligibleOutcomes === undefined) ctx.addIssue({ code: 'custom', path: ['cases'], message: 'named outcomes need `eligibleOutcomes` (which outcomes count as eligible)' });
    } else if (o.otherwise !== undefined || o.eligibleOutcomes !== undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: '`otherwise` and `eligibleOutcomes` go with `cases`' });
    }
  });

export const TestExpectSchema = z
  .object({
    eligible: z.boolean().optional(),
    outcome: z.string().optional(),
    amount: z.number().nullable().optional(),
    failed: z.array(z.string()).optional(),
    error: text.optional(),
  })
  .strict()
  .refine((e) => Object.keys(e).length > 0, { message: 'expect needs at least one of eligible, outcome, amount, failed, error' });

export const TestCaseSchema = z
  .object({
    name: text,
    on: dateString,
    input: z.unknown(),
    expect: TestExpectSchema,
  })
  .strict();

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const PolicyFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'policy ids use lowercase letters, digits, ".", "-" and "_"' }),
    version: z.number().int().min(1),
    title: z.object({ zh: text, en: text }).strict(),
    description: LocalTextSchema.optional(),
    source: z
      .object({ document: text, number: text.optional(), published: dateString, url: z.url().optional(), article: text.optional() })
      .strict(),
    effective: z.object({ from: dateString, to: dateString.nullable().optional() }).strict(),
    entity: z.string().regex(IDENT, { message: 'the entity is a name like person, household, family, purchase' }),
    inputs: z.record(z.string(), z.unknown()),
    parameters: z.record(z.string(), ParameterSchema).optional(),
    conditions: z.array(ConditionSchema),
    outcome: OutcomeSchema.optional(),
    tests: z.array(TestCaseSchema).optional(),
  })
  .strict();

export type PolicyFile = z.infer<typeof PolicyFileSchema>;

/** An error at a path inside the file (resolved to a line by the loader). */
export interface PathError {
  path: (string | number)[];
  message: string;
  /** Point at the key of the last path element rather than its value. */
  atKey?: boolean;
}

const RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let',
  'loop', 'package', 'namespace', 'return', 'var', 'void', 'while', 'on', 'params', 'has', 'cel',
]);

export function checkIdentifier(name: string, what: string, path: (string | number)[], errs: PathError[]): boolean {
  if (!IDENT.test(name)) {
    errs.push({ path, atKey: true, message: `${what} "${name}" must be a name of letters, digits and _ (not starting with a digit)` });
    return false;
  }
  if (RESERVED.has(name)) {
    errs.push({ path, atKey: true, message: `${what} "${name}" is a reserved word in expressions; choose another name` });
    return false;
  }
  return true;
}

const SCALARS: Record<string, Ty> = {
  string: { k: 'string' },
  int: { k: 'int' },
  number: { k: 'number' },
  bool: { k: 'bool' },
  date: { k: 'string', date: true },
  datetime: { k: 'timestamp' },
};

const TYPE_HELP = 'use string, int, number, bool, date, datetime, {enum: [...]}, {list: ...} or {object: {...}}';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a type: `int`, `{enum: [a, b]}`, `{list: <type or fields>}`, `{object: {fields}}`. */
export function parseType(spec: unknown, path: (string | number)[], name: string, errs: PathError[], allowObjects: boolean): Ty | undefined {
  if (typeof spec === 'string') {
    const t = SCALARS[spec];
    if (!t) errs.push({ path, message: `unknown type "${spec}"; ${TYPE_HELP}` });
    return t;
  }
  if (!isRecord(spec) || Object.keys(spec).length !== 1) {
    errs.push({ path, message: `not a type; ${TYPE_HELP}` });
    return undefined;
  }
  const [key, inner] = Object.entries(spec)[0] as [string, unknown];
  switch (key) {
    case 'enum': {
      if (!Array.isArray(inner) || inner.length === 0 || !inner.every((x) => typeof x === 'string' && x.length > 0)) {
        errs.push({ path: [...path, 'enum'], message: 'enum needs a list of text values, like {enum: [tianjin, other]}' });
        return undefined;
      }
      const dup = inner.find((x, i) => inner.indexOf(x) !== i);
      if (dup !== undefined) errs.push({ path: [...path, 'enum'], message: `enum value "${String(dup)}" is listed twice` });
      return { k: 'string', enum: inner as string[] };
    }
    case 'list': {
      let of: Ty | undefined;
      if (isRecord(inner) && !('enum' in inner) && !('object' in inner) && !('list' in inner)) {
        if (!allowObjects) {
          errs.push({ path: [...path, 'list'], message: 'parameters hold scalars or lists of scalars, not objects' });
          return undefined;
        }
        of = parseFields(inner, [...path, 'list'], `${name}[]`, errs);
      } else of = parseType(inner, [...path, 'list'], `${name}[]`, errs, allowObjects);
      return of && { k: 'list', of };
    }
    case 'object': {
      if (!allowObjects || !isRecord(inner)) {
        errs.push({ path: [...path, 'object'], message: allowObjects ? 'object needs a map of fields' : 'parameters cannot be objects' });
        return undefined;
      }
      return parseFields(inner, [...path, 'object'], name, errs);
    }
    default:
      errs.push({ path, message: `unknown type key "${key}"; ${TYPE_HELP}` });
      return undefined;
  }
}

/** Parses a map of fields; each is a type or `{type, optional?, description?}`. */
export function parseFields(spec: Record<string, unknown>, path: (string | number)[], name: string, errs: PathError[]): Extract<Ty, { k: 'object' }> | undefined {
  const fields: Record<string, { ty: Ty; optional: boolean; description?: string }> = {};
  let ok = true;
  for (const [field, fspec] of Object.entries(spec)) {
    const fpath = [...path, field];
    if (!checkIdentifier(field, 'field', fpath, errs)) {
      ok = false;
      continue;
    }
    let typeSpec: unknown = fspec;
    let optional = false;
    let description: string | undefined;
    if (isRecord(fspec) && 'type' in fspec) {
      for (const k of Object.keys(fspec)) {
        if (k !== 'type' && k !== 'optional' && k !== 'description') {
          errs.push({ path: [...fpath, k], atKey: true, message: `unknown field "${k}" in the declaration of ${field} (allowed: type, optional, description)` });
          ok = false;
        }
      }
      if (fspec.optional !== undefined && typeof fspec.optional !== 'boolean') errs.push({ path: [...fpath, 'optional'], message: 'optional must be true or false' });
      optional = fspec.optional === true;
      description = typeof fspec.description === 'string' ? fspec.description : undefined;
      typeSpec = fspec.type;
      fpath.push('type');
    }
    const ty = parseType(typeSpec, fpath, `${name}.${field}`, errs, true);
    if (!ty) ok = false;
    else fields[field] = description === undefined ? { ty, optional } : { ty, optional, description };
  }
  return ok ? { k: 'object', name, fields } : undefined;
}
