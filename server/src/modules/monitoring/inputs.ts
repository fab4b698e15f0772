/**
 * Registry + feeds -> rule input, as SQL. A rule (a policy file under policies/monitoring/)
 * declares the fields of its entity; this builds exactly those, from a library of registry facts
 * and the rule's windowed aggregates over matched feed rows (sums and counts over the last N
 * months, computed here in SQL, since the CEL subset has no aggregates over tables). The same
 * library builds the inputs of the assistance policies re-evaluated in a chain.
 *
 * The assistance category of a person or household is the latest decision of the policy module's
 * batch runs (policy_latest_decision / policy_latest_verdicts, read-only here: the latest done run
 * covering the entity, eligible when it stored an eligible row for it), as the policy module's own
 * builders do.
 */
import { sqlQuote, type Policy, type Ty } from '@minsheng/rules';
import { scopeSql, type Scope } from '../../platform/auth/scope.ts';
import type { Aggregate } from './rule-file.ts';

type ObjTy = Extract<Ty, { k: 'object' }>;
export type FieldSource = string | ((ty: Ty) => string) | { list: { from: string; alias: string; orderBy: string; lib: (alias: string) => FieldLib } };
export type FieldLib = Record<string, FieldSource>;

/** Facts the registry or the feeds lack, and what is used instead (shown with re-evaluations). */
export const PLACEHOLDERS: Record<string, string> = {
  educationSpending12m: 'no education-spending feed yet: taken as 0',
  monthlyIncome: 'income items are taken as monthly amounts',
};

export const living = (p: string, on: string): string => `(${p}.deceased_on IS NULL OR ${p}.deceased_on > ${on}::date)`;

/** Whether the entity's latest decision of the policy on or before the date is eligible (policy_latest_decision, migration 060; false without one, or an error). */
export const latest = (policyId: string, entity: 'person' | 'household', idExpr: string, on: string): string =>
  `coalesce((SELECT __d.eligible FROM policy_latest_decision(${sqlQuote(policyId)}, '${entity}', ${idExpr}, ${on}::date) __d), false)`;

export const financeSum = (p: string, on: string, kind: 'income' | 'asset'): string =>
  `(SELECT coalesce(sum((__f.v->>'amount')::numeric), 0) FROM jsonb_array_elements(${p}.finance) AS __f(v)
     WHERE __f.v->>'kind' = '${kind}' AND (__f.v->>'periodFrom') <= ${on} AND (__f.v->>'periodTo' IS NULL OR (__f.v->>'periodTo') >= ${on}))`;

/** Windowed aggregate over the feed rows of the persons `personsSql` selects (ids). */
function aggregateSql(a: Aggregate, months: number, personsSql: string, on: string): string {
  const { where, agg } = aggregateParts(a, months, on);
  return `(SELECT ${agg} FROM feed_row __r WHERE ${[...where, `__r.person_id IN (${personsSql})`].join(' AND ')})`;
}

/** An aggregate's filter on feed rows `__r` (type, window, `where`) and its aggregate expression; the set-based builder groups the same. */
export function aggregateParts(a: Aggregate, months: number, on: string): { where: string[]; agg: string } {
  const where = [`__r.feed_type = ${sqlQuote(a.feed)}`,
    `__r.event_date > (${on}::date - interval '${months} months')::date`, `__r.event_date <= ${on}::date`,
    ...Object.entries(a.where ?? {}).map(([k, v]) => `__r.data->>${sqlQuote(k)} = ${sqlQuote(String(v))}`)];
  const val = a.field ? `(__r.data->>${sqlQuote(a.field)})` : '';
  const agg = a.fn === 'count' ? 'count(*)'
    : a.fn === 'sum' ? `coalesce(sum(${val}::numeric), 0)`
      : a.field === 'date' || a.field?.endsWith('Date') ? `${a.fn}(${val})` : `${a.fn}(${val}::numeric)`;
  return { where, agg };
}

export interface Aggregates { own: Record<string, { agg: Aggregate; months: number }>; members: Record<string, { agg: Aggregate; months: number }> }

