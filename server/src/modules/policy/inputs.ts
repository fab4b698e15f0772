/**
 * Registry -> policy input, as SQL. For a policy with a builder, `inputRelation` returns a query
 * yielding `(id, input jsonb)` for every living person (or every household with a living member)
 * in the caller's scope, with `input` exactly in the policy's declared shape: the builder offers
 * a library of fields it can compute from the registry, and only the fields the policy declares
 * are built (objects and lists of objects recursively). A declared, required field the registry
 * cannot supply is a clear error before anything runs.
 *
 * Where the registry has no such fact yet, the field is a documented placeholder (see PLACEHOLDERS);
 * the run summary lists the placeholders the policy used.
 *
 * Order of batch runs (decisions are read from policy_decision, latest on or before the date):
 *   1. tianjin/dibao, tianjin/dibao-edge (households), tianjin/tekun (persons)
 *   2. tianjin/concentrated-care-subsidy (reads the dibao decision of the person's household)
 *      tianjin/elder-alone-guard (reads the assistance categories)
 */
import { sqlQuote, type Policy, type Ty } from '@minsheng/rules';
import { AppError } from '../../platform/errors.ts';
import { scopeSql, type Scope } from '../../platform/auth/scope.ts';

type Entity = 'person' | 'household';
type ObjTy = Extract<Ty, { k: 'object' }>;

/** A field the registry can supply: an SQL expression, or a list of sub-records built the same way. */
type FieldSource =
  | string
  | ((ty: Ty) => string)
  | { list: { from: () => string; alias: string; orderBy: string; lib: (alias: string, on: string) => FieldLib } };
type FieldLib = Record<string, FieldSource>;

export interface InputBuilder {
  entity: Entity;
  /** Policies whose stored decisions this builder reads (run them first). */
  reads: string[];
}

/** Facts the registry lacks, and what the builders use instead (also shown in run summaries). */
export const PLACEHOLDERS: Record<string, string> = {
  voluntary: 'the registry does not record whether a stay in an institution is voluntary: taken as true',
  institutionDays: 'the registry has no admission date: days since the earliest history snapshot of the current unbroken run of living_arrangement = institution (0 when not in an institution)',
  daysInCare: 'the registry has no admission date: days since the earliest history snapshot of the current unbroken run of living_arrangement = institution (0 when not in an institution)',
  monthlyCareFee: 'the registry has no care fees: the sum of current finance items of category care-fee (0 when none)',
  vehicles: 'vehicles are counted from current finance asset items of category vehicle',
  monthlyIncome: 'income items are taken as monthly amounts (the demo city writes them with note "monthly")',
};

export const BUILDERS: Record<string, InputBuilder> = {
  'tianjin/dibao': { entity: 'household', reads: [] },
  'tianjin/dibao-edge': { entity: 'household', reads: [] },
  'tianjin/tekun': { entity: 'person', reads: [] },
  'tianjin/concentrated-care-subsidy': { entity: 'person', reads: ['tianjin/dibao'] },
  'tianjin/elder-alone-guard': { entity: 'person', reads: ['tianjin/dibao', 'tianjin/tekun', 'tianjin/dibao-edge'] },
  // The rules package's fixtures, while policies/tianjin is being written.
  'tianjin.assistance.dibao-tier': { entity: 'household', reads: [] },
  'tianjin.eldercare.concentrated-care-subsidy': { entity: 'person', reads: ['tianjin/dibao'] },
};

export function builderFor(publicId: string, policy: Policy): InputBuilder | undefined {
  return BUILDERS[publicId] ?? BUILDERS[policy.id];
}

// ---- SQL pieces over a person alias ----

const financeSum = (p: string, on: string, kind: 'income' | 'asset' | null, category?: string): string =>
  `(SELECT coalesce(sum((__f.v->>'amount')::numeric), 0) FROM jsonb_array_elements(${p}.finance) AS __f(v)
     WHERE ${kind ? `__f.v->>'kind' = '${kind}'` : 'true'}${category ? ` AND __f.v->>'category' = ${sqlQuote(category)}` : ''}
       AND (__f.v->>'periodFrom') <= ${on} AND (__f.v->>'periodTo' IS NULL OR (__f.v->>'periodTo') >= ${on}))`;
