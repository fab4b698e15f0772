/**
 * The elder's file (一人一档): enrolment with consent, contacts, absences, visits and the visit plan.
 * Enrolment is voluntary; a person the latest tianjin/elder-alone-guard decision found eligible is
 * a candidate, anyone else needs a staff reason (e.g. a policy run not yet done for a new street).
 */
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { Scope } from '../../platform/auth/scope.ts';
import { findPerson } from '../registry/repo.ts';
import { RuleOverrides, rulesFor, visitDays, guardParams, type RiskTier } from './params.ts';
import * as repo from './repo.ts';
import type { AbsenceInput, ContactInput, ElderPatch, EnrolInput, VisitInput } from './schemas.ts';

export interface VisitPlan { everyDays: number; graceDays: number; lastVisitAt: string | null; nextDueAt: string; overdue: boolean }

export function visitPlan(tier: RiskTier, enrolledAt: string, lastVisitAt: string | null, now: Date): VisitPlan {
  const every = visitDays(tier);
  const grace = guardParams().visits.graceDays;
  const base = Date.parse(lastVisitAt ?? enrolledAt);
  const due = new Date(base + every * 86_400_000);
  return { everyDays: every, graceDays: grace, lastVisitAt, nextDueAt: due.toISOString(), overdue: now.getTime() > due.getTime() + grace * 86_400_000 };
}

export async function enrol(db: Db, scope: Scope, input: EnrolInput, actor: string): Promise<number> {
  return db.transaction(async (tx) => {
    const person = await findPerson(tx, scope, input.personId);
    if (!person) throw new AppError('not_found', 'personId: person not found, or outside your region', { field: 'personId' });
    if (!person.residence_community) throw new AppError('validation', 'personId: the person file has no residence community; alarms need one to reach the grid worker and roster', { field: 'personId' });
    if (person.deceased_on) throw new AppError('validation', 'personId: this person is recorded as deceased', { field: 'personId' });
    const [existing] = await tx.query('SELECT 1 FROM eldercare_elder WHERE person_id = $1', [input.personId]);
    if (existing) throw new AppError('conflict', 'this person is already enrolled', { field: 'personId' });
    const decision = await repo.latestDecision(tx, input.personId);
    const candidate = decision?.eligible === true;
    if (!candidate && !input.reason) {
      throw new AppError('validation', 'reason: the latest elder-alone-guard decision does not list this person; say why you enrol them', { field: 'reason' });
    }
    if (Date.parse(input.consent.at) > Date.now() + 60_000) throw new AppError('validation', 'consent.at: consent cannot be in the future', { field: 'consent.at' });
    await tx.query(
      `INSERT INTO eldercare_elder (person_id, candidate_source, policy_run_id, staff_reason, consent_by, consent_at, consent_method, consent_witness,
         risk_tier, bed_bound, health_notes, rule_params, enrolled_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12::jsonb,$13)`,
      [input.personId, candidate ? 'policy' : 'staff', candidate ? decision.run_id : null, candidate ? (input.reason ?? null) : input.reason,
        input.consent.by, input.consent.at, input.consent.method, input.consent.witness ?? null,
        input.riskTier, input.bedBound, input.healthNotes, JSON.stringify(input.ruleParams), actor]);
    await writeContacts(tx, input.personId, input.contacts, actor);
    return input.personId;
  });
}

async function writeContacts(tx: Queryable, personId: number, contacts: readonly ContactInput[], actor: string): Promise<void> {
  const seen = new Set<number>();
  contacts.forEach((c, i) => {
    if (seen.has(c.priority)) throw new AppError('validation', `contacts.${i}.priority: priority ${c.priority} is used twice`, { field: `contacts.${i}.priority`, row: i });
    seen.add(c.priority);
  });
  await tx.query('DELETE FROM eldercare_contact WHERE person_id = $1', [personId]);
  for (const c of contacts) {
    await tx.query('INSERT INTO eldercare_contact (person_id, priority, name, relation, phone, created_by) VALUES ($1,$2,$3,$4,$5,$6)',
      [personId, c.priority, c.name, c.relation, c.phone, actor]);
  }
}

async function requireElder(db: Queryable, scope: Scope, personId: number): Promise<repo.ElderRow> {
  const elder = await repo.findElder(db, scope, personId);
  if (!elder) throw notFound('elder');
  return elder;
}

export async function replaceContacts(db: Db, scope: Scope, personId: number, contacts: readonly ContactInput[], actor: string): Promise<void> {
  await db.transaction(async (tx) => {
    await requireElder(tx, scope, personId);
    await writeContacts(tx, personId, contacts, actor);
  });
}

export async function updateElder(db: Db, scope: Scope, personId: number, patch: ElderPatch): Promise<void> {
  await db.transaction(async (tx) => {
    const elder = await requireElder(tx, scope, personId);
    const params = patch.ruleParams ? RuleOverrides.parse({ ...elder.rule_params, ...patch.ruleParams }) : elder.rule_params;
    await tx.query(
      `UPDATE eldercare_elder SET risk_tier = $2, bed_bound = $3, health_notes = $4, rule_params = $5::jsonb, status = $6, updated_at = now() WHERE person_id = $1`,
      [personId, patch.riskTier ?? elder.risk_tier, patch.bedBound ?? elder.bed_bound, patch.healthNotes ?? elder.health_notes,
        JSON.stringify(params), patch.status ?? elder.status]);
  });
}

