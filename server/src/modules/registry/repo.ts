/**
 * SQL for persons and households. Writers must bump `version` and set updated_by and
 * change_reason on every real change: the history triggers (migrations 002, 005) snapshot exactly
 * the rows whose version moved. A person's creation stays on its row until its first change.
 */
import type { Queryable } from '../../platform/db.ts';
import { scopeSql, type Scope } from '../../platform/auth/scope.ts';
import type { NormalizedPerson } from './person-rules.ts';

export interface PersonRow {
  id: number; citizen_id: string; name: string; sex: 'M' | 'F'; birth_date: string; phone: string | null;
  hukou_region: string | null; residence_community: string | null; grid_id: string | null;
  disability_category: string | null; disability_grade: number | null; ability_level: string | null;
  living_arrangement: string | null; deceased_on: string | null; finance: NormalizedPerson['finance'];
  household_id: number | null; household_relation: string | null; version: number; updated_at: string;
}

/** The keys of a person snapshot (record_history.after) and the column each comes from. */
export const PERSON_FIELDS = {
  name: 'name', citizenId: 'citizen_id', sex: 'sex', birthDate: 'birth_date', phone: 'phone',
  hukouRegion: 'hukou_region', residenceCommunity: 'residence_community', gridId: 'grid_id',
  disabilityCategory: 'disability_category', disabilityGrade: 'disability_grade', abilityLevel: 'ability_level',
  livingArrangement: 'living_arrangement', deceasedOn: 'deceased_on', finance: 'finance',
  householdId: 'household_id', householdRelation: 'household_relation',
} as const;
export type PersonSnapshot = { [K in keyof typeof PERSON_FIELDS]: unknown };

const PERSON_COLUMNS = `id, citizen_id, name, sex, birth_date, phone, hukou_region, residence_community, grid_id,
  disability_category, disability_grade, ability_level, living_arrangement, deceased_on, finance,
  household_id, household_relation, version, updated_at`;

/** A person inside the scope; out-of-scope persons are absent, exactly like unknown ones. */
export async function findPerson(db: Queryable, scope: Scope, id: number): Promise<PersonRow | undefined> {
  const params: unknown[] = [id];
  const [row] = await db.query<PersonRow>(
    `SELECT ${PERSON_COLUMNS} FROM person WHERE id = $1 AND ${scopeSql(scope, 'residence_community', 'grid_id', params)}`, params);
  return row;
}

export async function findPersonIdsByCitizenIds(db: Queryable, citizenIds: readonly string[]): Promise<Map<string, number>> {
  if (citizenIds.length === 0) return new Map();
  const rows = await db.query<{ id: number; citizen_id: string }>('SELECT id, citizen_id FROM person WHERE citizen_id = ANY($1::text[])', [citizenIds]);
  return new Map(rows.map((r) => [r.citizen_id, r.id]));
}

export async function insertPerson(db: Queryable, p: NormalizedPerson, actor: string, reason: string): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO person (citizen_id, name, name_initials, sex, birth_date, phone, hukou_region, residence_community, grid_id,
       disability_category, disability_grade, ability_level, living_arrangement, deceased_on, finance, updated_by, change_reason)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15::jsonb,$16,$17) RETURNING id`,
    [p.citizenId, p.name, p.nameInitials, p.sex, p.birthDate, p.phone, p.hukouRegion, p.residenceCommunity, p.gridId,
      p.disabilityCategory, p.disabilityGrade, p.abilityLevel, p.livingArrangement, p.deceasedOn, JSON.stringify(p.finance ?? []), actor, reason],
  );
  if (!row) throw new Error('insert returned no row');
  return row.id;
}

/** Writes the given columns if any differs; returns whether a new version was written. */
export async function updatePersonColumns(
  db: Queryable, id: number, columns: Record<string, unknown>, actor: string, reason: string,
): Promise<boolean> {
  const names = Object.keys(columns);
  if (names.length === 0) return false;
  const params: unknown[] = [id, actor, reason];
  const sets = names.map((c) => { params.push(c === 'finance' ? JSON.stringify(columns[c]) : columns[c]); return `${c} = $${params.length}${c === 'finance' ? '::jsonb' : ''}`; });
  const differs = names.map((c, i) => `person.${c} IS DISTINCT FROM $${i + 4}${c === 'finance' ? '::jsonb' : ''}`).join(' OR ');
  const rows = await db.query(
    `UPDATE person SET ${sets.join(', ')}, version = version + 1, updated_at = now(), updated_by = $2, change_reason = $3
     WHERE id = $1 AND (${differs}) RETURNING id`, params);
  return rows.length > 0;
}

export interface SearchFilter { scope: Scope; q: string | undefined; regionPrefix: string | undefined; limit: number; offset: number }
export interface SearchRow { id: number; name: string; citizen_id: string; sex: 'M' | 'F'; birth_date: string; phone: string | null; residence_community: string | null; household_id: number | null }

/** Counting stops here: a city-wide count of millions is not worth a full scan per page. */
export const SEARCH_COUNT_CAP = 10_000;

function searchWhere(f: SearchFilter): { where: string; params: unknown[]; order: string } {
  const conds: string[] = [];
  const params: unknown[] = [];
  let order = 'p.id';
  const q = f.q?.trim();
  if (q) {
    if (/^\d{17}[\dXx]$/.test(q)) { params.push(q.toUpperCase()); conds.push(`p.citizen_id = $${params.length}`); }
    else if (/^\d{6,}$/.test(q)) { params.push(q); conds.push(`(p.phone = $${params.length} OR p.citizen_id LIKE $${params.length} || '%')`); }
    else if (/^[a-z]+$/i.test(q)) { params.push(q.toLowerCase()); conds.push(`p.name_initials LIKE $${params.length} || '%'`); order = 'p.name_initials, p.id'; }
    else { params.push(q); conds.push(`p.name LIKE $${params.length} || '%'`); order = 'p.name, p.id'; }
  }
  if (f.regionPrefix) { params.push(f.regionPrefix); conds.push(`p.residence_community LIKE $${params.length} || '%'`); }
  conds.push(scopeSql(f.scope, 'p.residence_community', 'p.grid_id', params));
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params, order };
}

export async function searchPersons(db: Queryable, f: SearchFilter): Promise<{ rows: SearchRow[]; total: number }> {
  const { where, params, order } = searchWhere(f);
  const rows = await db.query<SearchRow>(
    `SELECT p.id, p.name, p.citizen_id, p.sex, p.birth_date, p.phone, p.residence_community, p.household_id
     FROM person p ${where} ORDER BY ${order} LIMIT ${f.limit} OFFSET ${f.offset}`, params);
  const [count] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM person p ${where} LIMIT ${SEARCH_COUNT_CAP}) s`, params);
  return { rows, total: count?.n ?? 0 };
}

