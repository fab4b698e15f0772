/**
 * Matching feed records to the registry (大数据比对). By citizen ID, set-based, in the import's
 * transaction. A record whose ID is missing or unknown but whose name + birth date + region fit
 * registry persons goes to the review queue with its candidates: staff confirm one or reject;
 * nothing is linked on a name match alone.
 */
import type { Queryable } from '../../platform/db.ts';
import { scopeSql, type Scope } from '../../platform/auth/scope.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { maskCitizenId } from '../registry/masking.ts';

/** The region a code stands for, as a LIKE prefix: city 2, district 6, street 9, community 12 digits. */
const REGION_PREFIX = (col: string): string => `CASE WHEN ${col} LIKE '%0000000000' THEN left(${col}, 2) WHEN ${col} LIKE '%000000' THEN left(${col}, 6)
  WHEN ${col} LIKE '%000' THEN left(${col}, 9) ELSE ${col} END`;

export interface MatchCounts { matched: number; review: number; unmatched: number; personIds: number[] }

export async function matchBatch(tx: Queryable, batchId: number): Promise<MatchCounts> {
  await tx.query(
    `UPDATE feed_row r SET person_id = p.id, match_status = 'matched', matched_by = 'citizen-id'
     FROM person p WHERE r.batch_id = $1 AND r.citizen_id IS NOT NULL AND p.citizen_id = r.citizen_id`, [batchId]);
  await tx.query(
    `WITH c AS (
       SELECT r.id AS feed_row_id, array_agg(p.id ORDER BY p.id) AS candidates, min(p.residence_community) AS region_code
       FROM feed_row r JOIN person p ON p.name = r.name AND p.birth_date = r.birth_date AND p.residence_community LIKE (${REGION_PREFIX('r.region_code')}) || '%'
       WHERE r.batch_id = $1 AND r.match_status = 'unmatched' AND r.name IS NOT NULL AND r.birth_date IS NOT NULL AND r.region_code IS NOT NULL
       GROUP BY r.id),
     ins AS (INSERT INTO feed_match_review (feed_row_id, candidates, region_code) SELECT feed_row_id, candidates, region_code FROM c RETURNING feed_row_id)
     UPDATE feed_row SET match_status = 'review' WHERE id IN (SELECT feed_row_id FROM ins)`, [batchId]);
  const [counts] = await tx.query<{ matched: number; review: number; unmatched: number; persons: number[] | null }>(
    `SELECT count(*) FILTER (WHERE match_status = 'matched')::int AS matched, count(*) FILTER (WHERE match_status = 'review')::int AS review,
       count(*) FILTER (WHERE match_status = 'unmatched')::int AS unmatched, array_agg(DISTINCT person_id) FILTER (WHERE person_id IS NOT NULL) AS persons
     FROM feed_row WHERE batch_id = $1`, [batchId]);
  return { matched: counts!.matched, review: counts!.review, unmatched: counts!.unmatched, personIds: (counts!.persons ?? []).map(Number) };
}

export interface ReviewItem {
  id: number; status: 'open' | 'confirmed' | 'rejected'; feedType: string; batchId: number; row: number;
  record: { citizenId: string | null; name: string | null; birthDate: string | null; regionCode: string | null; eventDate: string; data: Record<string, unknown> };
  candidates: Array<{ personId: number; name: string; citizenId: string; birthDate: string; residenceCommunity: string | null; communityName: string | null }>;
  personId: number | null; decidedBy: string | null; decidedAt: string | null; note: string | null;
}

interface ReviewRow {
  id: number; status: ReviewItem['status']; feed_type: string; batch_id: number; row_no: number; citizen_id: string | null; name: string | null;
  birth_date: string | null; region_code: string | null; event_date: string; data: Record<string, unknown>; person_id: number | null;
  decided_by: string | null; decided_at: string | null; note: string | null; candidates: ReviewItem['candidates'];
}

/**
 * Review items whose candidates live in the scope (out-of-scope candidates are not shown). Citizen
 * IDs are masked: staff decide on name, birth date and address, and reveal through the person file.
 */
