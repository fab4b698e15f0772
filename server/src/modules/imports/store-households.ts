/**
 * Households: the rows of one household must follow each other in the file (sorted by 户编号 is
 * enough); a household number that comes back after other households is rejected rather than
 * buffered, so a file of any size streams. Each household is written with the registry's own
 * upsertHousehold (members must already be registered), in a savepoint so one bad household does
 * not undo the rest of its batch.
 */
import type { HouseholdInput } from '@minsheng/contracts';
import type { Queryable } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { scopeCovers } from '../../platform/auth/scope.ts';
import { checkRefs, loadRefs } from '../registry/references.ts';
import { upsertHousehold } from '../registry/service.ts';
import type { HeaderMap } from './headers.ts';
import { IdSet } from './id-set.ts';
import type { SheetRow } from './source.ts';
import type { BatchOutcome, ImportSettings, KindImporter, RowReject } from './types.ts';
import { reject } from './validate-common.ts';
import { checkGroup, householdKey, HouseholdRowValidator, rejectGroup, type HouseholdGroup } from './validate-households.ts';

/** A household with more rows than this is taken for a wrong household number. */
export const MAX_HOUSEHOLD_ROWS = 200;

interface Prepared { groups: HouseholdGroup[]; rejects: RowReject[] }

/** SQLSTATE classes that mean "this data is not acceptable", not "the database is in trouble". */
const isDataError = (e: unknown): boolean => {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
};

