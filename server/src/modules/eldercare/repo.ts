/**
 * SQL of the elder's file: elders (joined to their person file for name, community and grid, so
 * the caller's Scope applies), contacts, absences, visits, candidates from the policy runs.
 */
import type { Queryable } from '../../platform/db.ts';
import type { RosterInput } from './schemas.ts';
import { scopeSql, type Scope } from '../../platform/auth/scope.ts';

export const GUARD_POLICY_ID = 'tianjin/elder-alone-guard';

export interface ElderRow {
  person_id: number; name: string; sex: 'M' | 'F'; birth_date: string; phone: string | null;
  community_code: string | null; community_name: string | null; grid_id: string | null; deceased_on: string | null;
  status: 'active' | 'withdrawn'; candidate_source: 'policy' | 'staff'; policy_run_id: number | null; staff_reason: string | null;
  consent_by: string; consent_at: string; consent_method: 'signed-paper' | 'verbal-witnessed' | 'app'; consent_witness: string | null;
  risk_tier: 'low' | 'medium' | 'high'; bed_bound: boolean; health_notes: string; rule_params: Record<string, unknown>;
  enrolled_at: string; enrolled_by: string;
}

const ELDER_SELECT = `SELECT e.person_id, p.name, p.sex, to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date, p.phone,
    p.residence_community AS community_code, r.name AS community_name, p.grid_id, to_char(p.deceased_on, 'YYYY-MM-DD') AS deceased_on,
    e.status, e.candidate_source, e.policy_run_id, e.staff_reason, e.consent_by, e.consent_at, e.consent_method, e.consent_witness,
    e.risk_tier, e.bed_bound, e.health_notes, e.rule_params, e.enrolled_at, e.enrolled_by
  FROM eldercare_elder e JOIN person p ON p.id = e.person_id LEFT JOIN region r ON r.code = p.residence_community`;

export async function findElder(db: Queryable, scope: Scope, personId: number): Promise<ElderRow | undefined> {
  const params: unknown[] = [personId];
  const [row] = await db.query<ElderRow>(`${ELDER_SELECT} WHERE e.person_id = $1 AND ${scopeSql(scope, 'p.residence_community', 'p.grid_id', params)}`, params);
  return row;
}

/** The elder regardless of scope: for the system itself (ingest, timers), never for a staff read. */
export async function findElderUnscoped(db: Queryable, personId: number): Promise<ElderRow | undefined> {
  const [row] = await db.query<ElderRow>(`${ELDER_SELECT} WHERE e.person_id = $1`, [personId]);
  return row;
}

export async function listElders(db: Queryable, scope: Scope, limit: number, offset: number): Promise<ElderRow[]> {
  const params: unknown[] = [limit, offset];
  return db.query<ElderRow>(
    `${ELDER_SELECT} WHERE ${scopeSql(scope, 'p.residence_community', 'p.grid_id', params)} ORDER BY e.risk_tier = 'high' DESC, p.name, e.person_id LIMIT $1 OFFSET $2`, params);
}

export interface CandidateRow { person_id: number; name: string; birth_date: string; community_code: string | null; grid_id: string | null; run_id: number; on_date: string }

/**
 * Persons the latest elder-alone-guard decision found eligible, in scope, not yet enrolled: the
 * latest done run covering the person (policy_latest_verdicts, migration 060; any date) stored an
 * eligible row for them.
 */
export async function listCandidates(db: Queryable, scope: Scope, limit: number): Promise<CandidateRow[]> {
  const params: unknown[] = [GUARD_POLICY_ID, limit];
  return db.query<CandidateRow>(
    `WITH latest AS (
       SELECT v.entity_id, v.run_id, v.eligible, to_char(v.run_on, 'YYYY-MM-DD') AS on_date
       FROM policy_latest_verdicts($1, 'person', 'infinity'::date) v)
     SELECT p.id AS person_id, p.name, to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date, p.residence_community AS community_code, p.grid_id, l.run_id, l.on_date
     FROM latest l JOIN person p ON p.id = l.entity_id
     WHERE l.eligible AND p.deceased_on IS NULL AND NOT EXISTS (SELECT 1 FROM eldercare_elder e WHERE e.person_id = p.id)
       AND ${scopeSql(scope, 'p.residence_community', 'p.grid_id', params)}
     ORDER BY p.residence_community, p.name LIMIT $2`, params);
}

