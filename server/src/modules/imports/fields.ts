/**
 * Cell values as people type them in Chinese office software, turned into the registry's values.
 * Each parser returns the value, or a Problem with a message meant for the person fixing the file.
 */
import {
  AbilityLevel, DisabilityCategory, LivingArrangement, MemberRelation, PersonRelationKind, SupportDuty,
} from '@minsheng/contracts';

export class Problem {
  constructor(readonly message: string) {}
}

/** Trimmed text, or null for an empty cell. */
export function text(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const t = raw.trim();
  return t === '' ? null : t;
}

const NON_ASCII = /[^\x00-\x7f]/;
/** Digits typed in full width (１２０…), stray spaces and an Excel text marker (') removed. */
export function compact(raw: string): string {
  let s = NON_ASCII.test(raw) ? raw.normalize('NFKC') : raw;
  s = s.replace(/\s+/g, '');
  return s.startsWith("'") ? s.slice(1) : s;
}

/** A citizen ID, with the usual spreadsheet damage named. */
export function citizenId(raw: string, lossy: boolean): string | Problem {
  const s = compact(raw).toUpperCase();
  if (lossy || /^\d(\.\d+)?E\+\d+$/.test(s)) {
    return new Problem(`"${raw.trim()}" was stored as a number, which keeps only 15 digits: format the column as text (文本) and enter the ID again`);
  }
  return s;
}

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?Z?)?$/;
const SLASH = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?: 0{1,2}:00(?::00)?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const CHINESE = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/;
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/**
 * A calendar date as YYYY-MM-DD from 2024-03-05, 2024/3/5, 2024.3.5, 20240305, 2024年3月5日, or
 * (in XLSX files) an Excel serial day number.
 */
