/**
 * Friendly questions for each self-check policy, and how the answers become the policy's input.
 * Residents do not know division codes or enum names: they pick a district, answer yes/no, tick
 * boxes; the form writes the input the policy declares. Thresholds are never written here: they
 * stay in the policy files and reach the page through the decision's trace.
 */
import type { JsonObject, JsonValue } from '../../../../packages/rules/src/types.ts';
import { DISTRICTS, OUTSIDE_TIANJIN, districtName } from '../districts.ts';
import type { Lang, Strings } from '../i18n.ts';

export type FieldKind = 'date' | 'yesno' | 'radio' | 'select' | 'int' | 'money' | 'datetime' | 'district' | 'children';
export interface Option { value: string; label: string }
export interface Field { key: string; kind: FieldKind; label: string; hint?: string; options?: Option[]; optional?: boolean; unit?: string }
export interface Child { livesWithParent: boolean; sameStreet: boolean }
export type Values = Record<string, string | Child[]>;

export interface FormDef {
  id: string;
  entity: 'person' | 'purchase';
  kind: 'care' | 'trade-in';
  fields: Field[];
  toInput(v: Values): JsonObject;
  /** Plain labels for computed values the trace shows (its keys are the formula's text). */
  derived: Record<string, string>;
}

const opts = (m: Record<string, string>, keys?: readonly string[]): Option[] =>
  (keys ?? Object.keys(m)).map((value) => ({ value, label: m[value] ?? value }));

/** A stand-in street code: the policy compares streets only with each other, never with a list. */
const MY_STREET = 'my-street';
const OTHER_STREET = 'other-street';

const str = (v: Values, k: string): string => (typeof v[k] === 'string' ? (v[k] as string) : '');

/**
 * A date as people write it — 1950-03-01, 1950.3.1, 1950/3/1, 1950年3月1日, 19500301 — as
 * YYYY-MM-DD, or undefined when it is not a real calendar date. (A plain text field: the native
 * date control orders its parts by the device's locale, which confuses more than it helps.)
 */
