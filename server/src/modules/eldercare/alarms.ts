/**
 * Opening alarms. A firing (a rule on some events) is recorded once by its dedupe key; while an
 * elder has an open alarm, further firings join it as evidence (a fall, then no presence, is one
 * alarm, not two), raising its severity if needed. A per-elder advisory lock serialises this
 * across server processes. A new alarm commits together with its work order and escalation step 1
 * (one transaction, one commit: the latency from an SOS to the first call counts commits); if
 * creating the work order fails, the alarm still commits without it (a savepoint) and the recovery
 * sweep starts its escalation (alarms without a work order), as it does for alarms opened before.
 */
import type { Db, Queryable } from '../../platform/db.ts';
import { withTransaction } from '../../platform/jobs.ts';
import type { Firing, Severity } from './rules.ts';
import { findElderUnscoped } from './repo.ts';
import { escalationPlan } from './plan.ts';
import { onEvidenceAdded, openAlarmOrder, type AlarmRow } from './escalation.ts';
import { publishAlarmChange } from './live.ts';

export type AlarmOutcome = { alarmId: number; kind: 'opened' | 'attached' | 'duplicate' };

const RANK: Record<Severity, number> = { normal: 0, high: 1, critical: 2 };
/** Advisory lock namespace for "alarms of one elder" (any constant distinct from other modules'). */
const LOCK_NS = 40_001;

/**
 * Records a firing. `alsoInTransaction` runs at the end of the same transaction whatever the
 * outcome (processEvent marks its event processed there, so the event, its alarm and the work order
 * become visible together, and a crash before the commit leaves the event for the recovery sweep).
 */
export async function recordFiring(db: Db, personId: number, f: Firing, alsoInTransaction?: (tx: Queryable) => Promise<void>): Promise<AlarmOutcome | undefined> {
  const outcome = await withTransaction(db, async (tx) => {
    const out = await record(db, tx, personId, f);
    await alsoInTransaction?.(tx);
    return out;
  });
  if (outcome?.kind === 'attached') await onEvidenceAdded(db, outcome.alarmId, f, outcome.raised === true);
  if (outcome && outcome.kind !== 'duplicate') publishAlarmChange(outcome.alarmId);
  return outcome ? { alarmId: outcome.alarmId, kind: outcome.kind } : undefined;
}

async function record(db: Db, tx: Queryable, personId: number, f: Firing): Promise<(AlarmOutcome & { raised?: boolean }) | undefined> {
  await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, personId]);
  const [seen] = await tx.query<{ alarm_id: number }>('SELECT alarm_id FROM eldercare_alarm_evidence WHERE dedupe_key = $1', [f.dedupeKey]);
  if (seen) return { alarmId: seen.alarm_id, kind: 'duplicate' };
  const elder = await findElderUnscoped(tx, personId);
  if (!elder || elder.status !== 'active') return undefined;
  const [open] = await tx.query<{ id: number; severity: Severity }>(
    'SELECT id, severity FROM eldercare_alarm WHERE person_id = $1 AND closed_at IS NULL ORDER BY id LIMIT 1', [personId]);
  if (open) {
    const [{ seq } = { seq: 1 }] = await tx.query<{ seq: number }>('SELECT coalesce(max(seq), 0) + 1 AS seq FROM eldercare_alarm_evidence WHERE alarm_id = $1', [open.id]);
    await insertEvidence(tx, open.id, seq, f);
    const raised = RANK[f.severity] > RANK[open.severity];
    if (raised) await tx.query('UPDATE eldercare_alarm SET severity = $2 WHERE id = $1', [open.id, f.severity]);
    return { alarmId: open.id, kind: 'attached', raised };
  }
  const plan = await escalationPlan(tx, { personId, communityCode: elder.community_code, gridId: elder.grid_id }, new Date(f.at));
  const [row] = await tx.query<AlarmRow>(
    `INSERT INTO eldercare_alarm (person_id, rule, severity, opened_at, plan, workday) VALUES ($1,$2,$3,$4,$5::jsonb,$6)
     RETURNING id, person_id, rule, severity, opened_at, work_order_id, plan, workday, closed_at, outcome`,
    [personId, f.rule, f.severity, f.at, JSON.stringify(plan), plan.workday]);
  await insertEvidence(tx, row!.id, 1, f);
  // The work order and step 1 in this transaction; a failure there must not lose the alarm itself.
  await tx.query('SAVEPOINT alarm_order');
  try {
    // Everything through this transaction's connection: taking a second pool connection while
    // holding this one deadlocks when a burst of alarms holds the whole pool (measured).
    await openAlarmOrder(tx, row!, elder);
    await tx.query('RELEASE SAVEPOINT alarm_order');
  } catch (err) {
    await tx.query('ROLLBACK TO SAVEPOINT alarm_order');
    console.error(`[eldercare] alarm ${row!.id}: work order not created (the recovery sweep retries):`, err instanceof Error ? err.message : err);
  }
  return { alarmId: row!.id, kind: 'opened' };
}

async function insertEvidence(tx: { query: Db['query'] }, alarmId: number, seq: number, f: Firing): Promise<void> {
  await tx.query(
    `INSERT INTO eldercare_alarm_evidence (alarm_id, seq, rule, event_ids, at, explanation, dedupe_key) VALUES ($1,$2,$3,$4::text[],$5,$6::jsonb,$7)`,
    [alarmId, seq, f.rule, f.eventIds, f.at, JSON.stringify({ ...f.explanation, severity: f.severity }), f.dedupeKey]);
}
