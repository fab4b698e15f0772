/**
 * The audit log of personal data: every staff read and write, every reveal with its reason,
 * logins and refusals. Insert-only (migration 010). Writing an entry never fails the request
 * silently: an audit write error fails the request, because an unlogged read must not happen.
 */
import type { FastifyRequest } from 'fastify';
import type { Queryable } from './db.ts';
import type { StaffPrincipal } from './auth/sessions.ts';

export interface AuditEntry {
  action: string;               // e.g. person.read, person.search, person.update, person.reveal, auth.login
  entity?: string;              // person | household | import | user ...
  entityId?: string | number;
  subjectIds?: readonly number[];
  fields?: readonly string[];
  reason?: string;
  outcome?: 'ok' | 'denied' | 'failed';
  detail?: Record<string, unknown>;
}

export interface AuditActor {
  kind: 'staff' | 'resident' | 'system' | 'anonymous';
  userId: number | null; name: string; role: string | null; office: string | null; regionCode: string | null;
}

export function staffActor(staff: StaffPrincipal): AuditActor {
  const first = staff.bindings[0];
  return {
    kind: 'staff', userId: staff.userId, name: staff.username, office: staff.office,
    role: staff.bindings.map((b) => b.role).filter((r, i, a) => a.indexOf(r) === i).join(',') || null,
    regionCode: first?.regionCode ?? null,
  };
}

export async function writeAudit(db: Queryable, actor: AuditActor, entry: AuditEntry, from?: Pick<FastifyRequest, 'ip' | 'headers'>): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_kind, actor_user_id, actor_name, role, office, region_code, action, entity, entity_id,
       subject_ids, fields, reason, outcome, ip, user_agent, detail)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10::bigint[],$11::text[],$12,$13,$14,$15,$16::jsonb)`,
    [actor.kind, actor.userId, actor.name, actor.role, actor.office, actor.regionCode, entry.action, entry.entity ?? null,
      entry.entityId === undefined ? null : String(entry.entityId), entry.subjectIds ?? [], entry.fields ?? [],
      entry.reason ?? null, entry.outcome ?? 'ok', from?.ip ?? null,
      (from?.headers['user-agent'] as string | undefined)?.slice(0, 300) ?? null, entry.detail ? JSON.stringify(entry.detail) : null]);
}
