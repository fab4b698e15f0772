/** Relations across households (spouse, child, legal supporter 赡养/抚养/扶养). */
import type { PersonRelation, RelationInput } from '@minsheng/contracts';
import type { Queryable } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { scopeSql, systemScope, type Scope } from '../../platform/auth/scope.ts';
import { findPersonIdsByCitizenIds } from './repo.ts';

/**
 * Records a relation. The person must be inside the caller's scope; the related person may live
 * anywhere (an elder's child in another district is exactly what this is for).
 */
export async function addRelation(db: Queryable, input: RelationInput, actor: string, scope: Scope = systemScope()): Promise<{ id: number; created: boolean; personIds: number[] }> {
  const ids = await findPersonIdsByCitizenIds(db, [input.citizenId.toUpperCase(), input.relatedCitizenId.toUpperCase()]);
  let from = ids.get(input.citizenId.toUpperCase());
  const to = ids.get(input.relatedCitizenId.toUpperCase());
  if (from !== undefined) {
    const params: unknown[] = [from];
    const visible = await db.query(`SELECT 1 FROM person WHERE id = $1 AND ${scopeSql(scope, 'residence_community', 'grid_id', params)}`, params);
    if (visible.length === 0) from = undefined;
  }
  if (from === undefined) throw new AppError('validation', 'citizenId: no person with this citizen ID in the registry', { field: 'citizenId' });
  if (to === undefined) throw new AppError('validation', 'relatedCitizenId: no person with this citizen ID in the registry', { field: 'relatedCitizenId' });
  if (from === to) throw new AppError('validation', 'relatedCitizenId: a person cannot be related to themself', { field: 'relatedCitizenId' });
  const duty = input.kind === 'supporter' ? input.duty ?? null : null;
  if (input.kind === 'supporter' && duty === null) throw new AppError('validation', 'duty: a supporter relation needs a duty (elder, child or mutual)', { field: 'duty' });
  const rows = await db.query<{ id: number }>(
    `INSERT INTO person_relation (person_id, related_person_id, kind, duty, created_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (person_id, related_person_id, kind) DO NOTHING RETURNING id`, [from, to, input.kind, duty, actor]);
  if (rows[0]) return { id: rows[0].id, created: true, personIds: [from, to] };
  const [existing] = await db.query<{ id: number }>('SELECT id FROM person_relation WHERE person_id = $1 AND related_person_id = $2 AND kind = $3', [from, to, input.kind]);
  return { id: existing?.id ?? 0, created: false, personIds: [from, to] };
}

interface RelationRow {
  id: number; kind: PersonRelation['kind']; duty: PersonRelation['duty']; direction: PersonRelation['direction'];
  other_id: number; other_name: string; other_residence: string | null; other_residence_name: string | null; other_household: number | null;
}

/** Relations of a person in both directions, as they stood at the end of `asOf` (if given). */
export async function relationsOf(db: Queryable, personId: number, asOf: string | null): Promise<PersonRelation[]> {
  const rows = await db.query<RelationRow>(
    `SELECT r.id, r.kind, r.duty, d.direction, o.id AS other_id, o.name AS other_name,
            o.residence_community AS other_residence, reg.name AS other_residence_name, o.household_id AS other_household
     FROM person_relation r
     CROSS JOIN LATERAL (SELECT CASE WHEN r.person_id = $1 THEN 'outgoing' ELSE 'incoming' END AS direction) d
     JOIN person o ON o.id = CASE WHEN r.person_id = $1 THEN r.related_person_id ELSE r.person_id END
     LEFT JOIN region reg ON reg.code = o.residence_community
     WHERE (r.person_id = $1 OR r.related_person_id = $1)
       AND ($2::date IS NULL OR r.created_at < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
     ORDER BY r.kind, r.id`, [personId, asOf]);
  return rows.map((r) => ({
    id: r.id, kind: r.kind, duty: r.duty, direction: r.direction,
    other: {
      id: r.other_id, name: r.other_name, residenceCommunity: r.other_residence, residenceName: r.other_residence_name,
      streetCode: r.other_residence ? `${r.other_residence.slice(0, 9)}000` : null, householdId: r.other_household,
    },
  }));
}
