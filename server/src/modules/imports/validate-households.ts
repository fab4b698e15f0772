/**
 * Household rows: one row per member, the household's own fields (address, community, grid) on
 * any of its rows. A household is stored whole or not at all: if one member row is wrong, the
 * other rows of that household are rejected too (storing it without that member would take the
 * member out of the household).
 */
import { checkCitizenId, type MemberRelation } from '@minsheng/contracts';
import * as f from './fields.ts';
import type { HeaderMap } from './headers.ts';
import type { SheetRow } from './source.ts';
import type { RowReject } from './types.ts';
import { Cells, must, reject, RowProblem } from './validate-common.ts';

export interface MemberRow {
  r: SheetRow;
  householdNo: string;
  address: string | null;
  residenceCommunity: string | null;
  gridId: string | null;
  citizenId: string;
  relation: MemberRelation;
}

export interface HouseholdGroup {
  householdNo: string;
  rows: MemberRow[];
  /** The household's fields and the row each value came from. */
  address: string | null;
  residenceCommunity: string | null;
  gridId: string | null;
  sourceRow: { address?: number; residenceCommunity?: number; gridId?: number };
}

export const householdKey = (raw: string | null): string => (raw === null ? '' : f.compact(raw));

export class HouseholdRowValidator {
  readonly cells: Cells;
  constructor(header: HeaderMap, private readonly today: Date) {
    this.cells = new Cells('households', header);
  }

  check(r: SheetRow): MemberRow | RowReject {
    try {
      const c = this.cells;
      const no = c.get(r, 'householdNo');
      if (no === null) throw new RowProblem('householdNo', 'the household number is empty');
      const householdNo = must('householdNo', f.limitedText(householdKey(no), 40, 'the household number'));
      const idRaw = c.get(r, 'citizenId');
      if (idRaw === null) throw new RowProblem('citizenId', 'the citizen ID is empty');
      const citizenId = must('citizenId', f.citizenId(idRaw, c.lossy(r, 'citizenId')));
      const id = checkCitizenId(citizenId, this.today);
      if (!id.ok) throw new RowProblem('citizenId', `citizen ID ${id.message}`);
      const relRaw = c.get(r, 'relation');
      if (relRaw === null) throw new RowProblem('relation', 'the relation to the head (与户主关系) is empty');
      const opt = <T>(field: string, parse: (s: string) => T | f.Problem): T | null => {
        const raw = c.get(r, field);
        return raw === null ? null : must(field, parse(raw));
      };
      return {
        r, householdNo, citizenId, relation: must('relation', f.memberRelation(relRaw)),
        address: opt('address', (s) => f.limitedText(s, 200, 'the address')),
        residenceCommunity: opt('residenceCommunity', f.communityCode),
        gridId: opt('gridId', (s) => f.limitedText(s, 40, 'the grid ID')),
      };
    } catch (e) {
      if (e instanceof RowProblem) return reject(r, e.field, e.message);
      throw e;
    }
  }
}

/** Every row of a household rejected: the offending ones with their reason, the rest pointing at them. */
export function rejectGroup(rows: readonly SheetRow[], householdNo: string, offending: readonly RowReject[]): RowReject[] {
  const byRow = new Map(offending.map((o) => [o.row, o]));
  const first = offending[0];
  return rows.map((r) => byRow.get(r.row) ?? reject(r, first?.field ?? 'householdNo',
    `household ${householdNo} is not stored because row ${first?.row ?? r.row} has an error`));
}

/**
 * Checks a household's rows together (CPU only): one head, no member twice, the household's own
 * fields agreeing between rows. Returns the group, or the rejected rows.
 */
export function checkGroup(householdNo: string, checked: ReadonlyArray<MemberRow | RowReject>, rows: readonly SheetRow[]): HouseholdGroup | RowReject[] {
  const bad = checked.filter((c): c is RowReject => !('relation' in c));
  if (bad.length > 0) return rejectGroup(rows, householdNo, bad);
  const members = checked as MemberRow[];
  const offending: RowReject[] = [];
  const heads = members.filter((m) => m.relation === 'head');
  if (heads.length === 0) {
    return rows.map((r) => reject(r, 'relation', `household ${householdNo} has no head (户主): exactly one member must be the head`));
  }
  for (const extra of heads.slice(1)) offending.push(reject(extra.r, 'relation', `household ${householdNo} already has its head on row ${heads[0]!.r.row}`));
  const firstRowOf = new Map<string, number>();
  for (const m of members) {
    const first = firstRowOf.get(m.citizenId);
    if (first !== undefined) offending.push(reject(m.r, 'citizenId', `this member is already listed on row ${first}`));
    else firstRowOf.set(m.citizenId, m.r.row);
  }
  const group: HouseholdGroup = { householdNo, rows: members, address: null, residenceCommunity: null, gridId: null, sourceRow: {} };
  for (const m of members) {
    for (const field of ['address', 'residenceCommunity', 'gridId'] as const) {
      const v = m[field];
      if (v === null) continue;
      const have = group[field];
      if (have === null) { group[field] = v; group.sourceRow[field] = m.r.row; }
      else if (have !== v) offending.push(reject(m.r, field, `"${v}" differs from "${have}" on row ${group.sourceRow[field]} of the same household`));
    }
  }
  if (offending.length > 0) {
    offending.sort((a, b) => a.row - b.row);
    return rejectGroup(rows, householdNo, offending);
  }
  return group;
}
