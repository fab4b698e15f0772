/**
 * raiseIntoChain for a run's warnings, in one transaction and a fixed number of statements instead
 * of one transaction of ~15 statements per warning (16–18 ms each: minutes for a city's thousands).
 * The records are those of raiseIntoChain called for each input in order: the household's open
 * chain (opened if none, with its 'opened' link), the warning, its 'warning' link, then either a
 * note on the chain's open verification task (an action of that work order, through the work-order
 * service) or a new verification task (createWorkOrders: same order, log, timer, notifications)
 * and its 'task' link. Two warnings of one household in one batch: the second sees the first's task.
 * All or nothing: an error stores none of the batch.
 */
import type { Db, Queryable } from '../../platform/db.ts';
import { createWorkOrders, findWorkOrderSummaries } from '../workorders/batch.ts';
import { appendAction } from '../workorders/service.ts';
import type { NewWorkOrder } from '../workorders/types.ts';
import { MONITORING_ACTOR, VERIFICATION, type RaiseInput } from './chain.ts';
import { deriveChain, type ChainAction, type ChainActionKind, type TaskStatus } from './chain-derive.ts';

interface Link { chainId: number; seq: number; kind: ChainActionKind; note: string | null; data: Record<string, unknown> }

const json = (v: unknown): string => JSON.stringify(v);