export function householdImporter(settings: ImportSettings, header: HeaderMap): KindImporter<Prepared> {
  const validator = new HouseholdRowValidator(header, settings.today);
  const present = new Set(header.columns.keys());
  /** Household number -> first row of its rows, for households already read. */
  const done = new Map<string, number>();
  const members = new IdSet();
  const keyOf = (r: SheetRow): string => householdKey(validator.cells.get(r, 'householdNo'));

  const prepareGroup = (key: string, rows: SheetRow[], out: Prepared): void => {
    if (key === '') {
      for (const r of rows) { const c = validator.check(r); if (!('relation' in c)) out.rejects.push(c); }
      return;
    }
    const earlier = done.get(key);
    if (earlier !== undefined) {
      out.rejects.push(...rows.map((r) => reject(r, 'householdNo', `household ${key} already appeared from row ${earlier}: the rows of one household must follow each other`)));
      return;
    }
    done.set(key, rows[0]!.row);
    if (rows.length > MAX_HOUSEHOLD_ROWS) {
      out.rejects.push(...rows.map((r) => reject(r, 'householdNo', `household ${key} has more than ${MAX_HOUSEHOLD_ROWS} member rows: check the household numbers`)));
      return;
    }
    const result = checkGroup(key, rows.map((r) => validator.check(r)), rows);
    if (Array.isArray(result)) out.rejects.push(...result);
    else out.groups.push(result);
  };

  return {
    groupKey: keyOf,

    prepare(rows) {
      const out: Prepared = { groups: [], rejects: [] };
      let start = 0;
      for (let i = 1; i <= rows.length; i++) {
        if (i === rows.length || keyOf(rows[i]!) !== keyOf(rows[start]!)) {
          prepareGroup(keyOf(rows[start]!), rows.slice(start, i), out);
          start = i;
        }
      }
      return out;
    },

    async commit(tx: Queryable, { groups, rejects }): Promise<BatchOutcome> {
      const scope = settings.scope;
      const ids = groups.flatMap((g) => g.rows.map((m) => m.citizenId));
      const persons = new Map<string, { residence: string | null; grid: string | null }>();
      if (ids.length > 0) {
        for (const p of await tx.query<{ citizen_id: string; residence_community: string | null; grid_id: string | null }>(
          'SELECT citizen_id, residence_community, grid_id FROM person WHERE citizen_id = ANY($1::text[])', [ids])) {
          persons.set(p.citizen_id, { residence: p.residence_community, grid: p.grid_id });
        }
      }
      const refs = await loadRefs(tx, {
        regions: groups.flatMap((g) => (g.residenceCommunity ? [g.residenceCommunity] : [])),
        grids: groups.flatMap((g) => (g.gridId ? [g.gridId] : [])),
      });
      const existing = new Map<string, { address: string | null; residence_community: string | null; grid_id: string | null }>();
      if (groups.length > 0 && !(present.has('address') && present.has('residenceCommunity') && present.has('gridId'))) {
        for (const h of await tx.query<{ household_no: string; address: string | null; residence_community: string | null; grid_id: string | null }>(
          'SELECT household_no, address, residence_community, grid_id FROM household WHERE household_no = ANY($1::text[])', [groups.map((g) => g.householdNo)])) {
          existing.set(h.household_no, h);
        }
      }

      let accepted = 0;
      for (const g of groups) {
        const rowsOf = g.rows.map((m) => m.r);
        const offending: RowReject[] = [];
        for (const m of g.rows) {
          const p = persons.get(m.citizenId);
          if (!p) offending.push(reject(m.r, 'citizenId', `no person with citizen ID ${m.citizenId} in the registry: import the persons first`));
          else if (!scope.all && !scopeCovers(scope, p.residence, p.grid)) offending.push(reject(m.r, 'citizenId', 'this person is registered outside your region'));
          else {
            const first = members.get(m.citizenId);
            if (first !== undefined) offending.push(reject(m.r, 'citizenId', `this person is already a member of a household on row ${first} of the file`));
          }
        }
        const bad = checkRefs(refs, { residenceCommunity: g.residenceCommunity, gridId: g.gridId, hukouRegion: null });
        if (bad) {
          const at = g.sourceRow[bad.field as 'residenceCommunity' | 'gridId'] ?? g.rows[0]!.r.row;
          offending.push(reject(g.rows.find((m) => m.r.row === at)?.r ?? g.rows[0]!.r, bad.field, bad.message));
        } else if (!scope.all && !scopeCovers(scope, g.residenceCommunity, g.gridId)) {
          const at = g.rows.find((m) => m.r.row === g.sourceRow.residenceCommunity)?.r ?? g.rows[0]!.r;
          offending.push(reject(at, 'residenceCommunity', g.residenceCommunity === null
            ? 'a residence community is required: you may only import households living in your region'
            : `community ${g.residenceCommunity} is outside your region`));
        }
        if (offending.length > 0) {
          offending.sort((a, b) => a.row - b.row);
          rejects.push(...rejectGroup(rowsOf, g.householdNo, offending));
          continue;
        }
        const before = existing.get(g.householdNo);
        const input: HouseholdInput = {
          householdNo: g.householdNo,
          address: present.has('address') ? g.address : before?.address ?? null,
          residenceCommunity: present.has('residenceCommunity') ? g.residenceCommunity : before?.residence_community ?? null,
          gridId: present.has('gridId') ? g.gridId : before?.grid_id ?? null,
          members: g.rows.map((m) => ({ citizenId: m.citizenId, relation: m.relation })),
        };
        await tx.exec('SAVEPOINT import_household');
        try {
          await upsertHousehold(tx, input, settings.actor, settings.reason);
          await tx.exec('RELEASE SAVEPOINT import_household');
        } catch (err) {
          if (!(err instanceof AppError) && !isDataError(err)) throw err;
          await tx.exec('ROLLBACK TO SAVEPOINT import_household');
          const field = err instanceof AppError && typeof err.details.field === 'string' && err.details.field !== 'members' ? err.details.field : 'householdNo';
          rejects.push(...rowsOf.map((r) => reject(r, field, `household ${g.householdNo} could not be stored: ${(err as Error).message}`)));
          continue;
        }
        for (const m of g.rows) members.addOrGet(m.citizenId, m.r.row);
        accepted += g.rows.length;
      }
      rejects.sort((a, b) => a.row - b.row);
      return { accepted, rejects };
    },
  };
}
