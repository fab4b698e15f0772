/**
 * Opening alarms. A firing (a rule on some events) is recorded once by its dedupe key; while an
 * elder has an open alarm, further firings join it as evidence (a fall, then no presence, is one
 * alarm, not two), raising its severity if needed. A per-elder advisory lock serialises this
 * across server processes. Escalation starts after the alarm row commits; if the process dies in
 * between, the recovery sweep starts it (alarms without a work order).
 */
import type { Db } from '../../platform/db.ts';
import type { Firing, Severity } from './rules.ts';
import { findElderUnscoped } from './repo.ts';
import { escalationPlan } from './plan.ts';
import { onAlarmOpened, onEvidenceAdded } from './escalation.ts';
import { publishAlarmChange } from './live.ts';

export type AlarmOutcome = { alarmId: number; kind: 'opened' | 'attached' | 'duplicate' };

const RANK: Record<Severity, number> = { normal: 0, high: 1, critical: 2 };
/** Advisory lock namespace for "alarms of one elder" (any constant distinct from other modules'). */
const LOCK_NS = 40_001;

export async function recordFiring(db: Db, personId: number, f: Firing): Promise<AlarmOutcome | undefined> {
  const outcome = await db.transaction(async (tx): Promise<(AlarmOutcome & { raised?: boolean }) | undefined> => {
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
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO eldercare_alarm (person_id, rule, severity, opened_at, plan, workday) VALUES ($1,$2,$3,$4,$5::jsonb,$6) RETURNING id`,
      [personId, f.rule, f.severity, f.at, JSON.stringify(plan), plan.workday]);
    await insertEvidence(tx, row!.id, 1, f);
    return { alarmId: row!.id, kind: 'opened' };
  });
  if (outcome?.kind === 'opened') await onAlarmOpened(db, outcome.alarmId);
  if (outcome?.kind === 'attached') await onEvidenceAdded(db, outcome.alarmId, f, outcome.raised === true);
  if (outcome && outcome.kind !== 'duplicate') publishAlarmChange(outcome.alarmId);
  return outcome ? { alarmId: outcome.alarmId, kind: outcome.kind } : undefined;
}

async function insertEvidence(tx: { query: Db['query'] }, alarmId: number, seq: number, f: Firing): Promise<void> {
  await tx.query(
    `INSERT INTO eldercare_alarm_evidence (alarm_id, seq, rule, event_ids, at, explanation, dedupe_key) VALUES ($1,$2,$3,$4::text[],$5,$6::jsonb,$7)`,
    [alarmId, seq, f.rule, f.eventIds, f.at, JSON.stringify({ ...f.explanation, severity: f.severity }), f.dedupeKey]);
}
