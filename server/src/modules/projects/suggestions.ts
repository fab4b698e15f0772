/**
 * Residents' suggestions (我为民心工程提建议): submitted anonymously or with contact, moderated by
 * the city office (publish or reject, categorise, merge duplicates, adopt and link to the projects
 * they led to). The moderation log is append-only; the state is derived from it by a pure
 * function and kept on the row in the same transaction so public lists filter in SQL.
 */
import { randomBytes } from 'node:crypto';
import type { PublicSuggestion, PublicSuggestionList, SuggestionReceipt, SuggestionStatus, SuggestionSubmit, SuggestionTopic } from '@minsheng/contracts';
import { PublicSuggestionStatus, SuggestionTopic as Topics } from '@minsheng/contracts';
import { z } from 'zod';
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { redactPersonalNumbers, maskName, maskPhone } from './redact.ts';
import { invalidateTracker } from './tracker.ts';

export const ModerationAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('publish') }),
  z.object({ kind: z.literal('reject'), reason: z.string().trim().min(2).max(200) }),
  z.object({ kind: z.literal('categorise'), topic: z.enum(Topics) }),
  z.object({ kind: z.literal('merge'), into: z.number().int().positive() }),
  z.object({ kind: z.literal('adopt'), response: z.string().trim().max(1000).optional() }),
  z.object({ kind: z.literal('not-adopt'), response: z.string().trim().min(2).max(1000) }),
  z.object({ kind: z.literal('link'), targetKind: z.enum(['project', 'task']), targetId: z.number().int().positive() }),
  z.object({ kind: z.literal('unlink'), targetKind: z.enum(['project', 'task']), targetId: z.number().int().positive() }),
  z.object({ kind: z.literal('respond'), text: z.string().trim().min(2).max(1000) }),
]);
export type ModerationAction = z.infer<typeof ModerationAction>;

type StoredKind = 'submitted' | 'published' | 'rejected' | 'categorised' | 'merged' | 'adopted' | 'not-adopted' | 'linked' | 'unlinked' | 'responded';
export interface SuggestionActionRow { kind: StoredKind; data: Record<string, unknown> }
export interface SuggestionState {
  status: SuggestionStatus; topic: SuggestionTopic; mergedInto: number | null; response: string | null;
  links: Array<{ kind: 'project' | 'task'; id: number }>;
}

/** The state of a suggestion from its actions (oldest first). */
export function suggestionState(actions: readonly SuggestionActionRow[]): SuggestionState {
  const s: SuggestionState = { status: 'pending', topic: 'other', mergedInto: null, response: null, links: [] };
  for (const a of actions) {
    const d = a.data;
    switch (a.kind) {
      case 'submitted': case 'categorised': s.topic = d.topic as SuggestionTopic; break;
      case 'published': s.status = 'published'; break;
      case 'rejected': s.status = 'rejected'; break;
      case 'merged': s.status = 'merged'; s.mergedInto = d.into as number; break;
      case 'adopted': s.status = 'adopted'; if (d.response) s.response = d.response as string; break;
      case 'not-adopted': s.status = 'not-adopted'; s.response = d.response as string; break;
      case 'responded': s.response = d.text as string; break;
      case 'linked': if (!s.links.some((l) => l.kind === d.kind && l.id === d.id)) s.links.push({ kind: d.kind as 'project' | 'task', id: d.id as number }); break;
      case 'unlinked': s.links = s.links.filter((l) => !(l.kind === d.kind && l.id === d.id)); break;
    }
  }
  return s;
}

const RECEIPT_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const randomCode = (n: number): string => [...randomBytes(n)].map((b) => RECEIPT_ALPHABET[b % 32]).join('');

