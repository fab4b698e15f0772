/** Registry fixtures for the monitoring tests: households with members, grids, stored assistance decisions. */
import { makeCitizenId, type PersonInput } from '@minsheng/contracts';
import { systemScope } from '../../platform/auth/scope.ts';
import type { Db } from '../../platform/db.ts';
import { createPerson, upsertHousehold } from '../registry/service.ts';

export const COMMUNITY = '120101001001'; // 和平区 劝业场街道 花园路社区
export const GRID = '120101001001-G1';
export const OTHER_COMMUNITY = '120103001001'; // 河西区
export const OTHER_GRID = '120103001001-G1';

let seq = 300;
export function newCitizenId(birthDate = '1960-05-05', sex: 'M' | 'F' = 'M', area = '120101'): string {
  seq += 2;
  return makeCitizenId(area, birthDate, seq, sex);
}

export async function ensureGrids(db: Db): Promise<void> {
  await db.query(`INSERT INTO grid (id, community_code, kind, name) VALUES ($1, $2, 'general', '一网格'), ($3, $4, 'general', '一网格') ON CONFLICT DO NOTHING`,
    [GRID, COMMUNITY, OTHER_GRID, OTHER_COMMUNITY]);
}

export interface MemberSpec extends Partial<PersonInput> { monthlyIncome?: number; relation?: 'head' | 'spouse' | 'child' | 'parent' | 'other' }

/** A household in a community with its members; answers the household id and the member ids (head first). */
export async function makeHousehold(db: Db, no: string, members: MemberSpec[], where: { community?: string; grid?: string } = {}): Promise<{ householdId: number; personIds: number[]; citizenIds: string[] }> {
  const community = where.community ?? COMMUNITY;
  const grid = where.grid ?? GRID;
  const personIds: number[] = [];
  const citizenIds: string[] = [];
  for (const m of members) {
    const birthDate = m.birthDate ?? '1965-03-01';
    const citizenId = m.citizenId ?? newCitizenId(birthDate, m.sex ?? 'M');
    const finance = m.monthlyIncome ? [{ kind: 'income' as const, category: 'wage', amount: m.monthlyIncome, periodFrom: '2020-01-01', periodTo: null, note: 'monthly' }] : [];
    const { monthlyIncome: _i, relation: _r, ...rest } = m;
    const p = await createPerson(db, systemScope(), {
      name: '张建国', residenceCommunity: community, gridId: grid, hukouRegion: community, ...rest, citizenId, birthDate, finance,
    }, { name: 'test' });
    personIds.push(p.id);
    citizenIds.push(citizenId);
  }
  const h = await db.transaction((tx) => upsertHousehold(tx, {
    householdNo: no, residenceCommunity: community, gridId: grid, address: `${no}号`,
    members: members.map((m, i) => ({ citizenId: citizenIds[i]!, relation: m.relation ?? (i === 0 ? 'head' : 'spouse') })),
  }, { name: 'test' }, 'test household'));
  return { householdId: h.id, personIds, citizenIds };
}

/**
 * Stores a policy decision as a batch run would (the assistance category the rules read): a new
 * done city run of the policy on the date, in which every other entity keeps its latest verdict of
 * that date (carried over) and this one is eligible or not. A run stores only eligible decisions
 * (ADR 0004): a non-eligible entity has no row in it.
 */
export async function storeDecision(db: Db, policyId: string, entity: 'person' | 'household', entityId: number, eligible: boolean, on = '2026-01-01'): Promise<void> {
  const [run] = await db.query<{ id: number }>(
    `INSERT INTO policy_run (policy_id, policy_version, on_date, started_by, status) VALUES ($1, 1, $2, 'test', 'running') RETURNING id`, [policyId, on]);
  await db.query(
    `INSERT INTO policy_decision (run_id, policy_id, policy_version, on_date, entity, entity_id, eligible, outcome, error)
     SELECT $1, $2, 1, $3, $4, v.entity_id, v.eligible, v.outcome, v.error FROM policy_latest_verdicts($2, $4, $3::date) v WHERE v.entity_id <> $5`,
    [run!.id, policyId, on, entity, entityId]);
  if (eligible) {
    await db.query(
      `INSERT INTO policy_decision (run_id, policy_id, policy_version, on_date, entity, entity_id, eligible, outcome) VALUES ($1, $2, 1, $3, $4, $5, true, 'eligible')`,
      [run!.id, policyId, on, entity, entityId]);
  }
  await db.query(`UPDATE policy_run SET status = 'done', finished_at = now() WHERE id = $1`, [run!.id]);
}

let batchSeq = 0;
/** Feed rows already matched to persons, as an imported batch would leave them (fast fixtures for rule tests). */
export async function feedRows(db: Db, type: string, rows: ReadonlyArray<{ personId: number; date: string; data?: Record<string, unknown> }>): Promise<number> {
  batchSeq += 1;
  const [b] = await db.query<{ id: number }>(
    `INSERT INTO feed_batch (feed_type, schema_version, department, period, file_name, checksum, status, started_by, accepted, matched)
     VALUES ($1, 1, 'test', $2, 'fixture', $3, 'done', 'test', $4, $4) RETURNING id`,
    [type, `fixture-${batchSeq}`, String(batchSeq).padStart(64, '0'), rows.length]);
  let n = 0;
  for (const r of rows) {
    n += 1;
    await db.query(`INSERT INTO feed_row (batch_id, feed_type, row_no, citizen_id, event_date, data, person_id, match_status, matched_by)
      VALUES ($1, $2, $3, (SELECT citizen_id FROM person WHERE id = $4), $5, $6::jsonb, $4, 'matched', 'citizen-id')`,
      [b!.id, type, n + 1, r.personId, r.date, JSON.stringify({ date: r.date, ...r.data })]);
  }
  return b!.id;
}