const financeCount = (p: string, on: string, category: string): string =>
  `(SELECT count(*) FROM jsonb_array_elements(${p}.finance) AS __f(v)
     WHERE __f.v->>'kind' = 'asset' AND __f.v->>'category' = ${sqlQuote(category)}
       AND (__f.v->>'periodFrom') <= ${on} AND (__f.v->>'periodTo' IS NULL OR (__f.v->>'periodTo') >= ${on}))`;

const age = (p: string, on: string): string => `extract(year from age(${on}::date, ${p}.birth_date))::int`;
const living = (p: string, on: string): string => `(${p}.deceased_on IS NULL OR ${p}.deceased_on > ${on}::date) AND ${p}.birth_date <= ${on}::date`;
const enumHas = (ty: Ty, v: string): boolean => ty.k === 'string' && (ty.enum?.includes(v) ?? false);

/** The latest stored decision of a policy for an entity on or before the date. */
const latest = (policyId: string, entity: Entity, idExpr: string, on: string, col: 'outcome' | 'eligible'): string =>
  `(SELECT __d.${col} FROM policy_decision __d WHERE __d.policy_id = ${sqlQuote(policyId)} AND __d.entity = '${entity}'
     AND __d.entity_id = ${idExpr} AND __d.on_date <= ${on}::date ORDER BY __d.on_date DESC, __d.run_id DESC LIMIT 1)`;

/** Ability level (能力等级) as the policy spells disability: the registry's words, or none..total. */
const disability = (p: string) => (ty: Ty): string => enumHas(ty, 'complete') || enumHas(ty, 'intact')
  ? `coalesce(${p}.ability_level, 'intact')`
  : `CASE coalesce(${p}.ability_level, 'intact') WHEN 'intact' THEN 'none' WHEN 'complete' THEN 'total' ELSE ${p}.ability_level END`;

const hukou = (p: string) => (ty: Ty): string => enumHas(ty, 'tianjin')
  ? `CASE WHEN ${p}.hukou_region LIKE '12%' THEN 'tianjin' ELSE 'other' END`
  : `(${p}.hukou_region LIKE '12%')`;