export function personLib(p: string, on: string, aggs: Aggregates['own']): FieldLib {
  const dibao = latest('tianjin/dibao', 'household', `${p}.household_id`, on);
  const tekun = latest('tianjin/tekun', 'person', `${p}.id`, on);
  const edge = latest('tianjin/dibao-edge', 'household', `${p}.household_id`, on);
  const lib: FieldLib = {
    name: `${p}.name`,
    birthDate: `to_char(${p}.birth_date, 'YYYY-MM-DD')`,
    age: `extract(year from age(${on}::date, ${p}.birth_date))::int`,
    sex: `${p}.sex`,
    hukouRegion: `${p}.hukou_region`,
    residenceCommunity: `${p}.residence_community`,
    streetCode: `left(${p}.residence_community, 9) || '000'`,
    abilityLevel: `coalesce(${p}.ability_level, 'intact')`,
    disabilityCategory: `${p}.disability_category`,
    disabilityGrade: `${p}.disability_grade`,
    livingArrangement: `${p}.living_arrangement`,
    livesAlone: `coalesce(${p}.living_arrangement = 'alone', false)`,
    deceased: `NOT ${living(p, on)}`,
    monthlyIncome: financeSum(p, on, 'income'),
    financialAssets: financeSum(p, on, 'asset'),
    assistance: `CASE WHEN ${tekun} THEN 'tekun' WHEN ${dibao} THEN 'dibao' WHEN ${edge} THEN 'dibao-edge' ELSE 'none' END`,
    receivesDisabilityAllowance: `(${latest('tianjin/disability-living-allowance', 'person', `${p}.id`, on)} OR ${latest('tianjin/severe-disability-care-allowance', 'person', `${p}.id`, on)})`,
    // A living spouse (as the policy builder reads it): a relation to a late spouse does not count.
    hasSpouse: `(EXISTS (SELECT 1 FROM person_relation __sr JOIN person __so ON __so.id = CASE WHEN __sr.person_id = ${p}.id THEN __sr.related_person_id ELSE __sr.person_id END
        WHERE __sr.kind = 'spouse' AND (__sr.person_id = ${p}.id OR __sr.related_person_id = ${p}.id) AND ${living('__so', on)})
      OR EXISTS (SELECT 1 FROM person __sp WHERE __sp.household_id = ${p}.household_id AND __sp.id <> ${p}.id AND ${living('__sp', on)}
        AND ((${p}.household_relation = 'head' AND __sp.household_relation = 'spouse') OR (${p}.household_relation = 'spouse' AND __sp.household_relation = 'head'))))`,
    // Children and legal supporters (赡养/抚养/扶养义务人) are related persons (person_relation).
    children: {
      list: {
        from: `person_relation __cr JOIN person __c${p} ON __c${p}.id = __cr.related_person_id WHERE __cr.kind = 'child' AND __cr.person_id = ${p}.id AND ${living(`__c${p}`, on)}`,
        alias: `__c${p}`, orderBy: `__c${p}.id`,
        lib: (c) => ({
          birthDate: `to_char(${c}.birth_date, 'YYYY-MM-DD')`, streetCode: `left(${c}.residence_community, 9) || '000'`,
          livesWithParent: `coalesce(${c}.household_id = ${p}.household_id, false)`,
          sameStreet: `coalesce(left(${c}.residence_community, 9) = left(${p}.residence_community, 9), false)`,
        }),
      },
    },
  };
  if (!p.startsWith('__s')) {
    lib.supporters = {
      list: {
        from: `person_relation __pr JOIN person __s${p} ON __s${p}.id = __pr.related_person_id WHERE __pr.kind IN ('supporter', 'child') AND __pr.person_id = ${p}.id AND ${living(`__s${p}`, on)}`,
        alias: `__s${p}`, orderBy: `__s${p}.id`,
        lib: (sup) => personLib(sup, on, {}),
      },
    };
  }
  for (const [name, { agg, months }] of Object.entries(aggs)) lib[name] = aggregateSql(agg, months, `SELECT ${p}.id`, on);
  return lib;
}