/**
 * The latest guard decision on one person: eligible or not (null: an error), and which run — the
 * latest done run covering the person (policy_latest_decision, migration 060); none when no run did.
 */
export async function latestDecision(db: Queryable, personId: number): Promise<{ run_id: number; eligible: boolean | null } | undefined> {
  const [row] = await db.query<{ run_id: number; eligible: boolean | null }>(
    `SELECT run_id, eligible FROM policy_latest_decision($1, 'person', $2, 'infinity'::date)`,
    [GUARD_POLICY_ID, personId]);
  return row;
}

export interface ContactRow { id: number; priority: number; name: string; relation: string; phone: string }
export const listContacts = (db: Queryable, personId: number): Promise<ContactRow[]> =>
  db.query<ContactRow>('SELECT id, priority, name, relation, phone FROM eldercare_contact WHERE person_id = $1 ORDER BY priority', [personId]);

export interface AbsenceRow { id: number; kind: 'away' | 'hospital'; starts_at: string; ends_at: string; note: string; created_by: string }
export const listAbsences = (db: Queryable, personId: number): Promise<AbsenceRow[]> =>
  db.query<AbsenceRow>('SELECT id, kind, starts_at, ends_at, note, created_by FROM eldercare_absence WHERE person_id = $1 ORDER BY starts_at DESC LIMIT 50', [personId]);

/** The absence covering an instant, if any. */
export async function absenceAt(db: Queryable, personId: number, at: string): Promise<AbsenceRow | undefined> {
  const [row] = await db.query<AbsenceRow>(
    'SELECT id, kind, starts_at, ends_at, note, created_by FROM eldercare_absence WHERE person_id = $1 AND starts_at <= $2 AND ends_at > $2 ORDER BY ends_at DESC LIMIT 1', [personId, at]);
  return row;
}

export interface VisitRow { id: number; visited_at: string; visitor: string; kind: 'home' | 'phone' | 'video'; note: string }
export const listVisits = (db: Queryable, personId: number, limit = 20): Promise<VisitRow[]> =>
  db.query<VisitRow>('SELECT id, visited_at, visitor, kind, note FROM eldercare_visit WHERE person_id = $1 ORDER BY visited_at DESC LIMIT $2', [personId, limit]);

export interface RosterRow { id: number; community_code: string; kind: string; name: string; phone: string; priority: number; active: boolean }

/** The roster of the communities in scope (grid-bound scopes see none: rosters belong to communities). */
export async function listRoster(db: Queryable, scope: Scope, community: string | undefined): Promise<RosterRow[]> {
  const params: unknown[] = [];
  let where = scopeSql(scope, 'community_code', 'NULL', params);
  if (community) { params.push(community); where += ` AND community_code = $${params.length}`; }
  return db.query<RosterRow>(`SELECT id, community_code, kind, name, phone, priority, active FROM eldercare_roster WHERE ${where} ORDER BY community_code, kind, priority, id LIMIT 1000`, params);
}

export async function insertRoster(db: Queryable, r: RosterInput, actor: string): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    'INSERT INTO eldercare_roster (community_code, kind, name, phone, priority, created_by) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id',
    [r.communityCode, r.kind, r.name, r.phone, r.priority, actor]);
  return row!.id;
}

export interface QuarantineRow { id: number; received_at: string; via: string; topic: string | null; device_id: string | null; payload: string; reason: string }

/** Quarantined messages of devices in scope; messages from unknown devices belong to no region, so only city-wide staff see those. */
export async function listQuarantine(db: Queryable, scope: Scope, limit: number): Promise<QuarantineRow[]> {
  const params: unknown[] = [limit];
  return db.query<QuarantineRow>(
    `SELECT q.id, q.received_at, q.via, q.topic, q.device_id, q.payload, q.reason FROM eldercare_quarantine q
     LEFT JOIN eldercare_device d ON d.id = q.device_id LEFT JOIN person p ON p.id = d.person_id
     WHERE ${scope.all ? 'true' : `p.id IS NOT NULL AND ${scopeSql(scope, 'p.residence_community', 'p.grid_id', params)}`}
     ORDER BY q.id DESC LIMIT $1`, params);
}

export async function findVendor(db: Queryable, id: string): Promise<{ hmac_secret: string } | undefined> {
  const [row] = await db.query<{ hmac_secret: string }>('SELECT hmac_secret FROM eldercare_vendor WHERE id = $1 AND active', [id]);
  return row;
}
