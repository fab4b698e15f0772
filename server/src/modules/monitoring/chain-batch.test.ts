/**
 * raiseManyIntoChains stores what raiseIntoChain stores for each warning in order: the same
 * chains, links, warnings, verification work orders with their logs, timers and notifications —
 * compared on two databases built alike, one raising warning by warning, the other in one batch:
 * two warnings of one household (the second a note on the first's task), a household whose chain
 * already has an open task, one whose task is resolved (a new task), a household outside any
 * community (no task) and a person without a household.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../platform/db.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { appendAction } from '../workorders/service.ts';
import { raiseIntoChain, type RaiseInput } from './chain.ts';
import { raiseManyIntoChains } from './chain-batch.ts';
import { loadRules } from './rule-file.ts';
import { ensureGrids, makeHousehold } from './test-fixtures.ts';

const rules = loadRules().rules;
const rule = (suffix: string) => rules.find((r) => r.id.endsWith(suffix))!;
let one: TestDb, many: TestDb;

interface City { runId: number; hh: number[]; loner: number; resolvedOrder: number }

/** The same registry, grid worker and earlier warnings in a database. */
async function city(db: Db): Promise<City> {
  await ensureGrids(db);
  const hh: number[] = [];
  for (const no of ['B-1', 'B-2', 'B-3', 'B-4']) hh.push((await makeHousehold(db, no, [{ name: '李明', monthlyIncome: 1000 }, { name: '王芳', sex: 'F' }])).householdId);
  const [u] = await db.query<{ id: number }>(`INSERT INTO staff_user (username, display_name, office, password_hash, created_by) VALUES ('b.grid', '网格员', '测试', 'x', 'test') RETURNING id`);
  await db.query(`INSERT INTO staff_role (user_id, role, region_code, grid_id) VALUES ($1, 'grid-worker', '120101001001', '120101001001-G1')`, [u!.id]);
  const [loner] = await db.query<{ id: number }>(`SELECT id FROM person WHERE household_id = $1 ORDER BY id DESC LIMIT 1`, [hh[3]]);
  await db.query(`UPDATE person SET household_id = NULL, household_relation = NULL WHERE id = $1`, [loner!.id]);
  const [run] = await db.query<{ id: number }>(`INSERT INTO monitoring_run (on_date, trigger, started_by) VALUES ('2026-11-20', 'manual', 'test') RETURNING id`);
  // Earlier warnings: household 2 has an open task, household 3 a resolved one.
  await raiseIntoChain(db, input(run!.id, 'benefit-recipient-died', hh[1]!, null, '120101001001', 'early-2'));
  await raiseIntoChain(db, input(run!.id, 'benefit-recipient-died', hh[2]!, null, '120101001001', 'early-3'));
  const [resolved] = await db.query<{ id: number }>(`SELECT id FROM work_order WHERE subject_id = $1`, [String(hh[2])]);
  await appendAction(db, resolved!.id, { kind: 'resolved', actor: 'b.grid', note: '已核实' });
  return { runId: run!.id, hh, loner: loner!.id, resolvedOrder: resolved!.id };
}

function input(runId: number, ruleSuffix: string, householdId: number | null, personId: number | null, region: string, tag: string): RaiseInput {
  const r = rule(ruleSuffix);
  return {
    runId, rule: r, onDate: '2026-11-20', reason: `原因 ${tag}`, evidence: { tag }, evidenceHash: `hash-${tag}`,
    subject: { subjectKey: householdId !== null ? `household:${householdId}` : `person:${personId}`, personId, householdId, regionCode: region, gridId: region ? '120101001001-G1' : null },
  };
}

