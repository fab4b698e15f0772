/**
 * The escalation plan of an alarm, exactly as Tianjin specifies it: the elder's relatives in
 * priority order (each with an acknowledgement timeout); if nobody acknowledges, on a working day
 * the grid worker of the elder's grid, on a non-working day the volunteers and then the social
 * organisations on the community's roster; behind them the 24-hour call seat. "Working day" is the
 * official calendar (调休 included) on the Beijing date of the alarm.
 */
import type { Queryable } from '../../platform/db.ts';
import { beijingDate, calendarDay, type CalendarDay } from '../../platform/calendar.ts';
import { guardParams } from './params.ts';
import { listContacts } from './repo.ts';

export const Responder = ['relative', 'grid-worker', 'volunteer', 'social-organisation', 'call-seat'] as const;
export type Responder = (typeof Responder)[number];

export interface PlanContact { name: string; phone: string | null; relation?: string; priority?: number; contactId?: number; rosterId?: number; gridWorkerId?: number }

/** How the gateway and acknowledgement links name a contact (echoed back in callbacks). */
export const contactRef = (c: PlanContact): string | null =>
  c.contactId !== undefined ? `elder-contact:${c.contactId}` : c.rosterId !== undefined ? `roster:${c.rosterId}` : c.gridWorkerId !== undefined ? `grid-worker:${c.gridWorkerId}` : null;
export interface EscalationStep { order: number; responder: Responder; contacts: PlanContact[]; timeoutSeconds: number }
export interface EscalationPlan { at: string; workday: boolean; day: CalendarDay; steps: EscalationStep[] }

export async function escalationPlan(db: Queryable, elder: { personId: number; communityCode: string | null; gridId: string | null }, at: Date): Promise<EscalationPlan> {
  const e = guardParams().escalation;
  const day = await calendarDay(db, beijingDate(at));
  const steps: Omit<EscalationStep, 'order'>[] = [];
  // Each relative is a step of their own: "in priority order, each with an acknowledgement timeout".
  for (const c of await listContacts(db, elder.personId)) {
    steps.push({ responder: 'relative', contacts: [{ name: c.name, phone: c.phone, relation: c.relation, priority: c.priority, contactId: c.id }], timeoutSeconds: e.relativeTimeoutSeconds });
  }
  if (day.workday) {
    const workers = elder.gridId ? await db.query<{ id: number; name: string; phone: string | null }>(
      // The grid's own workers first, then those of the general grid a micro grid lies in.
      `SELECT w.id, w.name, w.phone FROM grid_worker w JOIN grid g ON g.id = $1
       WHERE w.grid_id = g.id OR w.grid_id = g.parent_grid_id ORDER BY (w.grid_id = g.id) DESC, w.id`, [elder.gridId]) : [];
    steps.push({ responder: 'grid-worker', contacts: workers.map((w) => ({ name: w.name, phone: w.phone, gridWorkerId: w.id })), timeoutSeconds: e.gridWorkerTimeoutSeconds });
  } else {
    const roster = elder.communityCode ? await db.query<{ id: number; kind: 'volunteer' | 'social-organisation'; name: string; phone: string }>(
      `SELECT id, kind, name, phone FROM eldercare_roster WHERE community_code = $1 AND active ORDER BY kind = 'volunteer' DESC, priority, id`, [elder.communityCode]) : [];
    const volunteers = roster.filter((r) => r.kind === 'volunteer');
    const orgs = roster.filter((r) => r.kind === 'social-organisation');
    if (volunteers.length > 0 || orgs.length === 0) {
      steps.push({ responder: 'volunteer', contacts: volunteers.map((r) => ({ name: r.name, phone: r.phone, rosterId: r.id })), timeoutSeconds: e.volunteerTimeoutSeconds });
    }
    if (orgs.length > 0) steps.push({ responder: 'social-organisation', contacts: orgs.map((r) => ({ name: r.name, phone: r.phone, rosterId: r.id })), timeoutSeconds: e.socialOrganisationTimeoutSeconds });
  }
  steps.push({ responder: 'call-seat', contacts: [{ name: '24小时人工坐席', phone: null }], timeoutSeconds: e.callSeatTimeoutSeconds });
  return { at: at.toISOString(), workday: day.workday, day, steps: steps.map((s, i) => ({ order: i + 1, ...s })) };
}
