/**
 * Pure checks on a person record, shared by the API and the bulk importer: the citizen ID
 * (GB 11643) must be valid, and a given birth date or sex must agree with the one it encodes.
 */
import { checkCitizenId, type PersonInput } from '@minsheng/contracts';
import { pinyin } from 'pinyin-pro';

export interface FieldProblem { field: string; message: string }

/** A person ready to store: every derived field resolved. */
export interface NormalizedPerson {
  citizenId: string; name: string; nameInitials: string; sex: 'M' | 'F'; birthDate: string;
  phone: string | null; hukouRegion: string | null; residenceCommunity: string | null; gridId: string | null;
  disabilityCategory: string | null; disabilityGrade: number | null; abilityLevel: string | null;
  livingArrangement: string | null; deceasedOn: string | null; finance: PersonInput['finance'];
}

/** Names repeat a lot (a bulk import meets 王秀英 again and again); pinyin costs ~4 µs a name. */
const initialsCache = new Map<string, string>();

/**
 * The initial of a Chinese character that reads the same in every context (its readings all start
 * with one letter: 张, 秀, 英...), else null (红 hong/gong, 曾 zeng/ceng: the word decides).
 * About 90 % of the characters; a few thousand entries at most.
 */
const charInitials = new Map<string, string | null>();
const CJK_FIRST = 0x3400;
function fixedInitial(ch: string): string | null {
  let initial = charInitials.get(ch);
  if (initial === undefined) {
    const readings = new Set(pinyin(ch, { pattern: 'first', toneType: 'none', type: 'array', multiple: true }).map((r) => r.toLowerCase()));
    const [only] = readings;
    initial = readings.size === 1 && only !== undefined && /^[a-z]$/.test(only) ? only : null;
    charInitials.set(ch, initial);
  }
  return initial;
}

/** Pinyin initials of a Chinese name, e.g. 张三 -> "zs"; letters in the name are kept. */
export function nameInitials(name: string): string {
  let initials = initialsCache.get(name);
  if (initials === undefined) {
    initials = initialsByChar(name) ?? pinyin(name, { pattern: 'first', toneType: 'none', type: 'array', nonZh: 'consecutive' })
      .join('').replace(/[^a-z]/gi, '').toLowerCase();
    if (initialsCache.size >= 50_000) initialsCache.clear();
    initialsCache.set(name, initials);
  }
  return initials;
}

/**
 * A name made only of characters with one fixed initial needs no word lookup: the initials are the
 * characters' own (the same as pinyin-pro gives for the whole name, ~10x faster). Else null.
 */
function initialsByChar(name: string): string | null {
  let out = '';
  for (const ch of name) {
    if (ch.charCodeAt(0) < CJK_FIRST) return null;
    const initial = fixedInitial(ch);
    if (initial === null) return null;
    out += initial;
  }
  return out;
}

export function normalizePerson(input: PersonInput, today: Date = new Date()): { ok: true; value: NormalizedPerson } | { ok: false; problem: FieldProblem } {
  const id = checkCitizenId(input.citizenId, today);
  if (!id.ok) return { ok: false, problem: { field: 'citizenId', message: `citizen ID ${id.message}` } };
  if (input.birthDate !== undefined && input.birthDate !== id.birthDate) {
    return { ok: false, problem: { field: 'birthDate', message: `birth date ${input.birthDate} disagrees with the citizen ID (${id.birthDate})` } };
  }
  if (input.sex !== undefined && input.sex !== id.sex) {
    return { ok: false, problem: { field: 'sex', message: `sex ${input.sex} disagrees with the citizen ID (${id.sex})` } };
  }
  if ((input.disabilityGrade ?? null) !== null && (input.disabilityCategory ?? null) === null) {
    return { ok: false, problem: { field: 'disabilityCategory', message: 'a disability grade needs a disability category' } };
  }
  if (input.deceasedOn && input.deceasedOn < id.birthDate) {
    return { ok: false, problem: { field: 'deceasedOn', message: 'date of death is before the birth date' } };
  }
  for (const [i, item] of (input.finance ?? []).entries()) {
    if (item.periodTo !== null && item.periodTo < item.periodFrom) {
      return { ok: false, problem: { field: `finance.${i}.periodTo`, message: 'period ends before it starts' } };
    }
  }
  return {
    ok: true,
    value: {
      citizenId: input.citizenId.toUpperCase(), name: input.name, nameInitials: nameInitials(input.name),
      sex: id.sex, birthDate: id.birthDate, phone: input.phone ?? null,
      hukouRegion: input.hukouRegion ?? null, residenceCommunity: input.residenceCommunity ?? null,
      gridId: input.gridId ?? null, disabilityCategory: input.disabilityCategory ?? null,
      disabilityGrade: input.disabilityGrade ?? null, abilityLevel: input.abilityLevel ?? null,
      livingArrangement: input.livingArrangement ?? null, deceasedOn: input.deceasedOn ?? null,
      finance: input.finance ?? [],
    },
  };
}

/** Age in whole years on a date (the birthday itself counts). Dates are 'YYYY-MM-DD'. */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Today's date in China (UTC+8), where the registry's dates are meant. */
export function todayInChina(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