export async function addAbsence(db: Db, scope: Scope, personId: number, a: AbsenceInput, actor: string): Promise<number> {
  await requireElder(db, scope, personId);
  const [row] = await db.query<{ id: number }>(
    'INSERT INTO eldercare_absence (person_id, kind, starts_at, ends_at, note, created_by) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id',
    [personId, a.kind, a.startsAt, a.endsAt, a.note, actor]);
  return row!.id;
}

export async function addVisit(db: Db, scope: Scope, personId: number, v: VisitInput, actor: string): Promise<number> {
  await requireElder(db, scope, personId);
  if (Date.parse(v.visitedAt) > Date.now() + 60_000) throw new AppError('validation', 'visitedAt: a visit cannot be in the future', { field: 'visitedAt' });
  const [row] = await db.query<{ id: number }>(
    'INSERT INTO eldercare_visit (person_id, visited_at, visitor, kind, note, created_by) VALUES ($1,$2,$3,$4,$5,$3) RETURNING id',
    [personId, v.visitedAt, actor, v.kind, v.note]);
  return row!.id;
}

export interface ElderFile {
  personId: number; name: string; sex: 'M' | 'F'; birthDate: string; phone: string | null;
  communityCode: string | null; communityName: string | null; gridId: string | null;
  status: string; candidateSource: string; policyRunId: number | null; staffReason: string | null;
  consent: { by: string; at: string; method: string; witness: string | null };
  riskTier: RiskTier; bedBound: boolean; healthNotes: string;
  ruleParams: { overrides: Record<string, unknown>; effective: ReturnType<typeof rulesFor> };
  enrolledAt: string; enrolledBy: string;
  contacts: Array<{ id: number; priority: number; name: string; relation: string; phone: string }>;
  absences: Array<{ id: number; kind: string; startsAt: string; endsAt: string; note: string; current: boolean }>;
  visits: Array<{ id: number; visitedAt: string; visitor: string; kind: string; note: string }>;
  visitPlan: VisitPlan;
}

export function elderSummary(e: repo.ElderRow) {
  return { personId: e.person_id, name: e.name, sex: e.sex, birthDate: e.birth_date, phone: e.phone, communityCode: e.community_code,
    communityName: e.community_name, gridId: e.grid_id, status: e.status, riskTier: e.risk_tier, bedBound: e.bed_bound, enrolledAt: e.enrolled_at };
}

export async function getElderFile(db: Queryable, scope: Scope, personId: number, now = new Date()): Promise<ElderFile> {
  const e = await requireElder(db, scope, personId);
  const [contacts, absences, visits] = await Promise.all([repo.listContacts(db, personId), repo.listAbsences(db, personId), repo.listVisits(db, personId)]);
  const nowIso = now.toISOString();
  return {
    ...elderSummary(e),
    candidateSource: e.candidate_source, policyRunId: e.policy_run_id, staffReason: e.staff_reason,
    consent: { by: e.consent_by, at: e.consent_at, method: e.consent_method, witness: e.consent_witness },
    healthNotes: e.health_notes,
    ruleParams: { overrides: e.rule_params, effective: rulesFor(e.rule_params) },
    enrolledBy: e.enrolled_by,
    contacts,
    absences: absences.map((a) => ({ id: a.id, kind: a.kind, startsAt: a.starts_at, endsAt: a.ends_at, note: a.note, current: a.starts_at <= nowIso && a.ends_at > nowIso })),
    visits: visits.map((v) => ({ id: v.id, visitedAt: v.visited_at, visitor: v.visitor, kind: v.kind, note: v.note })),
    visitPlan: visitPlan(e.risk_tier, e.enrolled_at, visits[0]?.visited_at ?? null, now),
  };
}

/** Elders whose visit is overdue (for the missed-visit sweep): system-wide. */
export async function overdueVisits(db: Queryable, now: Date): Promise<Array<{ personId: number; communityCode: string | null; gridId: string | null; name: string; plan: VisitPlan }>> {
  const rows = await db.query<{ person_id: number; risk_tier: RiskTier; enrolled_at: string; last: string | null; community_code: string | null; grid_id: string | null; name: string }>(
    `SELECT e.person_id, e.risk_tier, e.enrolled_at, p.residence_community AS community_code, p.grid_id, p.name,
       (SELECT max(visited_at) FROM eldercare_visit v WHERE v.person_id = e.person_id) AS last
     FROM eldercare_elder e JOIN person p ON p.id = e.person_id WHERE e.status = 'active' AND p.deceased_on IS NULL`);
  return rows.map((r) => ({ personId: r.person_id, communityCode: r.community_code, gridId: r.grid_id, name: r.name, plan: visitPlan(r.risk_tier, r.enrolled_at, r.last, now) }))
    .filter((r) => r.plan.overdue);
}
