/** Registry use cases: person and household files, their history and search. */
import type {
  HistoryEntry, HouseholdFile, HouseholdInput, PersonFile, PersonInput, PersonPatch, PersonSummary,
} from '@minsheng/contracts';
import type { Actor } from '../../platform/context.ts';
import { scopeCovers, scopeSql, type Scope } from '../../platform/auth/scope.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { regionNames } from '../regions/service.ts';
import { ageOn, normalizePerson, todayInChina } from './person-rules.ts';
import { checkRefs, loadRefs } from './references.ts';
import { relationsOf } from './relations.ts';
import * as repo from './repo.ts';
import { toHistoryEntry } from './snapshot.ts';

const problem = (field: string, message: string): AppError => new AppError('validation', `${field}: ${message}`, { field });

async function assertRefs(db: Queryable, p: { residenceCommunity: string | null; gridId: string | null; hukouRegion: string | null }): Promise<void> {
  const refs = await loadRefs(db, {
    regions: [p.residenceCommunity, p.hukouRegion].filter((c): c is string => c !== null),
    grids: p.gridId ? [p.gridId] : [],
  });
  const bad = checkRefs(refs, p);
  if (bad) throw problem(bad.field, bad.message);
}

function assertInScope(scope: Scope, p: { residenceCommunity: string | null; gridId: string | null }): void {
  if (!scopeCovers(scope, p.residenceCommunity, p.gridId)) {
    throw problem('residenceCommunity', `${p.residenceCommunity ?? 'no community'} is outside your region`);
  }
}

export async function createPerson(db: Db, scope: Scope, input: PersonInput, actor: Actor, reason = 'registered'): Promise<PersonFile> {
  const norm = normalizePerson(input);
  if (!norm.ok) throw problem(norm.problem.field, norm.problem.message);
  await assertRefs(db, norm.value);
  assertInScope(scope, norm.value);
  const id = await db.transaction(async (tx) => {
    const existing = await repo.findPersonIdsByCitizenIds(tx, [norm.value.citizenId]);
    if (existing.size > 0) throw new AppError('conflict', 'citizenId: a person with this citizen ID is already registered', { field: 'citizenId', personId: existing.get(norm.value.citizenId) });
    return repo.insertPerson(tx, norm.value, actor.name, reason);
  });
  return getPersonFile(db, scope, id, null);
}

const PATCH_COLUMNS: Partial<Record<keyof PersonPatch, string>> = {
  name: 'name', phone: 'phone', hukouRegion: 'hukou_region', residenceCommunity: 'residence_community', gridId: 'grid_id',
  disabilityCategory: 'disability_category', disabilityGrade: 'disability_grade', abilityLevel: 'ability_level',
  livingArrangement: 'living_arrangement', deceasedOn: 'deceased_on', finance: 'finance',
};

export async function updatePerson(db: Db, scope: Scope, id: number, patch: PersonPatch, actor: Actor): Promise<PersonFile> {
  await db.transaction(async (tx) => {
    const current = await repo.findPerson(tx, scope, id);
    if (!current) throw notFound(`person ${id}`);
    // Check the record as it would be after the change, with the same rules as a new one.
    const merged: PersonInput = {
      name: patch.name ?? current.name, citizenId: current.citizen_id,
      phone: patch.phone !== undefined ? patch.phone : current.phone,
      hukouRegion: patch.hukouRegion !== undefined ? patch.hukouRegion : current.hukou_region,
      residenceCommunity: patch.residenceCommunity !== undefined ? patch.residenceCommunity : current.residence_community,
      gridId: patch.gridId !== undefined ? patch.gridId : current.grid_id,
      disabilityCategory: (patch.disabilityCategory !== undefined ? patch.disabilityCategory : current.disability_category) as PersonInput['disabilityCategory'],
      disabilityGrade: patch.disabilityGrade !== undefined ? patch.disabilityGrade : current.disability_grade,
      abilityLevel: (patch.abilityLevel !== undefined ? patch.abilityLevel : current.ability_level) as PersonInput['abilityLevel'],
      livingArrangement: (patch.livingArrangement !== undefined ? patch.livingArrangement : current.living_arrangement) as PersonInput['livingArrangement'],
      deceasedOn: patch.deceasedOn !== undefined ? patch.deceasedOn : current.deceased_on,
      finance: patch.finance ?? current.finance,
    };
    const norm = normalizePerson(merged);
    if (!norm.ok) throw problem(norm.problem.field, norm.problem.message);
    await assertRefs(tx, norm.value);
    assertInScope(scope, norm.value);
    const columns: Record<string, unknown> = {};
    for (const [key, column] of Object.entries(PATCH_COLUMNS) as Array<[keyof PersonPatch, string]>) {
      if (patch[key] !== undefined) columns[column] = patch[key];
    }
    if (patch.name !== undefined) columns.name_initials = norm.value.nameInitials;
    await repo.updatePersonColumns(tx, id, columns, actor.name, patch.reason);
  });
  return getPersonFile(db, scope, id, null);
}

