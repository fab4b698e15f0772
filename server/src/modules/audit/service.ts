/** Searching the audit log (auditors only). */
import { z } from 'zod';
import { IsoDate } from '@minsheng/contracts';
import type { Queryable } from '../../platform/db.ts';

export const AuditFilter = z.object({
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  user: z.string().max(60).optional(),
  action: z.string().max(60).optional(),
  personId: z.coerce.number().int().positive().optional(),
  outcome: z.enum(['ok', 'denied', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

export interface AuditRow {
  id: number; at: string; actor_kind: string; actor_name: string; role: string | null; office: string | null; region_code: string | null;
  action: string; entity: string | null; entity_id: string | null; subject_ids: number[]; fields: string[]; reason: string | null;
  outcome: string; ip: string | null; user_agent: string | null; detail: Record<string, unknown> | null;
}

function where(f: AuditFilter): { sql: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const add = (cond: (n: number) => string, v: unknown): void => { params.push(v); conds.push(cond(params.length)); };
  // Days are China days (UTC+8), as the auditor reads them.
  if (f.from) add((n) => `at >= ($${n}::date)::timestamp AT TIME ZONE 'Asia/Shanghai'`, f.from);
  if (f.to) add((n) => `at < ($${n}::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'`, f.to);
  if (f.user) add((n) => `actor_name = $${n}`, f.user);
  if (f.action) add((n) => `action LIKE $${n} || '%'`, f.action);
  if (f.personId) add((n) => `$${n}::bigint = ANY (subject_ids)`, f.personId);
  if (f.outcome) add((n) => `outcome = $${n}`, f.outcome);
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

export async function searchAudit(db: Queryable, f: AuditFilter): Promise<{ items: AuditRow[]; total: number }> {
  const { sql, params } = where(f);
  const items = await db.query<AuditRow>(`SELECT * FROM audit_log ${sql} ORDER BY at DESC, id DESC LIMIT ${f.limit} OFFSET ${f.offset}`, params);
  const [count] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log ${sql}`, params);
  return { items, total: count?.n ?? 0 };
}

/** Streams matching rows in pages, for the export. */
export async function* auditPages(db: Queryable, f: AuditFilter, pageSize = 5000): AsyncGenerator<AuditRow[]> {
  for (let offset = 0; ; offset += pageSize) {
    const { items } = await searchAudit(db, { ...f, limit: pageSize, offset });
    if (items.length === 0) return;
    yield items;
    if (items.length < pageSize) return;
  }
}
