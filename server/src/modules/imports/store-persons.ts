/**
 * Persons, set-based. Rows whose citizen ID is not yet registered are copied straight into
 * `person` (COPY: the database's own bulk path; a new person's creation stays on its row,
 * migration 005). The others are copied into a temporary staging table and written with one
 * INSERT … ON CONFLICT (citizen_id) DO UPDATE … WHERE something differs; the history trigger then
 * snapshots exactly the rows whose version moved, so a second import of the same file writes
 * nothing and adds no history. Should a "new" person have been registered meanwhile by someone
 * else, the COPY fails on the unique citizen ID and the batch takes the upsert path instead.
 *
 * Columns absent from the file are left as they are on existing persons; a present but empty
 * cell clears the value. Household membership and finance items are never touched here.
 */
import type { Queryable } from '../../platform/db.ts';
import { scopeCovers } from '../../platform/auth/scope.ts';
import type { NormalizedPerson } from '../registry/person-rules.ts';
import { checkRefs, loadRefs } from '../registry/references.ts';
import type { HeaderMap } from './headers.ts';
import { IdSet } from './id-set.ts';
import type { SheetRow } from './source.ts';
import type { BatchOutcome, ImportSettings, KindImporter, RowReject } from './types.ts';
import { PersonRowValidator } from './validate-persons.ts';
import { reject } from './validate-common.ts';

/** Optional person columns: field in the file -> column in the table. */
const OPTIONAL = {
  phone: 'phone', hukouRegion: 'hukou_region', residenceCommunity: 'residence_community', gridId: 'grid_id',
  disabilityCategory: 'disability_category', disabilityGrade: 'disability_grade', abilityLevel: 'ability_level',
  livingArrangement: 'living_arrangement', deceasedOn: 'deceased_on',
} as const satisfies Partial<Record<keyof NormalizedPerson, string>>;
type OptionalField = keyof typeof OPTIONAL;
const OPTIONAL_FIELDS = Object.keys(OPTIONAL) as OptionalField[];

const STAGE = 'import_person_stage';
const STAGE_DDL = `CREATE TEMP TABLE ${STAGE} (
  citizen_id text, name text, name_initials text, sex text, birth_date date, phone text, hukou_region text,
  residence_community text, grid_id text, disability_category text, disability_grade smallint, ability_level text,
  living_arrangement text, deceased_on date) ON COMMIT DROP`;
const STAGE_COLUMNS = ['citizen_id', 'name', 'name_initials', 'sex', 'birth_date', ...OPTIONAL_FIELDS.map((k) => OPTIONAL[k])];
const COPY_SQL = `COPY ${STAGE} (${STAGE_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv)`;
const COPY_NEW_SQL = `COPY person (${STAGE_COLUMNS.join(', ')}, updated_by, change_reason) FROM STDIN WITH (FORMAT csv)`;
const UNIQUE_VIOLATION = '23505';

/** The upsert for the columns present in the file. */
export function personUpsertSql(present: ReadonlySet<string>): string {
  const cols = ['name', 'name_initials', ...OPTIONAL_FIELDS.filter((k) => present.has(k)).map((k) => OPTIONAL[k])];
  const sets = cols.map((c) => `${c} = EXCLUDED.${c}`);
  // A move to another community without a grid column drops the old community's grid.
  if (present.has('residenceCommunity') && !present.has('gridId')) {
    sets.push('grid_id = CASE WHEN p.residence_community IS DISTINCT FROM EXCLUDED.residence_community THEN NULL ELSE p.grid_id END');
  }
  const compared = cols.filter((c) => c !== 'name_initials');
  return `INSERT INTO person AS p (${STAGE_COLUMNS.join(', ')}, updated_by, change_reason)
    SELECT ${STAGE_COLUMNS.join(', ')}, $1, $2 FROM ${STAGE}
    ON CONFLICT (citizen_id) DO UPDATE SET ${sets.join(', ')},
      version = p.version + 1, updated_at = now(), updated_by = EXCLUDED.updated_by, change_reason = EXCLUDED.change_reason
    WHERE (${compared.map((c) => `p.${c}`).join(', ')}) IS DISTINCT FROM (${compared.map((c) => `EXCLUDED.${c}`).join(', ')})`;
}

