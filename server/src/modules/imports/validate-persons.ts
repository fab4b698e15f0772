/**
 * One person row -> a person ready to store, or the field that is wrong. The registry's own rules
 * (normalizePerson: citizen ID check digit and date, birth date and sex agreeing with it, ...) do
 * the final check, so an import accepts exactly what the API accepts.
 */
import type { PersonInput } from '@minsheng/contracts';
import { normalizePerson, type NormalizedPerson } from '../registry/person-rules.ts';
import * as f from './fields.ts';
import type { HeaderMap } from './headers.ts';
import type { SheetRow } from './source.ts';
import { Cells, must, RowProblem } from './validate-common.ts';

export type PersonCheck = { ok: true; value: NormalizedPerson } | { ok: false; field: string; message: string };

export class PersonRowValidator {
  private readonly cells: Cells;
  private readonly todayIso: string;

  constructor(header: HeaderMap, private readonly excelSerials: boolean, private readonly today: Date) {
    this.cells = new Cells('persons', header);
    this.todayIso = new Date(today.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  }

  /** Fields present as columns in the file (absent ones are left as they are on update). */
  present(field: string): boolean { return this.cells.has(field); }

  check(r: SheetRow): PersonCheck {
    try {
      return this.parse(r);
    } catch (e) {
      if (e instanceof RowProblem) return { ok: false, field: e.field, message: e.message };
      throw e;
    }
  }

  private opt<T>(r: SheetRow, field: string, parse: (raw: string) => T | f.Problem): T | null {
    const raw = this.cells.get(r, field);
    return raw === null ? null : must(field, parse(raw));
  }

  private parse(r: SheetRow): PersonCheck {
    const c = this.cells;
    const nameRaw = c.get(r, 'name');
    if (nameRaw === null) throw new RowProblem('name', 'the name is empty');
    const name = must('name', f.limitedText(nameRaw, 50, 'the name'));
    const idRaw = c.get(r, 'citizenId');
    if (idRaw === null) throw new RowProblem('citizenId', 'the citizen ID is empty');
    const citizenId = must('citizenId', f.citizenId(idRaw, c.lossy(r, 'citizenId')));
    const ex = this.excelSerials;
    const deceasedOn = this.opt(r, 'deceasedOn', (s) => f.date(s, ex));
    if (deceasedOn !== null && deceasedOn > this.todayIso) throw new RowProblem('deceasedOn', `date of death ${deceasedOn} is in the future`);
    const input: PersonInput = {
      name,
      citizenId,
      phone: this.opt(r, 'phone', f.phone),
      hukouRegion: this.opt(r, 'hukouRegion', f.regionCode),
      residenceCommunity: this.opt(r, 'residenceCommunity', f.communityCode),
      gridId: this.opt(r, 'gridId', (s) => f.limitedText(s, 40, 'the grid ID')),
      disabilityCategory: this.opt(r, 'disabilityCategory', f.disabilityCategory),
      disabilityGrade: this.opt(r, 'disabilityGrade', f.disabilityGrade),
      abilityLevel: this.opt(r, 'abilityLevel', f.abilityLevel),
      livingArrangement: this.opt(r, 'livingArrangement', f.livingArrangement),
      deceasedOn,
    };
    const sex = this.opt(r, 'sex', f.sex);
    if (sex !== null) input.sex = sex;
    const birthDate = this.opt(r, 'birthDate', (s) => f.date(s, ex));
    if (birthDate !== null) input.birthDate = birthDate;
    const norm = normalizePerson(input, this.today);
    if (!norm.ok) return { ok: false, field: norm.problem.field, message: norm.problem.message };
    return norm;
  }
}
