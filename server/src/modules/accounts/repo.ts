import type { Queryable } from '../../platform/db.ts';
import type { Role } from '../../platform/auth/roles.ts';

export interface UserRow {
  id: number; username: string; display_name: string; office: string; password_hash: string; active: boolean;
  failed_logins: number; locked_until: string | null; created_at: string;
}
export interface BindingRow { id: number; user_id: number; role: Role; region_code: string; region_name: string; grid_id: string | null }

export async function findUserByName(db: Queryable, username: string): Promise<UserRow | undefined> {
  const [row] = await db.query<UserRow>('SELECT * FROM staff_user WHERE username = $1', [username]);
  return row;
}

export async function findUser(db: Queryable, id: number): Promise<UserRow | undefined> {
  const [row] = await db.query<UserRow>('SELECT * FROM staff_user WHERE id = $1', [id]);
  return row;
}

export async function listUsers(db: Queryable): Promise<UserRow[]> {
  return db.query<UserRow>('SELECT * FROM staff_user ORDER BY id');
}

export async function bindingsOf(db: Queryable, userIds: readonly number[]): Promise<BindingRow[]> {
  if (userIds.length === 0) return [];
  return db.query<BindingRow>(
    `SELECT r.id, r.user_id, r.role, r.region_code, g.name AS region_name, r.grid_id FROM staff_role r
     JOIN region g ON g.code = r.region_code WHERE r.user_id = ANY($1::bigint[]) ORDER BY r.id`, [userIds]);
}

export async function insertUser(db: Queryable, u: { username: string; displayName: string; office: string; passwordHash: string; createdBy: string }): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    'INSERT INTO staff_user (username, display_name, office, password_hash, created_by) VALUES ($1,$2,$3,$4,$5) RETURNING id',
    [u.username, u.displayName, u.office, u.passwordHash, u.createdBy]);
  return row!.id;
}

export async function replaceBindings(db: Queryable, userId: number, bindings: ReadonlyArray<{ role: Role; regionCode: string; gridId: string | null }>): Promise<void> {
  await db.query('DELETE FROM staff_role WHERE user_id = $1', [userId]);
  for (const b of bindings) {
    await db.query('INSERT INTO staff_role (user_id, role, region_code, grid_id) VALUES ($1,$2,$3,$4)', [userId, b.role, b.regionCode, b.gridId]);
  }
}

/** Counts a failed login; locks the account when the count reaches `maxFailures`. */
export async function recordFailure(db: Queryable, id: number, maxFailures: number, lockMinutes: number): Promise<{ lockedUntil: string | null }> {
  const [row] = await db.query<{ locked_until: string | null }>(
    `UPDATE staff_user SET
       failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
       locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(mins => $3) ELSE locked_until END
     WHERE id = $1 RETURNING locked_until`, [id, maxFailures, lockMinutes]);
  return { lockedUntil: row?.locked_until ?? null };
}

export async function clearFailures(db: Queryable, id: number): Promise<void> {
  await db.query('UPDATE staff_user SET failed_logins = 0, locked_until = NULL WHERE id = $1', [id]);
}

export async function countActiveAdmins(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(DISTINCT u.id)::int AS n FROM staff_user u JOIN staff_role r ON r.user_id = u.id WHERE u.active AND r.role = 'city-admin'`);
  return row?.n ?? 0;
}