const batch = (c: City): RaiseInput[] => [
  input(c.runId, 'medical-spending-hardship', c.hh[0]!, null, '120101001001', 'a1'),
  input(c.runId, 'new-assets-in-assisted-household', c.hh[0]!, null, '120101001001', 'a2'),
  input(c.runId, 'medical-spending-hardship', c.hh[1]!, null, '120101001001', 'b1'),
  input(c.runId, 'medical-spending-hardship', c.hh[2]!, null, '120101001001', 'c1'),
  input(c.runId, 'medical-spending-hardship', c.hh[3]!, null, '', 'd1'),
  input(c.runId, 'elder-alone-became-disabled', null, c.loner, '120101001001', 'e1'),
];

/**
 * Everything the raises stored, without instants; chains named by their subject (a chain id is a
 * surrogate: one by one, each raise into an existing chain burns a sequence value on its
 * ON CONFLICT, the batch one per household).
 */
async function stored(db: Db): Promise<Record<string, unknown[]>> {
  const q = (sql: string): Promise<unknown[]> => db.query(sql);
  const chain = (col: string): string => `(SELECT c.subject_key FROM monitoring_chain c WHERE c.id = ${col})`;
  return {
    chains: await q(`SELECT subject_key, household_id, person_id, region_code, grid_id, status FROM monitoring_chain ORDER BY subject_key`),
    links: await q(`SELECT ${chain('a.chain_id')} AS chain, seq, kind, actor, note, data, client_action_id FROM monitoring_chain_action a ORDER BY 1, seq`),
    warnings: await q(`SELECT id, run_id, rule_id, rule_version, severity, subject_key, person_id, household_id, region_code, grid_id, on_date, reason, evidence, evidence_hash,
      ${chain('w.chain_id')} AS chain FROM monitoring_warning w ORDER BY id`),
    orders: await q(`SELECT id, type, subject_kind, subject_id, region_code, grid_id, title, priority, payload - 'chainId' AS payload, ${chain(`(w.payload->>'chainId')::bigint`)} AS chain,
      client_key, created_by, status, assignee, due_at, last_action_seq FROM work_order w ORDER BY id`),
    actions: await q(`SELECT work_order_id, seq, kind, actor, note, assignee, data, client_action_id FROM work_order_action ORDER BY work_order_id, seq`),
    timers: await q(`SELECT key, kind, run_at, payload, status FROM timer ORDER BY key`),
    notifications: await q(`SELECT user_id, work_order_id, kind, title, body FROM notification ORDER BY id`),
  };
}

describe('raising a run\'s warnings in one batch', () => {
  let a: City, b: City;
  beforeAll(async () => {
    [one, many] = await Promise.all([testDb(), testDb()]);
    a = await city(one.db);
    b = await city(many.db);
  }, 120_000);
  afterAll(async () => { await one?.close(); await many?.close(); });

  it('stores exactly what raising them one by one stores', async () => {
    const ids: number[] = [];
    for (const r of batch(a)) ids.push(await raiseIntoChain(one.db, r));
    const batched = await raiseManyIntoChains(many.db, batch(b));
    expect(batched).toEqual(ids);
    const [x, y] = [await stored(one.db), await stored(many.db)];
    for (const k of Object.keys(x)) expect({ [k]: y[k] }).toEqual({ [k]: x[k] });
    // The cases the batch covers, as a user would see them.
    expect((x.links as Array<{ kind: string }>).map((l) => l.kind).filter((k) => k === 'task')).toHaveLength(5); // 2 earlier + a1, c1 (resolved before), e1
    expect((x.actions as Array<{ kind: string; client_action_id: string | null }>).filter((l) => l.kind === 'note').map((l) => l.client_action_id).sort()).toEqual([`warning:${ids[1]}`, `warning:${ids[2]}`].sort());
  });

  it('stores nothing of a batch that fails', async () => {
    const before = await stored(many.db);
    const bad = { ...batch(b)[0]!, runId: 999_999 }; // no such run: the warning insert fails
    await expect(raiseManyIntoChains(many.db, [batch(b)[3]!, bad])).rejects.toThrow();
    expect(await stored(many.db)).toEqual(before);
  });
});