export function normalDate(text: string): string | undefined {
  const m = /^\s*(\d{4})\s*[-./年]?\s*(\d{1,2})\s*[-./月]?\s*(\d{1,2})\s*日?\s*$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
const dateOf = (v: Values, k: string): string => normalDate(str(v, k)) ?? str(v, k);
const yes = (v: Values, k: string): boolean => str(v, k) === 'yes';
/** `datetime-local` gives "2026-03-15T10:30"; the purchase happened in China (UTC+8). */
const chinaInstant = (local: string): string => `${local.length === 16 ? `${local}:00` : local}+08:00`;

export function formFor(id: string, t: Strings, lang: Lang): FormDef | undefined {
  const f = t.sc.f;
  const district = (key: string, label: string): Field => ({
    key, kind: 'district', label,
    options: [...DISTRICTS.map((d) => ({ value: d.code, label: d[lang] })), { value: OUTSIDE_TIANJIN, label: f.outside }],
  });
  const purchase = (categories: readonly string[], withGrade: boolean): Field[] => [
    { key: 'category', kind: 'select', label: f.category, options: opts(f.cat, categories) },
    ...(withGrade ? [{ key: 'efficiencyGrade', kind: 'select' as const, label: f.efficiencyGrade, options: [1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: f.grade(n) })) }] : []),
    { key: 'finalPrice', kind: 'money', label: f.finalPrice, hint: f.priceHint },
    district('deliveryRegion', f.deliveryRegion),
    { key: 'at', kind: 'datetime', label: f.at },
  ];
  const purchaseInput = (v: Values, withGrade: boolean): JsonObject => ({
    purchase: {
      category: str(v, 'category'),
      ...(withGrade ? { efficiencyGrade: Number(str(v, 'efficiencyGrade')) } : {}),
      finalPrice: Number(str(v, 'finalPrice')),
      deliveryRegion: str(v, 'deliveryRegion'),
      at: chinaInstant(str(v, 'at')),
    },
  });
  const inWindow = { 'purchase.at >= params.windowStart && purchase.at < params.windowEndExclusive': f.inWindow };
  const inTianjin = { 'purchase.deliveryRegion.startsWith(params.tianjinRegionPrefix)': f.inTianjin };

  switch (id) {
    case 'tianjin/concentrated-care-subsidy':
      return {
        id, entity: 'person', kind: 'care',
        fields: [
          { key: 'birthDate', kind: 'date', label: f.birthDate, hint: f.dateHint },
          district('hukouRegion', f.hukouRegion),
          { key: 'dibaoFamily', kind: 'yesno', label: f.dibaoFamily },
          { key: 'abilityLevel', kind: 'radio', label: f.abilityLevel, options: opts(f.ability) },
          { key: 'institutionDays', kind: 'int', label: f.institutionDays, unit: t.sc.days },
        ],
        toInput: (v) => ({
          person: {
            birthDate: dateOf(v, 'birthDate'), hukouRegion: str(v, 'hukouRegion'), dibaoFamily: yes(v, 'dibaoFamily'),
            abilityLevel: str(v, 'abilityLevel'), institutionDays: Number(str(v, 'institutionDays')),
          },
        }),
        derived: { 'person.hukouRegion.startsWith(params.tianjinRegionPrefix)': f.inTianjin },
      };
    case 'tianjin/elder-alone-guard':
      return {
        id, entity: 'person', kind: 'care',
        fields: [
          { key: 'birthDate', kind: 'date', label: f.birthDate, hint: f.dateHint },
          { key: 'hasSpouse', kind: 'yesno', label: f.hasSpouse },
          { key: 'assistance', kind: 'radio', label: f.assistance, options: opts(f.assist) },
          { key: 'children', kind: 'children', label: f.children },
        ],
        toInput: (v) => {
          const children = (Array.isArray(v.children) ? v.children : []).map((c): JsonValue => ({
            livesWithParent: c.livesWithParent, streetCode: c.sameStreet ? MY_STREET : OTHER_STREET,
          }));
          return { person: { birthDate: dateOf(v, 'birthDate'), streetCode: MY_STREET, hasSpouse: yes(v, 'hasSpouse'), assistance: str(v, 'assistance'), children } };
        },
        derived: { 'person.children.all(c, !c.livesWithParent && c.streetCode != person.streetCode)': f.allApart },
      };
    case 'tianjin/disability-living-allowance':
    case 'tianjin/severe-disability-care-allowance': {
      const living = id === 'tianjin/disability-living-allowance';
      return {
        id, entity: 'person', kind: 'care',
        fields: [
          district('hukouRegion', f.hukouRegion),
          { key: 'disabilityGrade', kind: 'radio', label: f.disabilityGrade, options: opts(f.grades, ['1', '2', '3', '4', 'none']) },
          { key: 'disabilityCategory', kind: 'select', label: f.disabilityCategory, hint: f.categoryHint, options: opts(f.dcat), optional: true },
          ...(living ? [{ key: 'assistance', kind: 'radio' as const, label: f.assistance, options: opts(f.assist) }] : []),
        ],
        toInput: (v) => {
          // No certificate: grade and kind are left out, as the policy's optional inputs expect.
          const grade = str(v, 'disabilityGrade');
          const cert = grade !== '' && grade !== 'none';
          return {
            person: {
              hukouRegion: str(v, 'hukouRegion'),
              ...(cert ? { disabilityGrade: Number(grade) } : {}),
              ...(cert && str(v, 'disabilityCategory') ? { disabilityCategory: str(v, 'disabilityCategory') } : {}),
              ...(living ? { assistance: str(v, 'assistance') } : {}),
            },
          };
        },
        derived: {
          'person.hukouRegion.startsWith(params.tianjinRegionPrefix)': f.inTianjin,
          'has(person.disabilityGrade)': f.hasCertificate,
          'has(person.disabilityCategory)': f.hasCategory,
        },
      };
    }
    case 'tianjin/trade-in-appliance-2026':
      return {
        id, entity: 'purchase', kind: 'trade-in',
        fields: purchase(['fridge', 'air-conditioner', 'washing-machine', 'water-heater', 'tv', 'computer'], true),
        toInput: (v) => purchaseInput(v, true),
        derived: { ...inWindow, ...inTianjin },
      };
    case 'tianjin/trade-in-digital-2026':
      return {
        id, entity: 'purchase', kind: 'trade-in',
        fields: purchase(['phone', 'tablet', 'smartwatch', 'smart-glasses'], false),
        toInput: (v) => purchaseInput(v, false),
        derived: { ...inWindow, ...inTianjin },
      };
    default:
      return undefined;
  }
}

