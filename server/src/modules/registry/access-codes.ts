/**
 * Access codes let a resident sign in to the portal with their citizen ID and a code issued on
 * their file (until real identity login exists). Shown once, stored as an argon2id hash.
 */
import { randomInt } from 'node:crypto';
import type { Queryable } from '../../platform/db.ts';
import { hashPassword, verifyPassword, dummyHash } from '../../platform/auth/password.ts';

/** No 0/O, 1/I/L: codes are read aloud and typed by elderly people. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const ACCESS_CODE_LENGTH = 10;
export const ACCESS_CODE_DAYS = 90;

export function newAccessCode(): string {
  let code = '';
  for (let i = 0; i < ACCESS_CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** Issues a new code and revokes earlier ones. */
export async function issueAccessCode(db: Queryable, personId: number, by: string): Promise<{ code: string; expiresAt: string }> {
  const code = newAccessCode();
  const hash = await hashPassword(code);
  await db.query('UPDATE resident_access_code SET revoked_at = now() WHERE person_id = $1 AND revoked_at IS NULL', [personId]);
  const [row] = await db.query<{ expires_at: string }>(
    `INSERT INTO resident_access_code (person_id, code_hash, created_by, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(days => $4)) RETURNING expires_at`, [personId, hash, by, ACCESS_CODE_DAYS]);
  return { code, expiresAt: row!.expires_at };
}

/** The person a citizen ID + code pair signs in as, if the code is live. */
export async function checkAccessCode(db: Queryable, citizenId: string, code: string): Promise<number | undefined> {
  const [row] = await db.query<{ person_id: number; code_hash: string }>(
    `SELECT c.person_id, c.code_hash FROM resident_access_code c JOIN person p ON p.id = c.person_id
     WHERE p.citizen_id = $1 AND c.revoked_at IS NULL AND c.expires_at > now() ORDER BY c.id DESC LIMIT 1`, [citizenId.toUpperCase()]);
  const normalized = code.trim().toUpperCase().replace(/[\s-]/g, '');
  if (!row) { await verifyPassword(await dummyHash(), normalized); return undefined; }
  return (await verifyPassword(row.code_hash, normalized)) ? row.person_id : undefined;
}