const NEEDS_QUOTES = /[",\r\n]/;
function csvField(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * The rows as CSV for COPY (an unquoted empty field is NULL), in STAGE_COLUMNS order, each
 * followed by `tail` (already CSV, e.g. ",actor,reason") when given.
 */
export function stageCsv(persons: readonly NormalizedPerson[], tail = ''): string {
  let out = '';
  for (const p of persons) {
    out += `${p.citizenId},${csvField(p.name)},${csvField(p.nameInitials)},${p.sex},${p.birthDate},${csvField(p.phone)},${csvField(p.hukouRegion)},`
      + `${csvField(p.residenceCommunity)},${csvField(p.gridId)},${csvField(p.disabilityCategory)},${csvField(p.disabilityGrade)},`
      + `${csvField(p.abilityLevel)},${csvField(p.livingArrangement)},${csvField(p.deceasedOn)}${tail}\n`;
  }
  return out;
}

const errorCode = (err: unknown): unknown => (typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined);

interface Checked { r: SheetRow; p: NormalizedPerson }
interface Prepared { good: Checked[]; rejects: RowReject[] }
/** `fresh`: not registered when the batch was checked (COPY); `known`: registered (upsert). */
interface Decided { fresh: NormalizedPerson[]; known: NormalizedPerson[]; rejects: RowReject[] }

export function personImporter(settings: ImportSettings, header: HeaderMap): KindImporter<Prepared, Decided> {
  const validator = new PersonRowValidator(header, settings.excelSerials, settings.today);
  const present = new Set([...header.columns.keys()]);
  const upsert = personUpsertSql(present);
  const tail = `,${csvField(settings.actor.name)},${csvField(settings.reason)}`;
  const seen = new IdSet();

  return {
    // Batches do not depend on each other once decided: two can be written at once.
    parallelWrites: true,

    prepare(rows) {
      const good: Checked[] = [];
      const rejects: RowReject[] = [];
      for (const r of rows) {
        const c = validator.check(r);
        if (c.ok) good.push({ r, p: c.value });
        else rejects.push(reject(r, c.field, c.message));
      }
      return { good, rejects };
    },

    /** Reference codes, the caller's region and duplicates in the file, in file order. */
    async decide(db: Queryable, { good, rejects }): Promise<Decided> {
      const regions = new Set<string>();
      const grids = new Set<string>();
      for (const { p } of good) {
        if (p.residenceCommunity !== null) regions.add(p.residenceCommunity);
        if (p.hukouRegion !== null) regions.add(p.hukouRegion);
        if (p.gridId !== null) grids.add(p.gridId);
      }
      const refs = await loadRefs(db, { regions, grids });
      const scope = settings.scope;
      // Who is registered already (upserted, not copied), and who of them outside the caller's
      // region (may not be changed from here).
      const registered = new Set<string>();
      const foreign = new Map<string, string | null>();
      if (good.length > 0) {
        const ids = good.map((g) => g.p.citizenId);
        if (scope.all) {
          for (const e of await db.query<{ citizen_id: string }>('SELECT citizen_id FROM person WHERE citizen_id = ANY($1::text[])', [ids])) registered.add(e.citizen_id);
        } else {
          const existing = await db.query<{ citizen_id: string; residence_community: string | null; grid_id: string | null }>(
            'SELECT citizen_id, residence_community, grid_id FROM person WHERE citizen_id = ANY($1::text[])', [ids]);
          for (const e of existing) {
            registered.add(e.citizen_id);
            if (!scopeCovers(scope, e.residence_community, e.grid_id)) foreign.set(e.citizen_id, e.residence_community);
          }
        }
      }
      const fresh: NormalizedPerson[] = [];
      const known: NormalizedPerson[] = [];
      for (const { r, p } of good) {
        const bad = checkRefs(refs, p);
        if (bad) { rejects.push(reject(r, bad.field, bad.message)); continue; }
        if (!scope.all && !scopeCovers(scope, p.residenceCommunity, p.gridId)) {
          rejects.push(reject(r, 'residenceCommunity', p.residenceCommunity === null
            ? 'a residence community is required: you may only import persons living in your region'
            : `community ${p.residenceCommunity} is outside your region`));
          continue;
        }
        if (foreign.has(p.citizenId)) {
          rejects.push(reject(r, 'citizenId', `this person is registered in ${foreign.get(p.citizenId) ?? 'no community'}, outside your region`));
          continue;
        }
        const first = seen.addOrGet(p.citizenId, r.row);
        if (first !== undefined) {
          rejects.push(reject(r, 'citizenId', `the same citizen ID as row ${first}: a person may appear only once in a file`));
          continue;
        }
        (registered.has(p.citizenId) ? known : fresh).push(p);
      }
      rejects.sort((a, b) => a.row - b.row);
      return { fresh, known, rejects };
    },

    async commit(tx: Queryable, { fresh, known, rejects }): Promise<BatchOutcome> {
      let upserted = known;
      if (fresh.length > 0) {
        await tx.exec('SAVEPOINT import_fresh');
        try {
          await tx.copyFromCsv(COPY_NEW_SQL, stageCsv(fresh, tail));
          await tx.exec('RELEASE SAVEPOINT import_fresh');
        } catch (err) {
          // Registered by someone else since the check: upsert the whole batch instead.
          if (errorCode(err) !== UNIQUE_VIOLATION) throw err;
          await tx.exec('ROLLBACK TO SAVEPOINT import_fresh');
          upserted = [...fresh, ...known];
        }
      }
      if (upserted.length > 0) {
        await tx.exec(STAGE_DDL);
        await tx.copyFromCsv(COPY_SQL, stageCsv(upserted));
        await tx.query(upsert, [settings.actor.name, settings.reason]);
      }
      return { accepted: fresh.length + known.length, rejects };
    },
  };
}