export interface HistoryRow { version: number; changed_at: string; changed_by: string; reason: string; before: Record<string, unknown> | null; after: Record<string, unknown> }

/**
 * Where an entity's history is read: persons through the view person_history (a never-changed
 * person's creation is on its row, migration 005), households from record_history.
 */
const HISTORY = {
  person: { from: 'person_history', id: 'person_id', where: '' },
  household: { from: 'record_history', id: 'entity_id', where: "entity = 'household' AND " },
} as const;

export async function historyOf(db: Queryable, entity: 'person' | 'household', id: number): Promise<HistoryRow[]> {
  const h = HISTORY[entity];
  return db.query<HistoryRow>(
    `SELECT version, changed_at, changed_by, reason, before, after FROM ${h.from}
     WHERE ${h.where}${h.id} = $1 ORDER BY version DESC`, [id]);
}

/** The latest snapshot taken before the end of `date` in China time (UTC+8). */
export async function snapshotAsOf(db: Queryable, entity: 'person' | 'household', id: number, date: string): Promise<HistoryRow | undefined> {
  const h = HISTORY[entity];
  const [row] = await db.query<HistoryRow>(
    `SELECT version, changed_at, changed_by, reason, before, after FROM ${h.from}
     WHERE ${h.where}${h.id} = $1 AND changed_at < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
     ORDER BY version DESC LIMIT 1`, [id, date]);
  return row;
}

/**
 * Persons whose snapshot as of `date` places them in the household. Candidates: every person a
 * history snapshot ever placed there, and its current members (a never-changed person's only
 * snapshot is its row).
 */
export async function membersAsOf(db: Queryable, householdId: number, date: string): Promise<Array<{ id: number; after: Record<string, unknown> }>> {
  return db.query(
    `WITH cand AS (SELECT entity_id AS id FROM record_history WHERE entity = 'person' AND after ->> 'householdId' = $1::text
                   UNION SELECT id FROM person WHERE household_id = $2::bigint)
     SELECT cand.id, s.after FROM cand
     CROSS JOIN LATERAL (SELECT h.after FROM person_history h
       WHERE h.person_id = cand.id AND h.changed_at < ($3::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
       ORDER BY h.version DESC LIMIT 1) s
     WHERE s.after ->> 'householdId' = $1::text ORDER BY cand.id`, [String(householdId), householdId, date]);
}

export interface HouseholdRow { id: number; household_no: string; address: string | null; residence_community: string | null; grid_id: string | null; head_person_id: number | null; version: number; updated_at: string }

export async function findHousehold(db: Queryable, scope: Scope, id: number): Promise<HouseholdRow | undefined> {
  const params: unknown[] = [id];
  const [row] = await db.query<HouseholdRow>(
    `SELECT id, household_no, address, residence_community, grid_id, head_person_id, version, updated_at FROM household
     WHERE id = $1 AND ${scopeSql(scope, 'residence_community', 'grid_id', params)}`, params);
  return row;
}

export async function findHouseholdByNo(db: Queryable, no: string): Promise<HouseholdRow | undefined> {
  const [row] = await db.query<HouseholdRow>(
    'SELECT id, household_no, address, residence_community, grid_id, head_person_id, version, updated_at FROM household WHERE household_no = $1', [no]);
  return row;
}

export async function currentMembers(db: Queryable, householdId: number): Promise<PersonRow[]> {
  return db.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM person WHERE household_id = $1 ORDER BY (household_relation = 'head') DESC, birth_date`, [householdId]);
}