export async function submitSuggestion(db: Db, input: SuggestionSubmit): Promise<SuggestionReceipt> {
  if (input.regionCode) {
    const [r] = await db.query('SELECT 1 FROM region WHERE code = $1', [input.regionCode]);
    if (!r) throw new AppError('validation', 'regionCode: unknown division code', { field: 'regionCode' });
  }
  const anonymous = input.anonymous || (!input.contactName && !input.contactPhone);
  const title = redactPersonalNumbers(input.title).text;
  const body = redactPersonalNumbers(input.body).text;
  const receipt = await db.transaction(async (tx) => {
    const receipt = `S-${randomCode(10)}`;
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO suggestion (receipt, title, body, topic, region_code, anonymous, contact_name, contact_phone) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`,
      [receipt, title, body, input.topic, input.regionCode ?? null, anonymous, anonymous ? null : input.contactName ?? null, anonymous ? null : input.contactPhone ?? null]);
    await tx.query(`INSERT INTO suggestion_action (suggestion_id, kind, data, actor) VALUES ($1,'submitted',$2::jsonb,'resident')`, [row!.id, JSON.stringify({ topic: input.topic })]);
    return { id: row!.id, receipt, status: 'pending' as const, message: '建议已收到，经审核后公开。Your suggestion has been received and will be public after moderation.' };
  });
  invalidateSuggestions(); // after the commit, so no reader caches the list without it
  return receipt;
}

/** Applies one moderation action; refuses actions that make no sense in the current state. */
export async function moderate(db: Db, id: number, action: ModerationAction, actor: string): Promise<SuggestionState> {
  const result = await db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: number }>('SELECT id FROM suggestion WHERE id = $1 FOR UPDATE', [id]);
    if (!row) throw notFound('suggestion');
    const actions = await tx.query<SuggestionActionRow>('SELECT kind, data FROM suggestion_action WHERE suggestion_id = $1 ORDER BY id', [id]);
    const now = suggestionState(actions);
    const refuse = (why: string): never => { throw new AppError('conflict', why, { field: 'kind' }); };
    let stored: SuggestionActionRow;
    switch (action.kind) {
      case 'publish': if (now.status !== 'pending') refuse(`only a pending suggestion can be published (this one is ${now.status})`); stored = { kind: 'published', data: {} }; break;
      case 'reject': if (now.status !== 'pending') refuse(`only a pending suggestion can be rejected (this one is ${now.status})`); stored = { kind: 'rejected', data: { reason: action.reason } }; break;
      case 'categorise': stored = { kind: 'categorised', data: { topic: action.topic } }; break;
      case 'merge': {
        if (action.into === id) refuse('a suggestion cannot be merged into itself');
        if (now.status === 'merged' || now.status === 'rejected') refuse(`a ${now.status} suggestion cannot be merged`);
        const [target] = await tx.query<{ status: string }>('SELECT status FROM suggestion WHERE id = $1', [action.into]);
        if (!target) throw new AppError('validation', 'into: no such suggestion', { field: 'into' });
        if (!['published', 'adopted', 'not-adopted'].includes(target.status)) refuse(`merge into a published suggestion (that one is ${target.status})`);
        stored = { kind: 'merged', data: { into: action.into } };
        break;
      }
      case 'adopt': case 'not-adopt':
        if (!['published', 'adopted', 'not-adopted'].includes(now.status)) refuse(`publish the suggestion before deciding on it (it is ${now.status})`);
        stored = { kind: action.kind === 'adopt' ? 'adopted' : 'not-adopted', data: { response: action.response ?? null } };
        break;
      case 'link': case 'unlink': {
        const table = action.targetKind === 'project' ? 'project' : 'project_task';
        const [target] = await tx.query(`SELECT 1 FROM ${table} WHERE id = $1`, [action.targetId]);
        if (!target) throw new AppError('validation', `targetId: no such ${action.targetKind}`, { field: 'targetId' });
        if (action.kind === 'link' && now.status !== 'adopted') refuse('link a suggestion to a project once it is adopted');
        stored = { kind: action.kind === 'link' ? 'linked' : 'unlinked', data: { kind: action.targetKind, id: action.targetId } };
        break;
      }
      case 'respond': stored = { kind: 'responded', data: { text: action.text } }; break;
    }
    await tx.query('INSERT INTO suggestion_action (suggestion_id, kind, data, actor) VALUES ($1,$2,$3::jsonb,$4)', [id, stored.kind, JSON.stringify(stored.data), actor]);
    const next = suggestionState([...actions, stored]);
    await tx.query('UPDATE suggestion SET status = $2, topic = $3, merged_into = $4, response = $5 WHERE id = $1', [id, next.status, next.topic, next.mergedInto, next.response]);
    await tx.query('DELETE FROM suggestion_link WHERE suggestion_id = $1', [id]);
    for (const l of next.links) await tx.query('INSERT INTO suggestion_link (suggestion_id, kind, target_id) VALUES ($1,$2,$3)', [id, l.kind, l.id]);
    return next;
  });
  invalidateTracker();
  invalidateSuggestions();
  return result;
}

const PUBLIC = PublicSuggestionStatus as readonly string[];

/**
 * The public list, per query, kept for two seconds (the portal's busy page); a submission or a
 * moderation in this process drops it at once, other processes within the two seconds.
 */
const listCache = new Map<string, { at: number; text: Promise<string> }>();
export function cachedSuggestions(key: string, build: () => Promise<string>): Promise<string> {
  const hit = listCache.get(key);
  if (hit && Date.now() - hit.at < 2000) return hit.text;
  if (listCache.size > 200) listCache.clear();
  const text = build();
  listCache.set(key, { at: Date.now(), text });
  text.catch(() => listCache.delete(key));
  return text;
}
export const invalidateSuggestions = (): void => listCache.clear();

export async function publicSuggestions(db: Queryable, q: { status?: string; topic?: string; limit: number; offset: number }, collected: PublicSuggestionList['collectedBeforePlan']): Promise<PublicSuggestionList> {
  const params: unknown[] = [q.status && PUBLIC.includes(q.status) ? [q.status] : PUBLIC];
  let where = 's.status = ANY ($1::text[])';
  if (q.topic) { params.push(q.topic); where += ` AND s.topic = $${params.length}`; }
  const [count] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM suggestion s WHERE ${where}`, params);
  params.push(q.limit, q.offset);
  const rows = await db.query<{ id: number; title: string; body: string; topic: SuggestionTopic; status: PublicSuggestion['status']; region_name: string | null; submitted_at: string; merged_into: number | null; response: string | null; merged_count: number; links: PublicSuggestion['links'] | null }>(
    `SELECT s.id, s.title, s.body, s.topic, s.status, g.name AS region_name, s.submitted_at, s.merged_into, s.response,
       (SELECT count(*)::int FROM suggestion m WHERE m.merged_into = s.id) AS merged_count,
       (SELECT jsonb_agg(jsonb_build_object('kind', l.kind, 'id', l.target_id, 'title', coalesce(p.title, t.title)) ORDER BY l.kind, l.target_id)
          FROM suggestion_link l LEFT JOIN project p ON l.kind = 'project' AND p.id = l.target_id LEFT JOIN project_task t ON l.kind = 'task' AND t.id = l.target_id
          WHERE l.suggestion_id = s.id) AS links
     FROM suggestion s LEFT JOIN region g ON g.code = s.region_code WHERE ${where}
     ORDER BY s.submitted_at DESC, s.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`, params);
  const byStatus = await db.query<{ k: string; n: number }>(`SELECT status AS k, count(*)::int AS n FROM suggestion WHERE status = ANY ($1::text[]) GROUP BY status`, [PUBLIC]);
  const byTopic = await db.query<{ k: string; n: number }>(`SELECT topic AS k, count(*)::int AS n FROM suggestion WHERE status = ANY ($1::text[]) GROUP BY topic`, [PUBLIC]);
  const [received] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM suggestion');
  return {
    counts: { received: received?.n ?? 0, byStatus: Object.fromEntries(byStatus.map((r) => [r.k, r.n])), byTopic: Object.fromEntries(byTopic.map((r) => [r.k, r.n])) },
    collectedBeforePlan: collected,
    total: count?.n ?? 0,
    items: rows.map((r) => ({ id: r.id, title: r.title, body: r.body, topic: r.topic, status: r.status, regionName: r.region_name, submittedAt: r.submitted_at,
      mergedCount: r.merged_count, mergedInto: r.merged_into, response: r.response, links: r.links ?? [] })),
  };
}

export interface StaffSuggestion {
  id: number; receipt: string; title: string; body: string; topic: string; status: string; regionName: string | null; submittedAt: string;
  anonymous: boolean; contactName: string | null; contactPhone: string | null; mergedInto: number | null; response: string | null;
  links: Array<{ kind: string; id: number }>;
}

/** The moderation list: contact data masked (names to the first character, phones 138****5678). */
export async function staffSuggestions(db: Queryable, q: { status?: string; limit: number; offset: number }): Promise<{ total: number; items: StaffSuggestion[] }> {
  const params: unknown[] = [];
  let where = 'true';
  if (q.status) { params.push(q.status); where = `s.status = $1`; }
  const [count] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM suggestion s WHERE ${where}`, params);
  params.push(q.limit, q.offset);
  const rows = await db.query<{ id: number; receipt: string; title: string; body: string; topic: string; status: string; region_name: string | null; submitted_at: string; anonymous: boolean; contact_name: string | null; contact_phone: string | null; merged_into: number | null; response: string | null; links: Array<{ kind: string; id: number }> | null }>(
    `SELECT s.id, s.receipt, s.title, s.body, s.topic, s.status, g.name AS region_name, s.submitted_at, s.anonymous, s.contact_name, s.contact_phone, s.merged_into, s.response,
       (SELECT jsonb_agg(jsonb_build_object('kind', l.kind, 'id', l.target_id)) FROM suggestion_link l WHERE l.suggestion_id = s.id) AS links
     FROM suggestion s LEFT JOIN region g ON g.code = s.region_code WHERE ${where}
     ORDER BY (s.status = 'pending') DESC, s.submitted_at DESC, s.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`, params);
  return {
    total: count?.n ?? 0,
    items: rows.map((r) => ({ id: r.id, receipt: r.receipt, title: r.title, body: r.body, topic: r.topic, status: r.status, regionName: r.region_name, submittedAt: r.submitted_at,
      anonymous: r.anonymous, contactName: maskName(r.contact_name), contactPhone: maskPhone(r.contact_phone), mergedInto: r.merged_into, response: r.response, links: r.links ?? [] })),
  };
}