function personLib(p: string, on: string): FieldLib {
  const dibaoEligible = `coalesce(${latest('tianjin/dibao', 'household', `${p}.household_id`, on, 'eligible')}, false)`;
  const tekun = `coalesce(${latest('tianjin/tekun', 'person', `${p}.id`, on, 'eligible')}, false)`;
  const edge = `coalesce(${latest('tianjin/dibao-edge', 'household', `${p}.household_id`, on, 'eligible')}, false)`;
  const inInstitution = `${p}.living_arrangement = 'institution'`;
  const institutionDays = `CASE WHEN ${inInstitution} THEN greatest(0, ${on}::date - coalesce((
      SELECT min((__h.changed_at AT TIME ZONE 'Asia/Shanghai')::date) FROM record_history __h
      WHERE __h.entity = 'person' AND __h.entity_id = ${p}.id
        AND __h.version > coalesce((SELECT max(__x.version) FROM record_history __x WHERE __x.entity = 'person' AND __x.entity_id = ${p}.id
          AND coalesce(__x.after->>'livingArrangement', '') <> 'institution'), 0)), ${on}::date)) ELSE 0 END`;
  const spouse = `(EXISTS (SELECT 1 FROM person_relation __r WHERE __r.kind = 'spouse' AND (__r.person_id = ${p}.id OR __r.related_person_id = ${p}.id))
      OR (${p}.household_relation = 'head' AND EXISTS (SELECT 1 FROM person __s WHERE __s.household_id = ${p}.household_id AND __s.household_relation = 'spouse' AND ${living('__s', on)}))
      OR (${p}.household_relation = 'spouse' AND EXISTS (SELECT 1 FROM person __s WHERE __s.household_id = ${p}.household_id AND __s.household_relation = 'head' AND ${living('__s', on)})))`;
  return {
    birthDate: `to_char(${p}.birth_date, 'YYYY-MM-DD')`,
    age: age(p, on),
    sex: `${p}.sex`,
    hukou: hukou(p),
    hukouTianjin: `(${p}.hukou_region LIKE '12%')`,
    hukouRegion: `${p}.hukou_region`,
    residenceCommunity: `${p}.residence_community`,
    residenceStreet: `left(${p}.residence_community, 9) || '000'`,
    streetCode: `left(${p}.residence_community, 9) || '000'`,
    residenceDistrict: `left(${p}.residence_community, 6) || '000000'`,
    disability: disability(p),
    abilityLevel: disability(p),
    disabilityCategory: `${p}.disability_category`,
    disabilityGrade: `${p}.disability_grade`,
    livingArrangement: `${p}.living_arrangement`,
    livesAlone: `coalesce(${p}.living_arrangement = 'alone', false)`,
    monthlyIncome: financeSum(p, on, 'income'),
    financialAssets: financeSum(p, on, 'asset'),
    vehicles: financeCount(p, on, 'vehicle'),
    hasSpouse: spouse,
    dibaoFamily: dibaoEligible,
    dibaoFamilyMember: dibaoEligible,
    tekun,
    dibaoEdge: edge,
    assistance: `CASE WHEN ${tekun} THEN 'tekun' WHEN ${dibaoEligible} THEN 'dibao' WHEN ${edge} THEN 'dibao-edge' ELSE 'none' END`,
    institutionDays,
    daysInCare: institutionDays,
    inInstitution: `coalesce(${inInstitution}, false)`,
    voluntary: 'true',
    monthlyCareFee: financeSum(p, on, null, 'care-fee'),
    children: {
      list: {
        from: () => `person_relation __cr JOIN person __c ON __c.id = __cr.related_person_id WHERE __cr.kind = 'child' AND __cr.person_id = ${p}.id AND ${living('__c', on)}`,
        alias: '__c', orderBy: '__c.id',
        lib: (c, o) => ({
          birthDate: `to_char(${c}.birth_date, 'YYYY-MM-DD')`,
          age: age(c, o),
          residenceStreet: `left(${c}.residence_community, 9) || '000'`,
          street: `left(${c}.residence_community, 9) || '000'`,
          streetCode: `left(${c}.residence_community, 9) || '000'`,
          sameStreet: `coalesce(left(${c}.residence_community, 9) = left(${p}.residence_community, 9), false)`,
          livesWithParent: `coalesce(${c}.household_id = ${p}.household_id, false)`,
        }),
      },
    },
  };
}

function householdLib(h: string, on: string): FieldLib {
  const members = `person __m WHERE __m.household_id = ${h}.id AND ${living('__m', on)}`;
  const head = `(SELECT __hd.hukou_region FROM person __hd WHERE __hd.household_id = ${h}.id AND __hd.household_relation = 'head' LIMIT 1)`;
  return {
    registeredIn: (ty) => enumHas(ty, 'tianjin') ? `CASE WHEN ${head} LIKE '12%' THEN 'tianjin' ELSE 'other' END` : `coalesce(${head} LIKE '12%', false)`,
    residenceCommunity: `${h}.residence_community`,
    size: `(SELECT count(*) FROM ${members})`,
    monthlyIncome: `(SELECT coalesce(sum(${financeSum('__m', on, 'income')}), 0) FROM ${members})`,
    financialAssets: `(SELECT coalesce(sum(${financeSum('__m', on, 'asset')}), 0) FROM ${members})`,
    vehicles: `(SELECT coalesce(sum(${financeCount('__m', on, 'vehicle')}), 0) FROM ${members})`,
    members: {
      list: {
        from: () => members,
        alias: '__m', orderBy: `(__m.household_relation = 'head') DESC, __m.id`,
        lib: (m, o) => ({
          ...personLib(m, o),
          relation: (ty: Ty) => enumHas(ty, 'head') ? `${m}.household_relation`
            : `CASE ${m}.household_relation WHEN 'head' THEN 'applicant' WHEN 'grandparent' THEN 'parent' WHEN 'child-in-law' THEN 'child' ELSE ${m}.household_relation END`,
        }),
      },
    },
  };
}

