/**
 * Accounts, roles and permissions as the console sees them (mirrors server/src/platform/auth/roles.ts
 * and the shapes of /api/auth/* and /api/admin/users; not validated at runtime).
 */
import type { RegionLevel } from '@minsheng/contracts';

export const ROLES = [
  'city-admin', 'district-staff', 'street-staff', 'community-worker', 'grid-worker',
  'call-seat', 'responder', 'auditor', 'dept-reporter',
] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'regions.read', 'registry.read', 'registry.write', 'registry.reveal', 'pii.phone', 'imports.run',
  'access-codes.issue', 'audit.read', 'users.admin', 'policy.run',
  'workorders.read', 'workorders.act', 'calendar.admin', 'monitoring.read', 'monitoring.run', 'feeds.import',
  'eldercare.read', 'eldercare.write', 'alarms.handle', 'projects.report', 'projects.review', 'suggestions.moderate',
  'complaints.handle',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Which region level each role is bound at (the server refuses other levels). */
export const ROLE_LEVEL: Record<Role, RegionLevel | 'any'> = {
  'city-admin': 'city', 'district-staff': 'district', 'street-staff': 'street', 'community-worker': 'community',
  'grid-worker': 'community', 'call-seat': 'any', 'responder': 'any', 'auditor': 'any', 'dept-reporter': 'any',
};

/** One role binding of the signed-in user (`GET /api/auth/me`). */
export interface MeRole {
  role: Role;
  regionCode: string;
  regionPrefix: string;
  gridId: string | null;
  /** Chinese label from the server. */
  label: string;
}

/** `GET /api/auth/me` */
export interface Me {
  id: number;
  username: string;
  displayName: string;
  office: string;
  csrfToken: string;
  roles: MeRole[];
  permissions: Permission[];
}

export interface StaffRoleBinding { role: Role; regionCode: string; regionName: string; gridId: string | null }

/** An account as `/api/admin/users` and `POST /api/auth/login` return it. */
export interface StaffUser {
  id: number;
  username: string;
  displayName: string;
  office: string;
  active: boolean;
  lockedUntil: string | null;
  failedLogins: number;
  createdAt: string;
  roles: StaffRoleBinding[];
}

/** `POST /api/auth/login` */
export interface LoginAnswer { csrfToken: string; user: StaffUser }

export interface BindingInput { role: Role; regionCode: string; gridId?: string | null }

/** `POST /api/admin/users` */
export interface UserCreate {
  username: string;
  displayName: string;
  office: string;
  password: string;
  roles: BindingInput[];
}

/** `PATCH /api/admin/users/:id` */
export interface UserPatch {
  displayName?: string;
  office?: string;
  active?: boolean;
  password?: string;
  roles?: BindingInput[];
}

export const MIN_PASSWORD_LENGTH = 10;

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);
