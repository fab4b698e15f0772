/**
 * Column maps: which header names (Chinese or English) mean which field, per kind of import.
 * Header text is compared loosely: spaces, a required-marker `*`, a note in brackets
 * (e.g. "出生日期(YYYY-MM-DD)"), full-width forms and letter case do not matter.
 */
import type { ImportKind } from '@minsheng/contracts';

export interface ColumnSpec {
  field: string;
  /** Chinese label used in messages, the sample files and the rejected-rows download. */
  label: string;
  required: boolean;
  aliases: readonly string[];
}

const col = (field: string, label: string, required: boolean, ...aliases: string[]): ColumnSpec =>
  ({ field, label, required, aliases: [label, field, ...aliases] });

export const COLUMNS: Record<ImportKind, readonly ColumnSpec[]> = {
  persons: [
    col('name', '姓名', true, 'full name'),
    col('citizenId', '公民身份号码', true, '身份证号', '身份证号码', '身份证', 'citizen id', 'id number', 'id card number'),
    col('sex', '性别', false, 'gender'),
    col('birthDate', '出生日期', false, 'date of birth', 'birthday', 'dob'),
    col('phone', '联系电话', false, '手机号', '手机号码', '电话', '联系方式', 'mobile', 'telephone'),
    col('hukouRegion', '户籍地区划代码', false, '户籍地代码', '户籍区划代码', 'hukou region', 'hukou'),
    col('residenceCommunity', '居住社区代码', false, '社区代码', '居住地社区代码', 'residence community', 'community code', 'community'),
    col('gridId', '网格编号', false, '网格', '网格代码', 'grid', 'grid id'),
    col('disabilityCategory', '残疾类别', false, 'disability category', 'disability'),
    col('disabilityGrade', '残疾等级', false, 'disability grade'),
    col('abilityLevel', '能力等级', false, '老年人能力等级', 'ability level', 'ability'),
    col('livingArrangement', '居住状况', false, '居住情况', 'living arrangement'),
    col('deceasedOn', '死亡日期', false, 'date of death', 'deceased', 'deceased on'),
  ],
  households: [
    col('householdNo', '户编号', true, '户号', 'household no', 'household number', 'household'),
    col('address', '住址', false, '地址', '家庭住址', '居住地址', 'address'),
    col('residenceCommunity', '居住社区代码', false, '社区代码', 'residence community', 'community code', 'community'),
    col('gridId', '网格编号', false, '网格', 'grid', 'grid id'),
    col('citizenId', '成员身份证号', true, '公民身份号码', '身份证号', '身份证号码', 'member citizen id', 'citizen id'),
    col('relation', '与户主关系', true, '关系', 'relation to head', 'relationship'),
  ],
  relations: [
    col('citizenId', '身份证号', true, '公民身份号码', '本人身份证号', '身份证号码', 'citizen id'),
    col('relatedCitizenId', '关联人身份证号', true, '关系人身份证号', '关联人公民身份号码', 'related citizen id', 'related id'),
    col('kind', '关系', true, '关系类型', 'relation', 'relation kind'),
    col('duty', '义务', false, '义务类型', 'support duty'),
  ],
};

/** Loose form of a header cell, for matching. */
export function headerKey(text: string): string {
  return text.normalize('NFKC')
    .replace(/[(\[{（【].*?[)\]}）】]/g, '')
    .replace(/[\s*_\-:：]/g, '')
    .toLowerCase();
}

/** Header key -> column, per list of specs (the registry kinds here; other modules' files, e.g. monitoring feeds, bring their own specs). */
const LOOKUPS = new WeakMap<readonly ColumnSpec[], Map<string, ColumnSpec>>();
function lookupOf(specs: readonly ColumnSpec[]): Map<string, ColumnSpec> {
  let m = LOOKUPS.get(specs);
  if (!m) { m = new Map(specs.flatMap((s) => s.aliases.map((a) => [headerKey(a), s] as const))); LOOKUPS.set(specs, m); }
  return m;
}

export function specOf(kind: ImportKind, field: string): ColumnSpec | undefined {
  return COLUMNS[kind].find((s) => s.field === field);
}

export interface HeaderMap {
  /** Field -> 0-based column index. */
  columns: Map<string, number>;
  /** Header cells not recognised (ignored), in order, with their 1-based column number. */
  unknown: Array<{ column: number; text: string }>;
}

export type HeaderProblem = { field: string; message: string };

/** How many cells of a row are known column names (used to find the header below title rows). */
export function knownHeaderCount(kind: ImportKind, cells: readonly string[]): number {
  return knownColumnCount(COLUMNS[kind], cells);
}

/** knownHeaderCount over any list of column specs. */
export function knownColumnCount(specs: readonly ColumnSpec[], cells: readonly string[]): number {
  const lookup = lookupOf(specs);
  let n = 0;
  for (const c of cells) if (c && lookup.has(headerKey(c))) n++;
  return n;
}

export function matchHeaders(kind: ImportKind, cells: readonly string[]): { ok: true; map: HeaderMap } | { ok: false; problems: HeaderProblem[] } {
  return matchColumns(COLUMNS[kind], cells);
}

/** matchHeaders over any list of column specs. */
export function matchColumns(specs: readonly ColumnSpec[], cells: readonly string[]): { ok: true; map: HeaderMap } | { ok: false; problems: HeaderProblem[] } {
  const lookup = lookupOf(specs);
  const columns = new Map<string, number>();
  const unknown: HeaderMap['unknown'] = [];
  const problems: HeaderProblem[] = [];
  cells.forEach((text, i) => {
    if (text.trim() === '') return;
    const spec = lookup.get(headerKey(text));
    if (!spec) { unknown.push({ column: i + 1, text }); return; }
    const first = columns.get(spec.field);
    if (first !== undefined) {
      problems.push({ field: spec.field, message: `columns ${first + 1} ("${cells[first]}") and ${i + 1} ("${text}") both mean ${spec.label} (${spec.field}); keep one` });
      return;
    }
    columns.set(spec.field, i);
  });
  for (const spec of specs) {
    if (spec.required && !columns.has(spec.field)) {
      problems.push({ field: spec.field, message: `missing required column ${spec.label} (${spec.field})` });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, map: { columns, unknown } };
}
