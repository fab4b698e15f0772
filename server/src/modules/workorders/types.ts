/**
 * Work orders (工单), shared by every module: monitoring verification tasks, elder-guard alarms and
 * maintenance, missed visits, residents' complaints. A work order is an append-only action log;
 * its state is derived from the actions by a pure function. Other modules use ONLY the functions
 * exported from ./service.ts with these types (the contract below), never the tables.
 */
import type { Role } from '../../platform/auth/roles.ts';

/** Module-defined kinds, e.g. 'verification', 'alarm', 'device-maintenance', 'missed-visit', 'complaint'. */
export type WorkOrderType = string;

export const ActionKind = [
  'created', 'assigned', 'accepted', 'note', 'visit', 'escalated', 'notified', 'acknowledged',
  'dispatched', 'on-site', 'timeout', 'resolved', 'closed', 'reopened',
] as const;
export type ActionKind = (typeof ActionKind)[number];

export const WorkOrderStatus = ['open', 'accepted', 'resolved', 'closed'] as const;
export type WorkOrderStatus = (typeof WorkOrderStatus)[number];

/**
 * Who should act: a named user, or a role in a region (and grid). A role assignee is anyone holding
 * that role bound to a region containing `regionCode` (grid workers: bound to `gridId`).
 */
export interface Assignee {
  userId?: number;
  role?: Role;
  regionCode?: string;
  gridId?: string;
  /** Free label for outside responders (a relative, a volunteer organisation) shown in the timeline. */
  label?: string;
}

export interface NewWorkOrder {
  type: WorkOrderType;
  /** What the order is about. */
  subject: { kind: 'person' | 'household' | 'device' | 'complaint' | 'task' | string; id: string };
  /** Community (or street/district) code the order belongs to: decides who may see it (scope). */
  regionCode: string;
  gridId?: string | null;
  title: string;
  priority?: 'low' | 'normal' | 'high' | 'critical';
  assignee: Assignee;
  /** SLA: a number of working days from now (official calendar), or an exact due time. */
  due: { workingDays: number } | { at: string } | null;
  /** Module data shown with the order (evidence, rule id, alarm id…); no secrets. */
  payload?: Record<string, unknown>;
  /** Idempotency: creating again with the same key returns the existing order. */
  clientKey?: string;
  actor: string;
  /**
   * 'chain' (default): when overdue, the order escalates along the role chain in table
   * work_order_escalation (grid worker → community → street). 'none': the creating module runs its
   * own escalation (e.g. alarms: relatives, then responders, then the call seat).
   */
  escalation?: 'chain' | 'none';
}

export interface NewAction {
  kind: ActionKind;
  actor: string;
  /** Idempotency key per work order: the same (order, key) is stored once. */
  clientActionId?: string;
  note?: string;
  assignee?: Assignee;
  data?: Record<string, unknown>;
  /** When it happened (defaults to now); to the second. */
  at?: string;
}

export interface WorkOrderAction {
  seq: number;
  kind: ActionKind;
  actor: string;
  at: string;
  note: string | null;
  assignee: Assignee | null;
  data: Record<string, unknown> | null;
}

export interface WorkOrder {
  id: number;
  type: WorkOrderType;
  subject: { kind: string; id: string };
  regionCode: string;
  gridId: string | null;
  title: string;
  priority: 'low' | 'normal' | 'high' | 'critical';
  status: WorkOrderStatus;
  assignee: Assignee;
  escalationLevel: number;
  createdAt: string;
  dueAt: string | null;
  overdue: boolean;
  resolvedAt: string | null;
  closedAt: string | null;
  payload: Record<string, unknown>;
  /** Names for display (the division and grid of regionCode and gridId). */
  regionName?: string | null;
  gridName?: string | null;
  actions: WorkOrderAction[];
}

/** A work order without its action log, as lists return it. */
export type WorkOrderSummary = Omit<WorkOrder, 'actions'>;

/** List filters; all optional and combined with AND. */
export interface WorkOrderFilter {
  type?: WorkOrderType;
  status?: WorkOrderStatus[];
  /** Orders assigned to this user personally, or to a role they hold (with `roles`). */
  assignedTo?: { userId: number; roles?: Role[] };
  /** Region prefix (a district, street or community code's significant digits). */
  regionPrefix?: string;
  overdue?: boolean;
  subject?: { kind: string; id: string };
  limit?: number;
  offset?: number;
}