/** Stores the warnings (in order) in their households' chains; answers the warning ids in the same order. */
export async function raiseManyIntoChains(db: Db, inputs: readonly RaiseInput[]): Promise<number[]> {
  if (inputs.length === 0) return [];
  return db.transaction(async (tx) => {
    // Chains: open one per subject without an open chain (its first input's subject), then lock them all.
    const firsts = [...new Map(inputs.map((r) => [r.subject.subjectKey, r.subject])).values()];
    const created = new Set((await tx.query<{ subject_key: string }>(
      `INSERT INTO monitoring_chain (subject_key, household_id, person_id, region_code, grid_id)
       SELECT x.subject_key, x.household_id, x.person_id, x.region_code, x.grid_id
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (subject_key text, household_id bigint, person_id bigint, region_code text, grid_id text)) WITH ORDINALITY AS x(subject_key, household_id, person_id, region_code, grid_id, ord)
       ORDER BY x.ord
       ON CONFLICT (subject_key) WHERE status = 'open' DO NOTHING RETURNING subject_key`,
      [json(firsts.map((s) => ({ subject_key: s.subjectKey, household_id: s.householdId, person_id: s.householdId === null ? s.personId : null, region_code: s.regionCode, grid_id: s.gridId })))]))
      .map((r) => r.subject_key));
    const chains = new Map((await tx.query<{ id: number; subject_key: string }>(
      `SELECT id, subject_key FROM monitoring_chain WHERE subject_key = ANY ($1::text[]) AND status = 'open' ORDER BY id FOR UPDATE`, [firsts.map((s) => s.subjectKey)]))
      .map((r) => [r.subject_key, Number(r.id)]));

    // What the existing chains hold: their links and the state of their verification tasks.
    const links = new Map<number, ChainAction[]>([...chains.values()].map((id) => [id, []]));
    const existing = [...chains].filter(([key]) => !created.has(key)).map(([, id]) => id);
    if (existing.length > 0) {
      const rows = await tx.query<ChainAction & { chain_id: number }>(
        `SELECT chain_id, seq, kind, actor, at, note, data FROM monitoring_chain_action WHERE chain_id = ANY ($1::bigint[]) ORDER BY chain_id, seq`, [existing]);
      for (const { chain_id: id, ...a } of rows) links.get(Number(id))!.push(a);
    }
    const taskIds = [...links.values()].flat().filter((a) => a.kind === 'task').map((a) => Number(a.data.workOrderId));
    const tasks = new Map<number, TaskStatus>([...(await findWorkOrderSummaries(tx, taskIds)).values()].map((o) =>
      [o.id, { id: o.id, status: o.status, dueAt: o.dueAt, resolvedAt: o.resolvedAt, overdue: o.overdue, assignee: o.assignee }]));

    // Warnings, with ids taken in input order.
    const ids = (await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('monitoring_warning', 'id')) AS id FROM generate_series(1, $1::int)`, [inputs.length]))
      .map((r) => Number(r.id)).sort((a, b) => a - b);
    await tx.query(
      `INSERT INTO monitoring_warning (id, run_id, rule_id, rule_version, severity, subject_key, person_id, household_id, region_code, grid_id, on_date, reason, evidence, evidence_hash, chain_id)
       OVERRIDING SYSTEM VALUE
       SELECT x.id, x.run_id, x.rule_id, x.rule_version, x.severity, x.subject_key, x.person_id, x.household_id, x.region_code, x.grid_id, x.on_date, x.reason, x.evidence, x.evidence_hash, x.chain_id
       FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, run_id bigint, rule_id text, rule_version integer, severity text, subject_key text, person_id bigint, household_id bigint,
         region_code text, grid_id text, on_date date, reason text, evidence jsonb, evidence_hash text, chain_id bigint) ORDER BY x.id`,
      [json(inputs.map((r, i) => ({
        id: ids[i], run_id: r.runId, rule_id: r.rule.id, rule_version: r.rule.policy.version, severity: r.rule.meta.severity, subject_key: r.subject.subjectKey,
        person_id: r.subject.personId, household_id: r.subject.householdId, region_code: r.subject.regionCode, grid_id: r.subject.gridId, on_date: r.onDate,
        reason: r.reason, evidence: r.evidence, evidence_hash: r.evidenceHash, chain_id: chains.get(r.subject.subjectKey),
      })))]);

    // The links each warning adds, in order; a new task is a placeholder (negative id) until the orders exist.
    const now = new Date();
    const fresh: Link[] = [];
    const orders: NewWorkOrder[] = [];
    const taskLinks: Array<{ link: Link; order: number; warningId: number }> = [];
    const notes: Array<{ order: number; warningId: number; reason: string }> = [];
    const add = (chainId: number, kind: ChainActionKind, note: string | null, data: Record<string, unknown>): Link => {
      const list = links.get(chainId)!;
      const link: Link = { chainId, seq: (list[list.length - 1]?.seq ?? 0) + 1, kind, note, data };
      list.push({ seq: link.seq, kind, actor: MONITORING_ACTOR, at: now.toISOString(), note, data });
      fresh.push(link);
      return link;
    };
    const opened = new Set<number>();
    for (const [i, r] of inputs.entries()) {
      const chainId = chains.get(r.subject.subjectKey)!;
      const warningId = ids[i]!;
      if (created.has(r.subject.subjectKey) && !opened.has(chainId)) { opened.add(chainId); add(chainId, 'opened', null, { subjectKey: r.subject.subjectKey }); }
      add(chainId, 'warning', r.reason, { warningId, ruleId: r.rule.id, severity: r.rule.meta.severity, title: r.rule.policy.title.zh });
      const open = deriveChain(links.get(chainId)!, tasks, now).openTasks[0];
      if (open !== undefined) { notes.push({ order: open, warningId, reason: r.reason }); continue; }
      if (!/^\d{12}$/.test(r.subject.regionCode)) continue; // not placed in a community: no one to send
      const subject = r.subject.householdId !== null ? { kind: 'household', id: String(r.subject.householdId) } : { kind: 'person', id: String(r.subject.personId) };
      orders.push({
        type: VERIFICATION, subject, regionCode: r.subject.regionCode, gridId: r.subject.gridId,
        title: `入户核查：${r.rule.policy.title.zh}`, priority: r.rule.meta.severity === 'high' ? 'high' : 'normal',
        assignee: r.subject.gridId ? { role: 'grid-worker', regionCode: r.subject.regionCode, gridId: r.subject.gridId } : { role: 'community-worker', regionCode: r.subject.regionCode },
        due: { workingDays: r.rule.meta.sla.verificationDays },
        payload: { chainId, warningId, ruleId: r.rule.id, reason: r.reason },
        clientKey: `monitoring-warning:${warningId}`, actor: MONITORING_ACTOR,
      });
      const placeholder = -orders.length;
      tasks.set(placeholder, { id: placeholder, status: 'open', dueAt: null, resolvedAt: null, overdue: false, assignee: null });
      taskLinks.push({ link: add(chainId, 'task', null, { workOrderId: placeholder }), order: orders.length - 1, warningId });
    }
    const made = await createWorkOrders(tx, orders);
    for (const t of taskLinks) {
      const o = made[t.order]!;
      t.link.data = { workOrderId: o.id, warningId: t.warningId, dueAt: o.dueAt, assignee: o.assignee };
    }
    await tx.query(
      `INSERT INTO monitoring_chain_action (chain_id, seq, kind, actor, note, data)
       SELECT x.chain_id, x.seq, x.kind, $2, x.note, x.data FROM jsonb_to_recordset($1::jsonb) AS x(chain_id bigint, seq integer, kind text, note text, data jsonb)
       ORDER BY x.chain_id, x.seq`,
      [json(fresh.map((l) => ({ chain_id: l.chainId, seq: l.seq, kind: l.kind, note: l.note, data: l.data }))), MONITORING_ACTOR]);
    for (const n of notes) {
      const orderId = n.order < 0 ? made[-n.order - 1]!.id : n.order;
      await appendAction(tx, orderId, { kind: 'note', actor: MONITORING_ACTOR, clientActionId: `warning:${n.warningId}`, note: `新预警：${n.reason}`, data: { warningId: n.warningId } });
    }
    return ids;
  });
}
