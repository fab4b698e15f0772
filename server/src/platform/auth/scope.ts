/**
 * The region subtree a caller may see, for one permission. Built only from the caller's role
 * bindings; repositories that return personal data take a Scope and add its SQL condition, so a
 * query without a scope does not type-check.
 */
import type { Permission, Role } from './roles.ts';
import { ROLE_PERMISSIONS } from './roles.ts';

export interface RoleBinding {
  role: Role; regionCode: string; regionPrefix: string; gridId: string | null;
  /** The bound grid and the micro grids inside it (a general-grid worker covers its micro grids). */
  gridIds?: readonly string[];
}

declare const scopeBrand: unique symbol;
export interface Scope {
  readonly [scopeBrand]: true;
  /** Region prefixes: everything whose community code starts with one is visible. */
  readonly prefixes: readonly string[];
  /** Grids visible to a grid worker (only persons/households in these grids). */
  readonly gridIds: readonly string[];
  /** City-wide: also records not (yet) placed in any community. */
  readonly all: boolean;
}

export function scopeFor(bindings: readonly RoleBinding[], permission: Permission): Scope {
  const prefixes = new Set<string>();
  const gridIds = new Set<string>();
  for (const b of bindings) {
    if (!ROLE_PERMISSIONS[b.role].includes(permission)) continue;
    if (b.gridId !== null) for (const g of b.gridIds ?? [b.gridId]) gridIds.add(g);
    else prefixes.add(b.regionPrefix);
  }
  return { prefixes: [...prefixes], gridIds: [...gridIds], all: [...prefixes].some((p) => p.length <= 2) } as unknown as Scope;
}

/** A scope over the whole of the given prefixes: for the system itself (imports by CLI, jobs). */
export function systemScope(prefixes: readonly string[] = ['']): Scope {
  return { prefixes: [...prefixes], gridIds: [], all: true } as unknown as Scope;
}

export const isEmptyScope = (s: Scope): boolean => s.prefixes.length === 0 && s.gridIds.length === 0;

/**
 * SQL condition limiting rows to the scope. `communityCol` and `gridCol` are trusted column
 * expressions; the values go in as parameters appended to `params`, or, for statements that take
 * no parameters (CREATE TABLE … AS), are written by `params` itself as a quoted text[] literal.
 */
export function scopeSql(scope: Scope, communityCol: string, gridCol: string, params: unknown[] | ((values: readonly string[]) => string)): string {
  if (isEmptyScope(scope)) return 'false';
  if (scope.all) return 'true';
  const value = (v: readonly string[]): string => {
    if (typeof params === 'function') return params(v);
    params.push(v);
    return `$${params.length}::text[]`;
  };
  const parts: string[] = [];
  if (scope.prefixes.length > 0) parts.push(`${communityCol} LIKE ANY (${value(scope.prefixes.map((p) => `${p}%`))})`);
  if (scope.gridIds.length > 0) parts.push(`${gridCol} = ANY (${value(scope.gridIds)})`);
  return `(${parts.join(' OR ')})`;
}

/** Whether a region code (a community, or a region's own code) lies inside the scope. */
export function scopeCovers(scope: Scope, communityCode: string | null, gridId: string | null): boolean {
  if (scope.all) return true;
  if (gridId !== null && scope.gridIds.includes(gridId)) return true;
  return communityCode !== null && scope.prefixes.some((p) => communityCode.startsWith(p));
}