function summaryOf(r: { id: number; name: string; citizen_id: string; sex: 'M' | 'F'; birth_date: string; phone: string | null; residence_community: string | null; household_id: number | null }, names: Map<string, string>, on: string): PersonSummary {
  return {
    id: r.id, name: r.name, citizenId: r.citizen_id, sex: r.sex, birthDate: r.birth_date, age: ageOn(r.birth_date, on),
    phone: r.phone, residenceCommunity: r.residence_community,
    residenceName: r.residence_community ? names.get(r.residence_community) ?? null : null, householdId: r.household_id,
  };
}

/** Reads the person file now, or as it stood at the end of `asOf` (YYYY-MM-DD, China time). */
export async function getPersonFile(db: Queryable, scope: Scope, id: number, asOf: string | null): Promise<PersonFile> {
  let row = await repo.findPerson(db, scope, id);
  if (!row) throw notFound(`person ${id}`);
  if (asOf !== null) {
    const snap = await repo.snapshotAsOf(db, 'person', id, asOf);
    if (!snap) throw new AppError('not_found', `person ${id} was not yet registered on ${asOf}`, { field: 'asOf' });
    const a = snap.after as Record<string, unknown>;
    const pick = <T>(k: keyof repo.PersonSnapshot): T => a[k] as T;
    row = {
      ...row, name: pick('name'), phone: pick('phone'), hukou_region: pick('hukouRegion'), residence_community: pick('residenceCommunity'),
      grid_id: pick('gridId'), disability_category: pick('disabilityCategory'), disability_grade: pick('disabilityGrade'),
      ability_level: pick('abilityLevel'), living_arrangement: pick('livingArrangement'), deceased_on: pick('deceasedOn'),
      finance: pick('finance'), household_id: pick('householdId'), household_relation: pick('householdRelation'),
      version: snap.version, updated_at: snap.changed_at,
    };
  }
  const on = asOf ?? todayInChina();
  const names = await regionNames(db, [row.residence_community, row.hukou_region].filter((c): c is string => c !== null));
  let household: PersonFile['household'] = null;
  if (row.household_id !== null && row.household_relation !== null) {
    const hh = await repo.findHousehold(db, scope, row.household_id);
    const head = hh?.head_person_id ? await repo.findPerson(db, scope, hh.head_person_id) : undefined;
    household = { id: row.household_id, relation: row.household_relation as NonNullable<PersonFile['household']>['relation'], headName: head?.name ?? null };
  }
  return {
    ...summaryOf(row, names, on),
    hukouRegion: row.hukou_region, hukouName: row.hukou_region ? names.get(row.hukou_region) ?? null : null,
    gridId: row.grid_id, disabilityCategory: row.disability_category as PersonFile['disabilityCategory'],
    disabilityGrade: row.disability_grade, abilityLevel: row.ability_level as PersonFile['abilityLevel'],
    livingArrangement: row.living_arrangement as PersonFile['livingArrangement'], deceasedOn: row.deceased_on,
    finance: row.finance ?? [], household, relations: await relationsOf(db, id, asOf),
    version: row.version, updatedAt: row.updated_at, asOf,
  };
}