export function householdLib(h: string, on: string, aggs: Aggregates): FieldLib {
  const members = `person __m WHERE __m.household_id = ${h}.id AND ${living('__m', on)}`;
  // A living member's tekun decision: a 特困 person who has died no longer makes the household assisted.
  const tekunAny = `EXISTS (SELECT 1 FROM person __t WHERE __t.household_id = ${h}.id AND ${living('__t', on)} AND ${latest('tianjin/tekun', 'person', '__t.id', on)})`;
  const allMembers = `SELECT __a.id FROM person __a WHERE __a.household_id = ${h}.id`;
  const lib: FieldLib = {
    householdNo: `${h}.household_no`,
    headName: `coalesce((SELECT __hd.name FROM person __hd WHERE __hd.id = ${h}.head_person_id), '')`,
    residenceCommunity: `${h}.residence_community`,
    size: `(SELECT count(*) FROM ${members})`,
    monthlyIncome: `(SELECT coalesce(sum(${financeSum('__m', on, 'income')}), 0) FROM ${members})`,
    earners: `(SELECT count(*) FROM ${members} AND ${financeSum('__m', on, 'income')} > 0)`,
    financialAssets: `(SELECT coalesce(sum(${financeSum('__m', on, 'asset')}), 0) FROM ${members})`,
    assistance: `CASE WHEN ${tekunAny} THEN 'tekun' WHEN ${latest('tianjin/dibao', 'household', `${h}.id`, on)} THEN 'dibao'
      WHEN ${latest('tianjin/dibao-edge', 'household', `${h}.id`, on)} THEN 'dibao-edge' ELSE 'none' END`,
    // The 刚性支出 policy's fields: its window is in the name.
    medicalOutOfPocket12m: aggregateSql({ feed: 'medical', fn: 'sum', field: 'outOfPocket' }, 12, allMembers, on),
    educationSpending12m: '0',
    members: {
      list: {
        from: members, alias: '__m', orderBy: `(__m.household_relation = 'head') DESC, __m.id`,
        lib: (m) => ({ ...personLib(m, on, aggs.members), relation: `${m}.household_relation` }),
      },
    },
  };
  for (const [name, { agg, months }] of Object.entries(aggs.own)) lib[name] = aggregateSql(agg, months, allMembers, on);
  return lib;
}

export function project(ty: ObjTy, lib: FieldLib, path: string, missing: string[]): string {
  const parts: string[] = [];
  for (const [name, f] of Object.entries(ty.fields)) {
    const src = lib[name];
    if (src === undefined) {
      if (!f.optional) missing.push(`${path}.${name}`);
      continue;
    }
    let sql: string;
    if (typeof src === 'string') sql = src;
    else if (typeof src === 'function') sql = src(f.ty);
    else {
      const elem = f.ty.k === 'list' ? f.ty.of : undefined;
      if (!elem || elem.k !== 'object') { missing.push(`${path}.${name} (a list of records)`); continue; }
      sql = `coalesce((SELECT jsonb_agg(${project(elem, src.list.lib(src.list.alias), `${path}.${name}[]`, missing)} ORDER BY ${src.list.orderBy}) FROM ${src.list.from}), '[]'::jsonb)`;
    }
    parts.push(`${sqlQuote(name)}, ${sql}`);
  }
  return `jsonb_build_object(${parts.join(', ')})`;
}

export interface InputQuery { sql: string; entity: 'person' | 'household'; missing: string[] }

export interface InputTarget {
  scope: Scope;
  /** Only these persons (person rules), or the households of these persons (household rules). */
  personIds?: readonly number[] | undefined;
  /** Only this household (and, for person rules, its members). */
  householdId?: number | undefined;
}

/**
 * `(id, input)` for every person (living, or died within the last year: a death is what some rules
 * look for) or every household with a member, in the scope. Values go into `params`.
 */
export function inputQuery(policy: Policy, on: string, aggs: Aggregates, target: InputTarget, params: unknown[]): InputQuery {
  const entity = policy.entity === 'household' ? 'household' : 'person';
  const onSql = sqlQuote(on);
  const missing: string[] = [];
  const alias = entity === 'person' ? 'p' : 'h';
  const lib = entity === 'person' ? personLib('p', onSql, aggs.own) : householdLib('h', onSql, aggs);
  const obj = project(policy.inputType, lib, policy.entity, missing);
  const where: string[] = [];
  if (entity === 'person') {
    where.push(`(p.deceased_on IS NULL OR p.deceased_on > (${onSql}::date - 366))`, scopeSql(target.scope, 'p.residence_community', 'p.grid_id', params));
    if (target.personIds) { params.push(target.personIds); where.push(`p.id = ANY ($${params.length}::bigint[])`); }
    if (target.householdId !== undefined) { params.push(target.householdId); where.push(`p.household_id = $${params.length}`); }
  } else {
    where.push(`EXISTS (SELECT 1 FROM person __l WHERE __l.household_id = h.id)`, scopeSql(target.scope, 'h.residence_community', 'h.grid_id', params));
    if (target.personIds) { params.push(target.personIds); where.push(`h.id IN (SELECT household_id FROM person WHERE id = ANY ($${params.length}::bigint[]))`); }
    if (target.householdId !== undefined) { params.push(target.householdId); where.push(`h.id = $${params.length}`); }
  }
  const table = entity === 'person' ? 'person' : 'household';
  return { sql: `SELECT ${alias}.id AS id, jsonb_build_object(${sqlQuote(policy.entity)}, ${obj}) AS input FROM ${table} ${alias} WHERE ${where.join(' AND ')}`, entity, missing };
}
