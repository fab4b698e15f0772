/** Staff sign-in with lockout, and account administration. */
import { z } from 'zod';
import { AppError, notFound } from '../../platform/errors.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import { hashPassword, passwordProblem, verifyPassword, dummyHash } from '../../platform/auth/password.ts';
import { Role, ROLE_LEVEL } from '../../platform/auth/roles.ts';
import { createSession, endSessionsOf } from '../../platform/auth/sessions.ts';
import * as repo from './repo.ts';

/** After this many failed passwords in a row the account is locked for LOCK_MINUTES. */
export const MAX_FAILURES = 5;
export const LOCK_MINUTES = 15;

export const BindingInput = z.object({
  role: z.enum(Role),
  regionCode: z.string().regex(/^\d{12}$/, 'expected a 12-digit division code'),
  gridId: z.string().max(40).nullable().optional(),
});
export type BindingInput = z.infer<typeof BindingInput>;

export const UserInput = z.object({
  username: z.string().trim().toLowerCase().regex(/^[a-z0-9._-]{3,40}$/, '3–40 lower-case letters, digits, dot, dash or underscore'),
  displayName: z.string().trim().min(1).max(50),
  office: z.string().trim().min(2).max(80),
  password: z.string(),
  roles: z.array(BindingInput).min(1, 'an account needs at least one role'),
});
export type UserInput = z.infer<typeof UserInput>;

export interface StaffUser {
  id: number; username: string; displayName: string; office: string; active: boolean;
  lockedUntil: string | null; failedLogins: number; createdAt: string;
  roles: Array<{ role: Role; regionCode: string; regionName: string; gridId: string | null }>;
}

export async function signIn(db: Db, username: string, password: string, ip: string, userAgent: string | undefined):
  Promise<{ ok: true; userId: number; token: string; csrfToken: string } | { ok: false; reason: 'bad-credentials' | 'locked'; retryAfterSeconds?: number; userId?: number }> {
  const user = await repo.findUserByName(db, username.trim().toLowerCase());
  if (!user || !user.active) {
    await verifyPassword(await dummyHash(), password); // same work as a real check
    return { ok: false, reason: 'bad-credentials' };
  }
  if (user.locked_until && new Date(user.locked_until).getTime() > Date.now()) {
    return { ok: false, reason: 'locked', userId: user.id, retryAfterSeconds: Math.ceil((new Date(user.locked_until).getTime() - Date.now()) / 1000) };
  }
  if (!(await verifyPassword(user.password_hash, password))) {
    const { lockedUntil } = await repo.recordFailure(db, user.id, MAX_FAILURES, LOCK_MINUTES);
    if (lockedUntil && new Date(lockedUntil).getTime() > Date.now()) {
      return { ok: false, reason: 'locked', userId: user.id, retryAfterSeconds: Math.ceil((new Date(lockedUntil).getTime() - Date.now()) / 1000) };
    }
    return { ok: false, reason: 'bad-credentials', userId: user.id };
  }
  await repo.clearFailures(db, user.id);
  const session = await createSession(db, user.id, ip, userAgent);
  return { ok: true, userId: user.id, ...session };
}

async function checkBindings(db: Queryable, roles: readonly BindingInput[]): Promise<Array<{ role: Role; regionCode: string; gridId: string | null }>> {
  const out: Array<{ role: Role; regionCode: string; gridId: string | null }> = [];
  for (const [i, b] of roles.entries()) {
    const [region] = await db.query<{ level: string }>('SELECT level FROM region WHERE code = $1', [b.regionCode]);
    if (!region) throw new AppError('validation', `roles.${i}.regionCode: unknown region ${b.regionCode}`, { field: `roles.${i}.regionCode` });
    const level = ROLE_LEVEL[b.role];
    if (level !== 'any' && region.level !== level) {
      throw new AppError('validation', `roles.${i}.regionCode: a ${b.role} is bound to a ${level}, not a ${region.level}`, { field: `roles.${i}.regionCode` });
    }
    const gridId = b.gridId ?? null;
    if (b.role === 'grid-worker') {
      if (!gridId) throw new AppError('validation', `roles.${i}.gridId: a grid worker is bound to a grid`, { field: `roles.${i}.gridId` });
      const [grid] = await db.query<{ community_code: string }>('SELECT community_code FROM grid WHERE id = $1', [gridId]);
      if (!grid || grid.community_code !== b.regionCode) {
        throw new AppError('validation', `roles.${i}.gridId: grid ${gridId} is not in community ${b.regionCode}`, { field: `roles.${i}.gridId` });
      }
    } else if (gridId) {
      throw new AppError('validation', `roles.${i}.gridId: only grid workers are bound to a grid`, { field: `roles.${i}.gridId` });
    }
    out.push({ role: b.role, regionCode: b.regionCode, gridId });
  }
  return out;
}

