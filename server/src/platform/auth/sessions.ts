/** Staff sessions: a random token in an HttpOnly cookie, stored as its SHA-256, with a CSRF token. */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db.ts';
import type { Role } from './roles.ts';
import type { RoleBinding } from './scope.ts';

export const SESSION_COOKIE = 'ms_session';
export const RESIDENT_COOKIE = 'ms_resident';
/** A session ends after this long without a request, and in any case after MAX_HOURS. */
export const SESSION_IDLE_MINUTES = 30;
export const SESSION_MAX_HOURS = 12;

export const newToken = (): string => randomBytes(32).toString('base64url');
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface StaffPrincipal {
  userId: number; username: string; displayName: string; office: string;
  bindings: RoleBinding[]; csrfToken: string; tokenHash: string;
}

export async function createSession(db: Queryable, userId: number, ip: string, userAgent: string | undefined): Promise<{ token: string; csrfToken: string }> {
  const token = newToken();
  const csrfToken = newToken();
  await db.query(
    `INSERT INTO staff_session (token_hash, user_id, csrf_token, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4), $5, $6)`,
    [tokenHash(token), userId, csrfToken, SESSION_MAX_HOURS, ip, userAgent ?? null]);
  return { token, csrfToken };
}

interface SessionRow {
  token_hash: string; csrf_token: string; user_id: number; username: string; display_name: string; office: string;
  bindings: Array<{ role: Role; regionCode: string; regionPrefix: string; gridId: string | null; gridIds: string[] | null }>;
}

/** The live session for a cookie token, refreshed; undefined when unknown, ended, idle or expired. */
export async function findSession(db: Queryable, token: string): Promise<StaffPrincipal | undefined> {
  const [row] = await db.query<SessionRow>(
    `UPDATE staff_session s SET last_seen_at = now()
     FROM staff_user u
     WHERE s.token_hash = $1 AND u.id = s.user_id AND u.active AND s.ended_at IS NULL
       AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(mins => $2)
     RETURNING s.token_hash, s.csrf_token, u.id AS user_id, u.username, u.display_name, u.office,
       coalesce((SELECT jsonb_agg(jsonb_build_object('role', r.role, 'regionCode', r.region_code, 'regionPrefix', g.prefix, 'gridId', r.grid_id,
                   'gridIds', CASE WHEN r.grid_id IS NULL THEN NULL ELSE
                     (SELECT jsonb_agg(x.id) FROM grid x WHERE x.id = r.grid_id OR x.parent_grid_id = r.grid_id) END) ORDER BY r.id)
                 FROM staff_role r JOIN region g ON g.code = r.region_code WHERE r.user_id = u.id), '[]'::jsonb) AS bindings`,
    [tokenHash(token), SESSION_IDLE_MINUTES]);
  if (!row) return undefined;
  return {
    userId: row.user_id, username: row.username, displayName: row.display_name, office: row.office,
    bindings: row.bindings.map((b) => ({ ...b, gridIds: b.gridIds ?? undefined })), csrfToken: row.csrf_token, tokenHash: row.token_hash,
  };
}

export async function endSession(db: Queryable, hash: string): Promise<void> {
  await db.query('UPDATE staff_session SET ended_at = now() WHERE token_hash = $1 AND ended_at IS NULL', [hash]);
}

export async function endSessionsOf(db: Queryable, userId: number): Promise<void> {
  await db.query('UPDATE staff_session SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL', [userId]);
}
