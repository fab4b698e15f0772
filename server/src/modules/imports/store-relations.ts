/**
 * Relations across households, set-based: one row per relation (person, related person, kind,
 * duty); both persons must be registered. Stored with the same rules as the registry's
 * addRelation: the person must be in the caller's region, the related person may live anywhere;
 * a duty only applies to a supporter and is ignored for spouse and child. An existing relation is
 * kept (its duty updated if the file says otherwise), so importing a file again changes nothing.
 */
import { checkCitizenId, type PersonRelationKind, type SupportDuty } from '@minsheng/contracts';
import type { Queryable } from '../../platform/db.ts';
import { scopeCovers } from '../../platform/auth/scope.ts';
import * as f from './fields.ts';
import type { HeaderMap } from './headers.ts';
import type { SheetRow } from './source.ts';
import type { BatchOutcome, ImportSettings, KindImporter, RowReject } from './types.ts';
import { Cells, must, reject, RowProblem } from './validate-common.ts';

interface RelationRow { r: SheetRow; citizenId: string; relatedCitizenId: string; kind: PersonRelationKind; duty: SupportDuty | null }
interface Prepared { good: RelationRow[]; rejects: RowReject[] }

export class RelationRowValidator {
  private readonly cells: Cells;
  constructor(header: HeaderMap, private readonly today: Date) { this.cells = new Cells('relations', header); }

  private id(r: SheetRow, field: 'citizenId' | 'relatedCitizenId'): string {
    const raw = this.cells.get(r, field);
    if (raw === null) throw new RowProblem(field, 'the citizen ID is empty');
    const id = must(field, f.citizenId(raw, this.cells.lossy(r, field)));
    const check = checkCitizenId(id, this.today);
    if (!check.ok) throw new RowProblem(field, `citizen ID ${check.message}`);
    return id;
  }

  check(r: SheetRow): RelationRow | RowReject {
    try {
      const citizenId = this.id(r, 'citizenId');
      const relatedCitizenId = this.id(r, 'relatedCitizenId');
      if (citizenId === relatedCitizenId) throw new RowProblem('relatedCitizenId', 'a person cannot be related to themself');
      const kindRaw = this.cells.get(r, 'kind');
      if (kindRaw === null) throw new RowProblem('kind', 'the relation (关系) is empty');
      const { kind, impliedDuty } = must('kind', f.relationKind(kindRaw));
      const dutyRaw = this.cells.get(r, 'duty');
      let duty: SupportDuty | null = null;
      if (kind === 'supporter') {
        const given = dutyRaw === null ? null : must('duty', f.supportDuty(dutyRaw));
        if (given !== null && impliedDuty !== null && given !== impliedDuty) {
          throw new RowProblem('duty', `"${kindRaw}" means the duty ${impliedDuty}, but the duty column says ${given}`);
        }
        duty = given ?? impliedDuty;
        if (duty === null) throw new RowProblem('duty', 'a supporter relation needs a duty: 赡养 elder, 抚养 child or 扶养 mutual');
      }
      return { r, citizenId, relatedCitizenId, kind, duty };
    } catch (e) {
      if (e instanceof RowProblem) return reject(r, e.field, e.message);
      throw e;
    }
  }
}

export function relationImporter(settings: ImportSettings, header: HeaderMap): KindImporter<Prepared> {
  const validator = new RelationRowValidator(header, settings.today);
  const seen = new Map<string, number>();

  return {
    prepare(rows) {
      const good: RelationRow[] = [];
      const rejects: RowReject[] = [];
      for (const r of rows) {
        const c = validator.check(r);
        if ('kind' in c) good.push(c);
        else rejects.push(c);
      }
      return { good, rejects };
    },

    async commit(tx: Queryable, { good, rejects }): Promise<BatchOutcome> {
      const ids = [...new Set(good.flatMap((g) => [g.citizenId, g.relatedCitizenId]))];
      const persons = new Map<string, { id: number; residence: string | null; grid: string | null }>();
      if (ids.length > 0) {
        for (const p of await tx.query<{ id: number; citizen_id: string; residence_community: string | null; grid_id: string | null }>(
          'SELECT id, citizen_id, residence_community, grid_id FROM person WHERE citizen_id = ANY($1::text[])', [ids])) {
          persons.set(p.citizen_id, { id: p.id, residence: p.residence_community, grid: p.grid_id });
        }
      }
      const scope = settings.scope;
      const from: number[] = [], to: number[] = [], kinds: string[] = [], duties: Array<string | null> = [];
      for (const g of good) {
        const a = persons.get(g.citizenId);
        const b = persons.get(g.relatedCitizenId);
        if (!a) { rejects.push(reject(g.r, 'citizenId', `no person with citizen ID ${g.citizenId} in the registry: import the persons first`)); continue; }
        if (!b) { rejects.push(reject(g.r, 'relatedCitizenId', `no person with citizen ID ${g.relatedCitizenId} in the registry: import the persons first`)); continue; }
        if (!scope.all && !scopeCovers(scope, a.residence, a.grid)) { rejects.push(reject(g.r, 'citizenId', 'this person is registered outside your region')); continue; }
        const key = `${a.id}|${b.id}|${g.kind}`;
        const first = seen.get(key);
        if (first !== undefined) { rejects.push(reject(g.r, 'relatedCitizenId', `the same relation as row ${first}`)); continue; }
        seen.set(key, g.r.row);
        from.push(a.id); to.push(b.id); kinds.push(g.kind); duties.push(g.duty);
      }
      if (from.length > 0) {
        await tx.query(
          `INSERT INTO person_relation AS r (person_id, related_person_id, kind, duty, created_by)
           SELECT m.person_id, m.related_person_id, m.kind, m.duty, $5
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS m(person_id, related_person_id, kind, duty)
           ON CONFLICT (person_id, related_person_id, kind) DO UPDATE SET duty = EXCLUDED.duty
           WHERE r.duty IS DISTINCT FROM EXCLUDED.duty`,
          [from, to, kinds, duties, settings.actor.name]);
      }
      rejects.sort((a, b) => a.row - b.row);
      return { accepted: from.length, rejects };
    },
  };
}