export async function createUser(db: Db, input: UserInput, createdBy: string): Promise<StaffUser> {
  const problem = passwordProblem(input.password);
  if (problem) throw new AppError('validation', `password: ${problem}`, { field: 'password' });
  const passwordHash = await hashPassword(input.password);
  const id = await db.transaction(async (tx) => {
    if (await repo.findUserByName(tx, input.username)) throw new AppError('conflict', `username: ${input.username} is taken`, { field: 'username' });
    const bindings = await checkBindings(tx, input.roles);
    const userId = await repo.insertUser(tx, { username: input.username, displayName: input.displayName, office: input.office, passwordHash, createdBy });
    await repo.replaceBindings(tx, userId, bindings);
    return userId;
  });
  return getUser(db, id);
}

export const UserPatch = z.object({
  displayName: z.string().trim().min(1).max(50).optional(),
  office: z.string().trim().min(2).max(80).optional(),
  active: z.boolean().optional(),
  password: z.string().optional(),
  roles: z.array(BindingInput).min(1).optional(),
});
export type UserPatch = z.infer<typeof UserPatch>;

export async function updateUser(db: Db, id: number, patch: UserPatch): Promise<StaffUser> {
  if (patch.password !== undefined) {
    const problem = passwordProblem(patch.password);
    if (problem) throw new AppError('validation', `password: ${problem}`, { field: 'password' });
  }
  const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;
  await db.transaction(async (tx) => {
    const user = await repo.findUser(tx, id);
    if (!user) throw notFound(`user ${id}`);
    await tx.query(
      `UPDATE staff_user SET display_name = coalesce($2, display_name), office = coalesce($3, office),
         active = coalesce($4, active), password_hash = coalesce($5, password_hash) WHERE id = $1`,
      [id, patch.displayName ?? null, patch.office ?? null, patch.active ?? null, passwordHash ?? null]);
    if (patch.roles) await repo.replaceBindings(tx, id, await checkBindings(tx, patch.roles));
    // Changed rights or credentials take effect now, not at the next login.
    if (patch.roles || patch.active === false || passwordHash) await endSessionsOf(tx, id);
  });
  return getUser(db, id);
}

export async function unlockUser(db: Db, id: number): Promise<StaffUser> {
  if (!(await repo.findUser(db, id))) throw notFound(`user ${id}`);
  await repo.clearFailures(db, id);
  return getUser(db, id);
}

export async function listUsers(db: Queryable): Promise<StaffUser[]> {
  const users = await repo.listUsers(db);
  const bindings = await repo.bindingsOf(db, users.map((u) => u.id));
  return users.map((u) => toStaffUser(u, bindings.filter((b) => b.user_id === u.id)));
}

export async function getUser(db: Queryable, id: number): Promise<StaffUser> {
  const user = await repo.findUser(db, id);
  if (!user) throw notFound(`user ${id}`);
  return toStaffUser(user, await repo.bindingsOf(db, [id]));
}

function toStaffUser(u: repo.UserRow, bindings: repo.BindingRow[]): StaffUser {
  return {
    id: u.id, username: u.username, displayName: u.display_name, office: u.office, active: u.active,
    lockedUntil: u.locked_until && new Date(u.locked_until).getTime() > Date.now() ? u.locked_until : null,
    failedLogins: u.failed_logins, createdAt: u.created_at,
    roles: bindings.map((b) => ({ role: b.role, regionCode: b.region_code, regionName: b.region_name, gridId: b.grid_id })),
  };
}

export const countActiveAdmins = repo.countActiveAdmins;
