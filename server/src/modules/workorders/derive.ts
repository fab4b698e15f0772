/**
 * The state of a work order as a pure function of its action log. The service stores the result
 * beside the order for listing, but this function is the only place that decides it; replaying
 * the log always gives the same state. `applyAction` is also the gate for new actions: an action
 * that makes no sense in the current state (acting on a closed order, accepting twice, creating
 * twice) is refused with a 'conflict'.
 */
import { AppError } from '../../platform/errors.ts';
import type { ActionKind, Assignee, WorkOrderStatus } from './types.ts';

export interface ActionFacts {
  kind: ActionKind;
  at: string;
  assignee?: Assignee | null;
  data?: Record<string, unknown> | null;
}

export interface DerivedState {
  status: WorkOrderStatus;
  assignee: Assignee;
  escalationLevel: number;
  createdAt: string;
  dueAt: string | null;
  acceptedAt: string | null;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
}

/** Kinds allowed once an order is resolved (anything else needs a reopen first). */
const AFTER_RESOLVED: ReadonlySet<ActionKind> = new Set(['note', 'closed', 'reopened']);

const refuse = (message: string, kind: ActionKind): AppError => new AppError('conflict', message, { field: 'kind', kind });

/** A due time carried by an action: `data.dueAt` (an ISO string, or null to clear it). */
function dueFrom(action: ActionFacts): string | null | undefined {
  const d = action.data?.dueAt;
  return typeof d === 'string' || d === null ? d : undefined;
}

/** The state after one more action; throws AppError('conflict') when the action is not allowed. */
export function applyAction(state: DerivedState | null, action: ActionFacts): DerivedState {
  if (state === null) {
    if (action.kind !== 'created') throw refuse(`the first action of a work order must be 'created', not '${action.kind}'`, action.kind);
    if (!action.assignee) throw refuse('a work order is created with an assignee', action.kind);
    return {
      status: 'open', assignee: action.assignee, escalationLevel: 0, createdAt: action.at, dueAt: dueFrom(action) ?? null,
      acceptedAt: null, acknowledgedAt: null, resolvedAt: null, closedAt: null,
    };
  }
  const s = { ...state };
  if (action.kind === 'created') throw refuse('the work order already exists', action.kind);
  if (s.status === 'closed' && action.kind !== 'reopened') throw refuse(`the work order is closed: '${action.kind}' is not possible (reopen it first)`, action.kind);
  if (s.status === 'resolved' && !AFTER_RESOLVED.has(action.kind)) throw refuse(`the work order is resolved: '${action.kind}' is not possible (reopen it first)`, action.kind);
  switch (action.kind) {
    case 'assigned':
    case 'escalated': {
      if (!action.assignee) throw refuse(`'${action.kind}' needs the new assignee`, action.kind);
      s.assignee = action.assignee;
      s.status = 'open';
      s.acceptedAt = null;
      if (action.kind === 'escalated') {
        const level = action.data?.level;
        s.escalationLevel = typeof level === 'number' ? level : s.escalationLevel + 1;
      }
      const due = dueFrom(action);
      if (due !== undefined) s.dueAt = due;
      return s;
    }
    case 'accepted':
      if (s.status === 'accepted') throw refuse('the work order is already accepted', action.kind);
      return { ...s, status: 'accepted', acceptedAt: action.at };
    case 'acknowledged':
      // A human took the alarm or task: it counts as accepted; later acknowledgements are kept in the log.
      return { ...s, status: 'accepted', acceptedAt: s.acceptedAt ?? action.at, acknowledgedAt: s.acknowledgedAt ?? action.at };
    case 'on-site':
      return { ...s, status: 'accepted', acceptedAt: s.acceptedAt ?? action.at };
    case 'resolved':
      return { ...s, status: 'resolved', resolvedAt: action.at };
    case 'closed':
      return { ...s, status: 'closed', closedAt: action.at };
    case 'reopened': {
      if (s.status !== 'resolved' && s.status !== 'closed') throw refuse('only a resolved or closed work order can be reopened', action.kind);
      const due = dueFrom(action);
      return { ...s, status: 'open', acceptedAt: null, resolvedAt: null, closedAt: null, ...(due !== undefined ? { dueAt: due } : {}) };
    }
    case 'note': case 'visit': case 'notified': case 'dispatched': case 'timeout':
      return s;
  }
}

/** The state of an order from its whole log (oldest first). */
export function deriveState(actions: readonly ActionFacts[]): DerivedState {
  let state: DerivedState | null = null;
  for (const a of actions) state = applyAction(state, a);
  if (state === null) throw new Error('a work order without actions has no state');
  return state;
}

/** Overdue: past its due time and still waiting for someone (open or accepted). */
export const isOverdue = (s: Pick<DerivedState, 'status' | 'dueAt'>, now: Date): boolean =>
  s.dueAt !== null && (s.status === 'open' || s.status === 'accepted') && Date.parse(s.dueAt) < now.getTime();
