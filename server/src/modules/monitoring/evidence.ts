/**
 * Which entities a whole-registry run may skip, proved per rule from the rule itself.
 *
 * A warning is raised only when ALL conditions of the rule hold. If one condition reads nothing but
 * evidence fields — the rule's own windowed aggregates, the assistance category, the recorded death
 * (and parameters, `on`) — and it is false when every such field it reads is empty (no feed rows:
 * count 0, sum 0, min/max absent; category `none`; not deceased), then an entity with none of that
 * evidence cannot raise the warning, whatever else its record says: the run may look only at the
 * entities with some of it (union of the fields' entities; several such conditions: intersection).
 * The check runs the condition itself with the rules package's interpreter on the empty values, so
 * it holds for the rule as written, on the run's date and parameters; a rule for which no condition
 * qualifies (e.g. one reading incomes, which may be negative) is run over the whole registry.
 *
 * Not covered by the proof: a skipped entity whose OTHER conditions would have failed with an
 * evaluation error is not counted in the run's `errors` (it raises no warning either way).
 */
import { evaluate, type JsonObject, type JsonValue, type Policy, type Ty } from '@minsheng/rules';
import type { MonitoringRule } from './rule-file.ts';

type IrNode = Policy['conditions'][number]['node'];

/** Collects the root input fields a node reads; false when it reads the root object some other way (the whole input). */
function rootFields(node: IrNode, out: Set<string>): boolean {
  if ((node.op === 'field' || node.op === 'has') && node.obj.op === 'root') { out.add(node.name); return true; }
  if (node.op === 'root') return false;
  for (const child of Object.values(node) as unknown[]) {
    const kids = Array.isArray(child) ? child : [child];
    for (const k of kids) if (k && typeof k === 'object' && 'op' in k && !rootFields(k as IrNode, out)) return false;
  }
  return true;
}

/**
 * The root input fields any formula of the policy reads (conditions, amounts, case tests); null
 * when one reads the input object whole.
 */
export function readFields(policy: Policy): Set<string> | null {
  const o = policy.outcome;
  const nodes: IrNode[] = policy.conditions.map((c) => c.node);
  if (o.kind === 'eligibility') { if (o.amount) nodes.push(o.amount.node); } else for (const k of o.cases) { nodes.push(k.when.node); if (k.amount) nodes.push(k.amount.node); }
  const out = new Set<string>();
  return nodes.every((n) => rootFields(n, out)) ? out : null;
}

/** A value of the declared type for fields the examined condition does not read (it reads only evidence fields). */
export function filler(ty: Ty, on: string): JsonValue {
  switch (ty.k) {
    case 'int': case 'number': return 0;
    case 'bool': return false;
    case 'string': return ty.enum?.[0] ?? (ty.date ? on : '');
    case 'timestamp': return `${on}T00:00:00Z`;
    case 'list': return [];
    case 'object': return Object.fromEntries(Object.entries(ty.fields).filter(([, f]) => !f.optional).map(([k, f]) => [k, filler(f.ty, on)]));
  }
}

/**
 * What an entity must have to be able to raise a rule, besides the registry row itself:
 *  - `agg`: a feed row in that windowed aggregate of the rule (empty: count 0, sum 0, min/max absent);
 *  - `assisted`: an assistance category other than `none` (a latest eligible tekun/dibao/dibao-edge decision);
 *  - `deceased`: a recorded death on or before the run's date (person rules).
 */
export type EvidenceSource = { kind: 'agg'; name: string } | { kind: 'memberAgg'; name: string } | { kind: 'assisted' } | { kind: 'deceased' };

/** Collects the fields of loop variable `v` a node reads; false when it reads anything else of the input (the root, another variable, `v` whole). */
function varFields(node: IrNode, v: string, out: Set<string>): boolean {
  if ((node.op === 'field' || node.op === 'has') && node.obj.op === 'var') { if (node.obj.name !== v) return false; out.add(node.name); return true; }
  if (node.op === 'root' || node.op === 'var') return false;
  for (const child of Object.values(node) as unknown[]) {
    const kids = Array.isArray(child) ? child : [child];
    for (const k of kids) if (k && typeof k === 'object' && 'op' in k && !varFields(k as IrNode, v, out)) return false;
  }
  return true;
}