export async function listReviews(db: Queryable, scope: Scope, opts: { status?: string | undefined; id?: number; limit?: number }): Promise<ReviewItem[]> {
  const params: unknown[] = [];
  const inScope = scopeSql(scope, 'p.residence_community', 'p.grid_id', params);
  params.push(opts.status ?? null, opts.id ?? null, opts.limit ?? 100);
  const n = params.length;
  const rows = await db.query<ReviewRow>(
    `SELECT v.id, v.status, r.feed_type, r.batch_id, r.row_no, r.citizen_id, r.name, r.birth_date, r.region_code, r.event_date, r.data,
        v.person_id, v.decided_by, v.decided_at, v.note, c.candidates
     FROM feed_match_review v JOIN feed_row r ON r.id = v.feed_row_id
     CROSS JOIN LATERAL (
       SELECT coalesce(jsonb_agg(jsonb_build_object('personId', p.id, 'name', p.name, 'citizenId', p.citizen_id, 'birthDate', to_char(p.birth_date, 'YYYY-MM-DD'),
         'residenceCommunity', p.residence_community, 'communityName', g.name) ORDER BY p.id), '[]'::jsonb) AS candidates
       FROM person p LEFT JOIN region g ON g.code = p.residence_community WHERE p.id = ANY (v.candidates) AND ${inScope}) c
     WHERE jsonb_array_length(c.candidates) > 0 AND ($${n - 2}::text IS NULL OR v.status = $${n - 2}) AND ($${n - 1}::bigint IS NULL OR v.id = $${n - 1})
     ORDER BY v.id LIMIT $${n}`, params);
  return rows.map((r) => ({
    id: r.id, status: r.status, feedType: r.feed_type, batchId: r.batch_id, row: r.row_no,
    record: { citizenId: r.citizen_id ? maskCitizenId(r.citizen_id) : null, name: r.name, birthDate: r.birth_date, regionCode: r.region_code, eventDate: r.event_date, data: r.data },
    candidates: r.candidates.map((c) => ({ ...c, citizenId: maskCitizenId(c.citizenId) })),
    personId: r.person_id, decidedBy: r.decided_by, decidedAt: r.decided_at, note: r.note,
  }));
}

/** Confirms one candidate (links the record) or rejects the match. Answers the person linked, if any. */
export async function decideReview(db: Queryable, scope: Scope, id: number, decision: { confirm: number | null; note?: string | undefined }, actor: string): Promise<{ personId: number | null; item: ReviewItem }> {
  const [item] = await listReviews(db, scope, { id });
  if (!item) throw notFound(`review ${id}`);
  if (item.status !== 'open') throw new AppError('conflict', `review ${id} was already decided (${item.status} by ${item.decidedBy ?? '?'})`, { field: 'status' });
  if (decision.confirm !== null && !item.candidates.some((c) => c.personId === decision.confirm)) {
    throw new AppError('validation', `personId: ${decision.confirm} is not one of the candidates of review ${id}`, { field: 'personId' });
  }
  const status = decision.confirm === null ? 'rejected' : 'confirmed';
  const [updated] = await db.query<{ feed_row_id: number }>(
    `UPDATE feed_match_review SET status = $2, person_id = $3, decided_by = $4, decided_at = now(), note = $5 WHERE id = $1 AND status = 'open' RETURNING feed_row_id`,
    [id, status, decision.confirm, actor, decision.note ?? null]);
  if (!updated) throw new AppError('conflict', `review ${id} was decided meanwhile`, { field: 'status' });
  await db.query(`UPDATE feed_row SET person_id = $2, match_status = $3, matched_by = $4 WHERE id = $1`,
    [updated.feed_row_id, decision.confirm, decision.confirm === null ? 'unmatched' : 'matched', decision.confirm === null ? null : 'review']);
  const [after] = await listReviews(db, scope, { id });
  return { personId: decision.confirm, item: after! };
}