export function date(raw: string, excelSerials: boolean): string | Problem {
  const s = NON_ASCII.test(raw) && !raw.includes('年') ? raw.normalize('NFKC').trim() : raw.trim();
  const m = ISO.exec(s) ?? SLASH.exec(s) ?? COMPACT.exec(s) ?? CHINESE.exec(s);
  let y: number, mo: number, d: number;
  if (m) {
    y = Number(m[1]); mo = Number(m[2]); d = Number(m[3]);
  } else if (excelSerials && /^\d{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 73050) {
    const dt = new Date(EXCEL_EPOCH + Number(s) * 86_400_000);
    y = dt.getUTCFullYear(); mo = dt.getUTCMonth() + 1; d = dt.getUTCDate();
  } else {
    return new Problem(`"${raw.trim()}" is not a date (use YYYY-MM-DD, e.g. 1950-03-15)`);
  }
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1900 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) {
    return new Problem(`"${raw.trim()}" is not a real date`);
  }
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Values accepted for an enumeration: the English value itself, or any of the Chinese names. */
function lookup<T extends string>(values: readonly T[], chinese: Record<string, NoInfer<T>>): Map<string, T> {
  const map = new Map<string, T>();
  for (const v of values) map.set(v.toLowerCase(), v);
  for (const [k, v] of Object.entries(chinese)) map.set(k.toLowerCase(), v);
  return map;
}

function oneOf<T extends string>(map: Map<string, T>, what: string, hint: string) {
  return (raw: string): T | Problem => {
    const v = map.get(raw.trim().toLowerCase()) ?? map.get(compact(raw).toLowerCase());
    return v ?? new Problem(`"${raw.trim()}" is not a known ${what} (${hint})`);
  };
}

export const sex = oneOf(lookup(['M', 'F'] as const, { 男: 'M', 女: 'F', male: 'M', female: 'F', '1': 'M', '2': 'F', 男性: 'M', 女性: 'F' }), 'sex', '男/女 or M/F');

export const disabilityCategory = oneOf(lookup(DisabilityCategory, {
  视力: 'visual', 听力: 'hearing', 言语: 'speech', 肢体: 'physical', 智力: 'intellectual', 精神: 'mental', 多重: 'multiple',
  视力残疾: 'visual', 听力残疾: 'hearing', 言语残疾: 'speech', 肢体残疾: 'physical', 智力残疾: 'intellectual', 精神残疾: 'mental', 多重残疾: 'multiple',
}), 'disability category', '视力 听力 言语 肢体 智力 精神 多重');

const GRADES: Record<string, number> = {
  '1': 1, '2': 2, '3': 3, '4': 4, 一级: 1, 二级: 2, 三级: 3, 四级: 4, '1级': 1, '2级': 2, '3级': 3, '4级': 4, 一: 1, 二: 2, 三: 3, 四: 4,
};
export function disabilityGrade(raw: string): number | Problem {
  return GRADES[compact(raw)] ?? new Problem(`"${raw.trim()}" is not a disability grade (1–4 or 一级…四级)`);
}

export const abilityLevel = oneOf(lookup(AbilityLevel, {
  能力完好: 'intact', 轻度失能: 'mild', 中度失能: 'moderate', 重度失能: 'severe', 完全失能: 'complete',
  完好: 'intact', 轻度: 'mild', 中度: 'moderate', 重度: 'severe', 完全: 'complete',
}), 'ability level', '能力完好 轻度失能 中度失能 重度失能 完全失能');

export const livingArrangement = oneOf(lookup(LivingArrangement, {
  独居: 'alone', 与配偶同住: 'with-spouse', 与子女同住: 'with-children', 与他人同住: 'with-others', 机构: 'institution',
  机构养老: 'institution', 入住机构: 'institution', 养老机构: 'institution',
}), 'living arrangement', '独居 与配偶同住 与子女同住 与他人同住 机构');

export const memberRelation = oneOf(lookup(MemberRelation, {
  户主: 'head', 配偶: 'spouse', 妻: 'spouse', 夫: 'spouse', 妻子: 'spouse', 丈夫: 'spouse',
  子女: 'child', 子: 'child', 女: 'child', 儿子: 'child', 女儿: 'child', 长子: 'child', 次子: 'child', 长女: 'child', 次女: 'child',
  父母: 'parent', 父亲: 'parent', 母亲: 'parent', 父: 'parent', 母: 'parent',
  孙子女: 'grandchild', 孙子: 'grandchild', 孙女: 'grandchild', 外孙子: 'grandchild', 外孙女: 'grandchild', 外孙子女: 'grandchild',
  祖父母: 'grandparent', 祖父: 'grandparent', 祖母: 'grandparent', 外祖父: 'grandparent', 外祖母: 'grandparent', 外祖父母: 'grandparent',
  兄弟姐妹: 'sibling', 兄: 'sibling', 弟: 'sibling', 姐: 'sibling', 妹: 'sibling', 哥哥: 'sibling', 弟弟: 'sibling', 姐姐: 'sibling', 妹妹: 'sibling',
  '儿媳/女婿': 'child-in-law', 儿媳: 'child-in-law', 女婿: 'child-in-law', 其他: 'other',
}), 'relation to the head', '户主 配偶 子女 父母 孙子女 祖父母 兄弟姐妹 儿媳/女婿 其他');

/** Relation kinds; the supporter names 赡养人/抚养人/扶养人 also say the duty. */
const KINDS = lookup(PersonRelationKind, {
  配偶: 'spouse', 子女: 'child', 赡养人: 'supporter', 抚养人: 'supporter', 扶养人: 'supporter', 监护人: 'supporter', 法定赡养人: 'supporter',
});
const IMPLIED_DUTY: Record<string, SupportDuty> = { 赡养人: 'elder', 法定赡养人: 'elder', 抚养人: 'child', 扶养人: 'mutual' };
export function relationKind(raw: string): { kind: PersonRelationKind; impliedDuty: SupportDuty | null } | Problem {
  const key = compact(raw).toLowerCase();
  const kind = KINDS.get(key);
  if (!kind) return new Problem(`"${raw.trim()}" is not a known relation (配偶 spouse, 子女 child, 赡养人 supporter)`);
  return { kind, impliedDuty: IMPLIED_DUTY[key] ?? null };
}

export const supportDuty = oneOf(lookup(SupportDuty, { 赡养: 'elder', 抚养: 'child', 扶养: 'mutual' }), 'support duty', '赡养 elder, 抚养 child, 扶养 mutual');

const PHONE = /^1\d{10}$|^0\d{2,3}-?\d{7,8}$/;
/** A mobile (11 digits from 1) or landline (area code from 0); +86 and spaces dropped. */
export function phone(raw: string): string | Problem {
  let s = compact(raw).replace(/^\+?86(?=1\d{10}$)/, '');
  if (/^\d{3,4}-\d{3,4}-\d{4}$/.test(s) && s.startsWith('1')) s = s.replaceAll('-', '');
  return PHONE.test(s) ? s : new Problem(`"${raw.trim()}" is not a phone number (mobile 13812345678 or landline 022-12345678)`);
}

/** A division code: 12 digits; a 6-digit county or 9-digit street code is padded with zeros. */
export function regionCode(raw: string): string | Problem {
  const s = compact(raw);
  if (/^\d{12}$/.test(s)) return s;
  if (/^\d{6}$|^\d{9}$/.test(s)) return s.padEnd(12, '0');
  return new Problem(`"${raw.trim()}" is not a division code (12 digits, e.g. 120101001001)`);
}

/** A community code must be the full 12 digits. */
export function communityCode(raw: string): string | Problem {
  const s = compact(raw);
  return /^\d{12}$/.test(s) ? s : new Problem(`"${raw.trim()}" is not a community code (12 digits, e.g. 120101001001)`);
}

export function limitedText(raw: string, max: number, what: string): string | Problem {
  const s = raw.trim().replace(/\s+/g, ' ');
  return s.length <= max ? s : new Problem(`${what} is longer than ${max} characters`);
}