const conjuncts = (n: IrNode): IrNode[] => (n.op === 'and' ? [...conjuncts(n.left), ...conjuncts(n.right)] : [n]);

/**
 * Member evidence: a condition `members.exists(m, … && C && …)` where C reads only member
 * aggregates of `m` (and parameters, the date) and is false for a member whose aggregates are
 * empty: then a household none of whose members has such feed rows cannot meet the condition
 * (each member's body is false, so `exists` is false). Checked by evaluating `exists(m, C)` on
 * one member with empty aggregates.
 */
function memberNeeds(rule: MonitoringRule, c: Policy['conditions'][number], input: JsonObject, on: string): EvidenceSource[] | undefined {
  const n = c.node;
  const memberAggs = rule.meta.memberAggregates ?? {};
  if (n.op !== 'macro' || n.fn !== 'exists' || n.list.op !== 'field' || n.list.obj.op !== 'root') return undefined;
  const listTy = rule.policy.inputType.fields[n.list.name]?.ty;
  if (!listTy || listTy.k !== 'list' || listTy.of.k !== 'object') return undefined;
  for (const conj of conjuncts(n.body)) {
    const read = new Set<string>();
    if (!varFields(conj, n.v, read) || read.size === 0 || [...read].some((f) => !memberAggs[f])) continue;
    const elem = filler(listTy.of, on) as JsonObject;
    for (const f of read) {
      const a = memberAggs[f]!;
      if (a.fn === 'count' || a.fn === 'sum') elem[f] = 0; else delete elem[f];
    }
    try {
      const node = { ...n, body: conj };
      const d = evaluate({ ...rule.policy, conditions: [{ ...c, node }] }, { [rule.policy.entity]: { ...input, [n.list.name]: [elem] } }, on);
      if (d.trace.conditions[0]?.passed === false) return [...read].sort().map((name) => ({ kind: 'memberAgg', name }));
    } catch {
      // Not decidable on an empty member: no proof from this conjunct.
    }
  }
  return undefined;
}

/**
 * The evidence a rule needs: each inner list is a necessary condition (the entity has at least one
 * of its sources), all of them together (intersection); null when the whole registry must be run.
 */
export function ruleEvidence(rule: MonitoringRule, on: string): EvidenceSource[][] | null {
  const aggs = rule.meta.aggregates ?? {};
  const fields = rule.policy.inputType.fields;
  const sources = new Map<string, EvidenceSource>();
  const input: JsonObject = {};
  for (const [k, f] of Object.entries(fields)) {
    const a = aggs[k];
    if (a) {
      sources.set(k, { kind: 'agg', name: k });
      if (a.fn === 'count' || a.fn === 'sum') input[k] = 0;
      continue;
    }
    if (k === 'assistance' && f.ty.k === 'string' && f.ty.enum?.includes('none')) { sources.set(k, { kind: 'assisted' }); input[k] = 'none'; continue; }
    if (k === 'deceased' && rule.policy.entity === 'person' && f.ty.k === 'bool') { sources.set(k, { kind: 'deceased' }); input[k] = false; continue; }
    if (!f.optional) input[k] = filler(f.ty, on);
  }
  const needs: EvidenceSource[][] = [];
  const complete: JsonObject = { ...input };
  for (const [k, f] of Object.entries(fields)) if (complete[k] === undefined && !f.optional) complete[k] = filler(f.ty, on);
  for (const c of rule.policy.conditions) {
    const members = rule.policy.entity === 'household' ? memberNeeds(rule, c, complete, on) : undefined;
    if (members) { needs.push(members); continue; }
    const read = new Set<string>();
    if (!rootFields(c.node, read) || read.size === 0 || [...read].some((n) => !sources.has(n))) continue;
    try {
      const d = evaluate({ ...rule.policy, conditions: [c] }, { [rule.policy.entity]: input }, on);
      if (d.trace.conditions[0]?.passed === false) needs.push([...read].sort().map((n) => sources.get(n)!));
    } catch {
      // The condition cannot be decided on empty evidence: no proof from it.
    }
  }
  return needs.length > 0 ? needs : null;
}