/** Builds `jsonb_build_object(...)` with exactly the declared fields; collects the missing ones. */
function project(ty: ObjTy, lib: FieldLib, on: string, path: string, missing: string[], used: Set<string>): string {
  const parts: string[] = [];
  for (const [name, f] of Object.entries(ty.fields)) {
    const src = lib[name];
    const p = `${path}.${name}`;
    if (src === undefined) {
      if (!f.optional) missing.push(p);
      continue;
    }
    if (PLACEHOLDERS[name]) used.add(name);
    let sql: string;
    if (typeof src === 'string') sql = src;
    else if (typeof src === 'function') sql = src(f.ty);
    else {
      const elem = f.ty.k === 'list' ? f.ty.of : undefined;
      if (!elem || elem.k !== 'object') { missing.push(`${p} (the registry gives a list of records here)`); continue; }
      const { from, alias, orderBy, lib: sub } = src.list;
      const inner = project(elem, sub(alias, on), on, `${p}[]`, missing, used);
      sql = `coalesce((SELECT jsonb_agg(${inner} ORDER BY ${orderBy}) FROM ${from()}), '[]'::jsonb)`;
    }
    parts.push(`${sqlQuote(name)}, ${sql}`);
  }
  return `jsonb_build_object(${parts.join(', ')})`;
}

export interface InputSql {
  sql: string;
  entity: Entity;
  reads: string[];
  placeholders: Record<string, string>;
}

/**
 * The input relation of a policy over the registry in a scope; values of the scope go into
 * `params`. Throws a validation AppError when the policy has no builder or asks for facts the
 * registry cannot supply.
 */
export function inputRelation(publicId: string, policy: Policy, on: string, scope: Scope, params: unknown[]): InputSql {
  const builder = builderFor(publicId, policy);
  if (!builder) {
    throw new AppError('validation', `policy ${publicId} has no registry input builder: it can be evaluated one input at a time, but not batch-run (add one in server/src/modules/policy/inputs.ts)`, { field: 'policy' });
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(on)) throw new AppError('validation', `on: expected a date YYYY-MM-DD`, { field: 'on' });
  const onSql = sqlQuote(on);
  const missing: string[] = [];
  const used = new Set<string>();
  const alias = builder.entity === 'person' ? 'p' : 'h';
  const lib = builder.entity === 'person' ? personLib('p', onSql) : householdLib('h', onSql);
  const obj = project(policy.inputType, lib, onSql, policy.entity, missing, used);
  if (missing.length > 0) {
    throw new AppError('validation', `the registry cannot supply ${missing.join(', ')} for policy ${publicId}; extend its builder in server/src/modules/policy/inputs.ts`, { field: missing[0], missing });
  }
  const where = builder.entity === 'person'
    ? `${living('p', onSql)} AND ${scopeSql(scope, 'p.residence_community', 'p.grid_id', params)}`
    : `EXISTS (SELECT 1 FROM person __l WHERE __l.household_id = h.id AND ${living('__l', onSql)}) AND ${scopeSql(scope, 'h.residence_community', 'h.grid_id', params)}`;
  const table = builder.entity === 'person' ? 'person' : 'household';
  const sql = `SELECT ${alias}.id AS id, jsonb_build_object(${sqlQuote(policy.entity)}, ${obj}) AS input FROM ${table} ${alias} WHERE ${where}`;
  return { sql, entity: builder.entity, reads: builder.reads, placeholders: Object.fromEntries([...used].map((k) => [k, PLACEHOLDERS[k] as string])) };
}
