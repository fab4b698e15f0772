/**
 * CSV rows for `COPY … FROM STDIN WITH (FORMAT csv)`: an unquoted empty field is NULL, any text
 * is quoted only when it must be. Pure, so tests can digest exactly what is written.
 */
import { DEMO_ACTOR, DEMO_REASON, type DemoGrid, type DemoGridWorker, type DemoHousehold, type DemoRelation } from './generate.ts';

const NEEDS_QUOTES = /[",\r\n]/;
export function field(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  if (s === '') return '""';
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const COPY = {
  grid: 'COPY grid (id, community_code, kind, name, parent_grid_id) FROM STDIN WITH (FORMAT csv)',
  gridWorker: 'COPY grid_worker (grid_id, name, phone) FROM STDIN WITH (FORMAT csv)',
  household: 'COPY household (id, household_no, address, residence_community, grid_id, head_person_id, change_reason, updated_by) FROM STDIN WITH (FORMAT csv)',
  person: `COPY person (id, citizen_id, name, name_initials, sex, birth_date, phone, hukou_region, residence_community, grid_id,
    disability_category, disability_grade, ability_level, living_arrangement, finance, household_id, household_relation,
    change_reason, updated_by) FROM STDIN WITH (FORMAT csv)`,
  relation: 'COPY person_relation (person_id, related_person_id, kind, duty, created_by) FROM STDIN WITH (FORMAT csv)',
} as const;

export function gridCsv(grids: readonly DemoGrid[]): string {
  let out = '';
  for (const g of grids) out += `${field(g.id)},${g.communityCode},${g.kind},${field(g.name)},${field(g.parentGridId)}\n`;
  return out;
}

export function gridWorkerCsv(workers: readonly DemoGridWorker[]): string {
  let out = '';
  for (const w of workers) out += `${field(w.gridId)},${field(w.name)},${w.phone}\n`;
  return out;
}

const reason = field(DEMO_REASON), actor = field(DEMO_ACTOR);

const orEmpty = (v: string | number | null): string | number => v ?? '';

/**
 * Households and their members, as two CSV texts. Names, initials, codes, grid ids and phones
 * come from the generator's own lists and never need quotes; addresses (region names) and the
 * finance JSON go through `field`.
 */
export function householdCsv(households: readonly DemoHousehold[]): { households: string; persons: string } {
  let hh = '', persons = '';
  for (const h of households) {
    hh += `${h.id},${h.householdNo},${field(h.address)},${h.residenceCommunity},${h.gridId},${h.headPersonId},${reason},${actor}\n`;
    for (const p of h.members) {
      persons += `${p.id},${p.citizenId},${p.name},${p.nameInitials},${p.sex},${p.birthDate},${orEmpty(p.phone)},`
        + `${p.hukouRegion},${p.residenceCommunity},${p.gridId},${orEmpty(p.disabilityCategory)},${orEmpty(p.disabilityGrade)},`
        + `${orEmpty(p.abilityLevel)},${orEmpty(p.livingArrangement)},${field(JSON.stringify(p.finance))},${p.householdId},`
        + `${p.householdRelation},${reason},${actor}\n`;
    }
  }
  return { households: hh, persons };
}

export function relationCsv(relations: readonly DemoRelation[]): string {
  let out = '';
  for (const r of relations) out += `${r.personId},${r.relatedPersonId},${r.kind},${field(r.duty)},${actor}\n`;
  return out;
}
