/**
 * Who may see a work order. Staff see the orders of their region subtree (grid workers: of their
 * grids) through the usual Scope; anyone also sees an order assigned to them personally; and
 * volunteers/social organisations (responder) see only orders given to them or to the responder
 * role of their region, never the region's other orders (roles.ts: "see only the alarms and
 * visits given to them").
 */
import { scopeFor, scopeSql, type Scope } from '../../platform/auth/scope.ts';
import type { Permission } from '../../platform/auth/roles.ts';
import type { StaffPrincipal } from '../../platform/auth/sessions.ts';

export interface Viewer {
  readonly kind: 'viewer';
  readonly scope: Scope;
  readonly userId: number;
  /** Region prefixes where the viewer is a responder. */
  readonly responderPrefixes: readonly string[];
}

/** A Scope (the system, or a module passing its caller's scope) or a signed-in viewer. */
export type WorkOrderScope = Scope | Viewer;

const isViewer = (s: WorkOrderScope): s is Viewer => (s as Partial<Viewer>).kind === 'viewer';

export function viewerOf(staff: StaffPrincipal, permission: Permission = 'workorders.read'): Viewer {
  return {
    kind: 'viewer',
    scope: scopeFor(staff.bindings.filter((b) => b.role !== 'responder'), permission),
    userId: staff.userId,
    responderPrefixes: staff.bindings.filter((b) => b.role === 'responder').map((b) => b.regionPrefix),
  };
}

/** SQL condition over alias `w` (work_order); undefined scope = the system (everything). */
export function visibilitySql(scope: WorkOrderScope | undefined, params: unknown[]): string {
  if (scope === undefined) return 'true';
  if (!isViewer(scope)) return scopeSql(scope, 'w.region_code', 'w.grid_id', params);
  const parts = [scopeSql(scope.scope, 'w.region_code', 'w.grid_id', params)];
  params.push(scope.userId);
  parts.push(`w.assignee_user_id = $${params.length}`);
  if (scope.responderPrefixes.length > 0) {
    params.push(scope.responderPrefixes.map((p) => `${p}%`));
    parts.push(`(w.assignee_role = 'responder' AND w.region_code LIKE ANY ($${params.length}::text[]))`);
  }
  return `(${parts.join(' OR ')})`;
}
