/**
 * The state of an assistance chain, derived by a pure function from its append-only links and
 * the current status of its verification work orders. Each link carries its SLA clock: the task's
 * due time (work order), the decision due after the visit, the follow-up date.
 */
export const ChainActionKind = ['opened', 'warning', 'task', 'visit', 'reevaluated', 'decision', 'aid', 'follow-up', 'note', 'closed'] as const;
export type ChainActionKind = (typeof ChainActionKind)[number];

export interface ChainAction {
  seq: number; kind: ChainActionKind; actor: string; at: string; note: string | null; data: Record<string, unknown>;
}

export interface TaskStatus { id: number; status: 'open' | 'accepted' | 'resolved' | 'closed'; dueAt: string | null; resolvedAt: string | null; overdue: boolean; assignee: unknown }

export type ChainStage = 'warning' | 'verifying' | 'verified' | 'not-confirmed' | 'reevaluated' | 'decided' | 'aided' | 'following-up' | 'closed';

export interface Sla { dueAt: string; metAt: string | null; overdue: boolean }
export interface ChainLink extends ChainAction { sla?: Sla }

export interface ChainState {
  status: 'open' | 'closed';
  stage: ChainStage;
  openTasks: number[];
  warnings: number;
  visitOutcome: 'confirmed' | 'rejected' | null;
  followUpOn: string | null;
  overdue: boolean;
  links: ChainLink[];
}

const isOpen = (t: TaskStatus | undefined): boolean => t !== undefined && (t.status === 'open' || t.status === 'accepted');

export function deriveChain(actions: readonly ChainAction[], tasks: ReadonlyMap<number, TaskStatus>, now: Date): ChainState {
  const sorted = [...actions].sort((a, b) => a.seq - b.seq);
  const nowIso = now.toISOString();
  const firstAfter = (seq: number, kinds: ChainActionKind[]): ChainAction | undefined => sorted.find((a) => a.seq > seq && kinds.includes(a.kind));
  const sla = (dueAt: string | null | undefined, metAt: string | null): Sla | undefined =>
    dueAt ? { dueAt, metAt, overdue: metAt === null ? dueAt < nowIso : metAt > dueAt } : undefined;

  const links: ChainLink[] = sorted.map((a) => {
    let clock: Sla | undefined;
    if (a.kind === 'task') {
      const t = tasks.get(Number(a.data.workOrderId));
      clock = sla(t?.dueAt ?? (a.data.dueAt as string | undefined), t?.resolvedAt ?? firstAfter(a.seq, ['visit'])?.at ?? null);
    } else if (a.kind === 'visit' && typeof a.data.decisionDueAt === 'string') {
      clock = sla(a.data.decisionDueAt, firstAfter(a.seq, ['decision', 'closed'])?.at ?? null);
    } else if (a.kind === 'follow-up' && typeof a.data.date === 'string') {
      // The follow-up is met by a note or the closure on or after its day.
      const due = `${a.data.date}T10:00:00.000Z`; // 18:00 Beijing on the day
      const met = sorted.find((b) => b.seq > a.seq && (b.kind === 'note' || b.kind === 'closed') && b.at.slice(0, 10) >= a.data.date!)?.at ?? null;
      clock = sla(due, met);
    }
    return clock ? { ...a, sla: clock } : { ...a };
  });

  const taskIds = [...new Set(sorted.filter((a) => a.kind === 'task').map((a) => Number(a.data.workOrderId)))];
  const openTasks = taskIds.filter((id) => isOpen(tasks.get(id)));
  const lastOf = (k: ChainActionKind): ChainAction | undefined => [...sorted].reverse().find((a) => a.kind === k);
  const visit = lastOf('visit');
  const visitOutcome = visit ? (visit.data.outcome === 'rejected' ? 'rejected' : 'confirmed') : null;
  const closed = sorted.at(-1)?.kind === 'closed' || lastOf('closed') !== undefined;
  const followUp = lastOf('follow-up');
  let stage: ChainStage;
  if (closed) stage = 'closed';
  else if (openTasks.length > 0) stage = 'verifying';
  else if (followUp) stage = 'following-up';
  else if (lastOf('aid')) stage = 'aided';
  else if (lastOf('decision')) stage = 'decided';
  else if (lastOf('reevaluated') && visitOutcome === 'confirmed') stage = 'reevaluated';
  else if (visitOutcome === 'rejected') stage = 'not-confirmed';
  else if (visitOutcome === 'confirmed') stage = 'verified';
  else stage = 'warning';
  return {
    status: closed ? 'closed' : 'open', stage, openTasks,
    warnings: sorted.filter((a) => a.kind === 'warning').length,
    visitOutcome, followUpOn: typeof followUp?.data.date === 'string' ? followUp.data.date : null,
    overdue: !closed && links.some((l) => l.sla?.overdue === true && l.sla.metAt === null),
    links,
  };
}