export async function personHistory(db: Queryable, scope: Scope, id: number): Promise<HistoryEntry[]> {
  if (!(await repo.findPerson(db, scope, id))) throw notFound(`person ${id}`);
  return (await repo.historyOf(db, 'person', id)).map(toHistoryEntry);
}

export async function searchPersons(db: Queryable, f: repo.SearchFilter): Promise<{ items: PersonSummary[]; total: number }> {
  const { rows, total } = await repo.searchPersons(db, f);
  const names = await regionNames(db, rows.map((r) => r.residence_community).filter((c): c is string => c !== null));
  const on = todayInChina();
  return { items: rows.map((r) => summaryOf(r, names, on)), total };
}

// ---- households -------------------------------------------------------------------------

/**
 * Creates or updates a household by its number 户编号 and sets its members. Members must already
 * be registered; exactly one is the head. Persons who left the household lose their membership.
 */
export async function upsertHousehold(tx: Queryable, input: HouseholdInput, actor: Actor, reason: string): Promise<{ id: number; changed: boolean }> {
  const heads = input.members.filter((m) => m.relation === 'head');
  if (heads.length !== 1) throw problem('members', `a household needs exactly one head (户主), found ${heads.length}`);
  const citizenIds = input.members.map((m) => m.citizenId.toUpperCase());
  if (new Set(citizenIds).size !== citizenIds.length) throw problem('members', 'a person is listed twice');
  const ids = await repo.findPersonIdsByCitizenIds(tx, citizenIds);
  const missing = citizenIds.find((c) => !ids.has(c));
  if (missing) throw problem('members', `no person with citizen ID ${missing} in the registry`);
  const refs = await loadRefs(tx, { regions: input.residenceCommunity ? [input.residenceCommunity] : [], grids: input.gridId ? [input.gridId] : [] });
  const bad = checkRefs(refs, { residenceCommunity: input.residenceCommunity ?? null, gridId: input.gridId ?? null, hukouRegion: null });
  if (bad) throw problem(bad.field, bad.message);
  const headId = ids.get(heads[0]!.citizenId.toUpperCase())!;
  const values = [input.householdNo, input.address ?? null, input.residenceCommunity ?? null, input.gridId ?? null, headId, actor.name, reason];
  const existing = await repo.findHouseholdByNo(tx, input.householdNo);
  let id: number;
  let changed = false;
  if (!existing) {
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO household (household_no, address, residence_community, grid_id, head_person_id, updated_by, change_reason)
       VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, values);
    id = row!.id;
    changed = true;
  } else {
    id = existing.id;
    const rows = await tx.query(
      `UPDATE household SET address = $2, residence_community = $3, grid_id = $4, head_person_id = $5,
         version = version + 1, updated_at = now(), updated_by = $6, change_reason = $7
       WHERE household_no = $1 AND (address, residence_community, grid_id, head_person_id) IS DISTINCT FROM ($2, $3, $4, $5)
       RETURNING id`, values);
    changed = rows.length > 0;
  }
  // Memberships: set the listed ones, clear the ones no longer listed.
  const memberIds = input.members.map((m) => ids.get(m.citizenId.toUpperCase())!);
  const moved = await tx.query(
    `UPDATE person p SET household_id = $1, household_relation = m.relation,
       version = p.version + 1, updated_at = now(), updated_by = $4, change_reason = $5
     FROM unnest($2::bigint[], $3::text[]) AS m(person_id, relation)
     WHERE p.id = m.person_id AND (p.household_id, p.household_relation) IS DISTINCT FROM ($1::bigint, m.relation) RETURNING p.id`,
    [id, memberIds, input.members.map((m) => m.relation), actor.name, reason]);
  const left = await tx.query(
    `UPDATE person SET household_id = NULL, household_relation = NULL,
       version = version + 1, updated_at = now(), updated_by = $3, change_reason = $4
     WHERE household_id = $1 AND NOT (id = ANY($2::bigint[])) RETURNING id`, [id, memberIds, actor.name, reason]);
  return { id, changed: changed || moved.length > 0 || left.length > 0 };
}