/** Checks the answers before deciding; returns a message per field key. */
export function validate(form: FormDef, v: Values, t: Strings): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const field of form.fields) {
    if (field.kind === 'children') continue;
    const value = str(v, field.key).trim();
    if (!value) {
      if (!field.optional) errors[field.key] = t.sc.err.required;
      continue;
    }
    if (field.kind === 'date' && !normalDate(value)) errors[field.key] = t.sc.err.date;
    if (field.kind === 'int' && !/^\d{1,6}$/.test(value)) errors[field.key] = t.sc.err.int;
    if (field.kind === 'money' && !/^\d{1,9}(\.\d{1,2})?$/.test(value)) errors[field.key] = t.sc.err.money;
    if (field.kind === 'datetime' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) errors[field.key] = t.sc.err.datetime;
  }
  return errors;
}

/** One value the trace shows, in the resident's words: "年龄 79 周岁", "户籍所在区 和平区". */
export function describeActual(form: FormDef, key: string, value: JsonValue, t: Strings, lang: Lang): { label: string; value: string } {
  const yn = (b: JsonValue): string => (b === true ? t.yes : b === false ? t.no : String(b));
  if (/^age\(\w+\.birthDate, on\)$/.test(key)) return { label: t.sc.age, value: `${String(value)} ${t.sc.years}` };
  if (/^size\(\w+\.children\)$/.test(key)) return { label: t.sc.childCount, value: String(value) };
  const derived = form.derived[key];
  if (derived) return { label: derived, value: yn(value) };
  const field = form.fields.find((x) => key === `${form.entity}.${x.key}`);
  if (!field) return { label: t.sc.computed, value: `${key} = ${JSON.stringify(value)}` };
  return { label: field.label, value: formatValue(field, value, t, lang) };
}

function formatValue(field: Field, value: JsonValue, t: Strings, lang: Lang): string {
  switch (field.kind) {
    case 'yesno': return value === true ? t.yes : t.no;
    case 'district': return typeof value === 'string' ? districtName(value, lang) ?? t.sc.f.outside : String(value);
    case 'radio': case 'select': return field.options?.find((o) => o.value === String(value))?.label ?? String(value);
    case 'int': return `${String(value)}${field.unit ? ` ${field.unit}` : ''}`;
    case 'money': return `${String(value)} ${t.sc.yuan}`;
    case 'datetime': return typeof value === 'string' ? plainTimes(value) : String(value);
    default: return String(value);
  }
}

const plainTimes = (s: string): string => s.replace(/(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(\.\d+)?\+08:00/g, '$1 $2');

/**
 * The trace's "expected" text in plain words: field names become their questions, enum values
 * their labels, lists "a、b", China-time instants "2026-02-01 11:00".
 */
export function plainExpected(form: FormDef, text: string, t: Strings): string {
  const labels = new Map<string, string>();
  for (const field of form.fields) for (const o of field.options ?? []) labels.set(o.value, o.label);
  const sep = t.yes === '是' ? '、' : ', ';
  let s = plainTimes(text);
  s = s.replace(/\[((?:(?:"[^"]*"|-?\d+(?:\.\d+)?)(?:, )?)*)\]/g, (_m, items: string) => items.split(', ').map((x) => labels.get(x.replace(/"/g, '')) ?? x.replace(/"/g, '')).join(sep));
  s = s.replace(/"([^"]*)"/g, (_m, x: string) => labels.get(x) ?? x);
  for (const field of form.fields) s = s.split(`${form.entity}.${field.key}`).join(field.label);
  s = s.replace(/ in /g, t.yes === '是' ? ' 属于 ' : ' is one of ');
  if (s === 'true') return t.yes;
  return s;
}
