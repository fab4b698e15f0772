/** What a resident signed in on the portal may see about themself: who looked at their file. */
import type { Queryable } from '../../platform/db.ts';
import { newToken, tokenHash } from '../../platform/auth/sessions.ts';
import { ROLE_LABELS, Role } from '../../platform/auth/roles.ts';

export const RESIDENT_SESSION_HOURS = 2;

export async function createResidentSession(db: Queryable, personId: number): Promise<string> {
  const token = newToken();
  await db.query(`INSERT INTO resident_session (token_hash, person_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))`,
    [tokenHash(token), personId, RESIDENT_SESSION_HOURS]);
  return token;
}

export async function endResidentSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM resident_session WHERE token_hash = $1', [tokenHash(token)]);
}

/** Plain-language names of the actions a resident may find in their access log. */
const ACTION_LABELS: Record<string, string> = {
  'person.read': '查看了您的档案', 'person.search': '在查询结果中看到了您', 'person.history': '查看了您档案的变更记录',
  'person.update': '更新了您的档案', 'person.create': '建立了您的档案', 'person.reveal': '查看了您的完整证件号或电话',
  'person.access-code': '为您发放了查询码', 'household.read': '查看了您的家庭户档案', 'household.write': '更新了您的家庭户档案',
  'relation.create': '登记了您的家庭关系',
};

export interface AccessLogEntry { at: string; office: string | null; roles: string[]; action: string; actionLabel: string; reason: string | null }

/** Staff reads and writes of a person's data: by office and role, never by staff name. */
export async function accessLogOf(db: Queryable, personId: number, limit = 200): Promise<AccessLogEntry[]> {
  const rows = await db.query<{ at: string; office: string | null; role: string | null; action: string; reason: string | null }>(
    `SELECT at, office, role, action, reason FROM audit_log
     WHERE actor_kind = 'staff' AND outcome = 'ok' AND $1::bigint = ANY (subject_ids)
     ORDER BY at DESC, id DESC LIMIT $2`, [personId, limit]);
  return rows.map((r) => ({
    at: r.at, office: r.office, action: r.action, actionLabel: ACTION_LABELS[r.action] ?? r.action, reason: r.reason,
    roles: (r.role ?? '').split(',').filter((x): x is Role => (Role as readonly string[]).includes(x)).map((x) => ROLE_LABELS[x]),
  }));
}