export async function getHouseholdFile(db: Queryable, scope: Scope, id: number, asOf: string | null): Promise<HouseholdFile> {
  let row = await repo.findHousehold(db, scope, id);
  if (!row) throw notFound(`household ${id}`);
  const on = asOf ?? todayInChina();
  let members: HouseholdFile['members'];
  if (asOf !== null) {
    const snap = await repo.snapshotAsOf(db, 'household', id, asOf);
    if (!snap) throw new AppError('not_found', `household ${id} was not yet registered on ${asOf}`, { field: 'asOf' });
    const a = snap.after;
    row = { ...row, address: a.address as string | null, residence_community: a.residenceCommunity as string | null,
      grid_id: a.gridId as string | null, head_person_id: a.headPersonId as number | null, version: snap.version, updated_at: snap.changed_at };
    members = (await repo.membersAsOf(db, id, asOf)).map(({ id: personId, after }) => ({
      personId, name: after.name as string, citizenId: after.citizenId as string,
      relation: after.householdRelation as HouseholdFile['members'][number]['relation'],
      sex: after.sex as 'M' | 'F', age: ageOn(after.birthDate as string, on),
    }));
  } else {
    members = (await repo.currentMembers(db, id)).map((p) => ({
      personId: p.id, name: p.name, citizenId: p.citizen_id, relation: p.household_relation as HouseholdFile['members'][number]['relation'],
      sex: p.sex, age: ageOn(p.birth_date, on),
    }));
  }
  const names = await regionNames(db, row.residence_community ? [row.residence_community] : []);
  return {
    id: row.id, householdNo: row.household_no, address: row.address, residenceCommunity: row.residence_community,
    residenceName: row.residence_community ? names.get(row.residence_community) ?? null : null, gridId: row.grid_id,
    headPersonId: row.head_person_id, members, version: row.version, updatedAt: row.updated_at, asOf,
  };
}

export async function householdHistory(db: Queryable, scope: Scope, id: number): Promise<HistoryEntry[]> {
  if (!(await repo.findHousehold(db, scope, id))) throw notFound(`household ${id}`);
  return (await repo.historyOf(db, 'household', id)).map(toHistoryEntry);
}

export async function registryStats(db: Queryable, scope: Scope): Promise<{ persons: number; households: number; grids: number; aged60Plus: number; regions: { districts: number; streets: number; communities: number } }> {
  const params: unknown[] = [todayInChina()];
  const inScope = scopeSql(scope, 'residence_community', 'grid_id', params);
  const [r] = await db.query<{ persons: number; households: number; grids: number; aged: number; districts: number; streets: number; communities: number }>(
    `SELECT (SELECT count(*)::int FROM person WHERE ${inScope}) AS persons,
            (SELECT count(*)::int FROM household WHERE ${inScope}) AS households,
            (SELECT count(*)::int FROM grid) AS grids,
            (SELECT count(*)::int FROM person WHERE birth_date <= $1::date - interval '60 years' AND deceased_on IS NULL AND ${inScope}) AS aged,
            (SELECT count(*)::int FROM region WHERE level = 'district') AS districts,
            (SELECT count(*)::int FROM region WHERE level = 'street') AS streets,
            (SELECT count(*)::int FROM region WHERE level = 'community') AS communities`, params);
  return { persons: r!.persons, households: r!.households, grids: r!.grids, aged60Plus: r!.aged, regions: { districts: r!.districts, streets: r!.streets, communities: r!.communities } };
}
