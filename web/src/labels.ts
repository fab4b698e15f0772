import type { TFunction } from 'i18next';
import type {
  AbilityLevel, DisabilityCategory, GridKind, ImportKind, LivingArrangement, PersonRelation,
  RegionLevel,
} from '@minsheng/contracts';
import { zh } from './i18n/zh.ts';

/**
 * Enum value -> display label, through i18n (`enums.*` in zh.ts / en.ts).
 * Option lists are derived from the zh dictionary, whose `satisfies Record<Enum, string>`
 * makes the compiler check that every enum value has a label.
 */
export type EnumGroup = keyof typeof zh.enums;

const keysOf = <K extends string>(r: Record<K, string>): K[] => Object.keys(r) as K[];

export const abilityLevels: AbilityLevel[] = keysOf(zh.enums.ability);
export const livingArrangements: LivingArrangement[] = keysOf(zh.enums.living);
export const disabilityCategories: DisabilityCategory[] = keysOf(zh.enums.disability);
export const importKinds: ImportKind[] = keysOf(zh.enums.importKind);
export const disabilityGrades = [1, 2, 3, 4] as const;

/** Label of one enum value; null/undefined -> '—'; unknown values are shown as they are. */
export function enumLabel<G extends EnumGroup>(
  t: TFunction,
  group: G,
  value: keyof (typeof zh.enums)[G] | string | null | undefined,
): string {
  if (value === null || value === undefined || value === '') return t('common.none');
  const dict: Record<string, string> = zh.enums[group];
  if (!(String(value) in dict)) return String(value);
  // The key is checked above; the cast only narrows the template type for i18next.
  return t(`enums.${group}.${String(value)}` as `enums.sex.M`);
}

export const gridKindColor: Record<GridKind, string> = { general: 'blue', micro: 'cyan', dedicated: 'purple' };
export const regionLevelColor: Record<RegionLevel, string> = {
  city: 'red', district: 'volcano', street: 'gold', community: 'green',
};

/** What the other person is to me, e.g. 配偶 / 子女 / 父母 / 赡养人 / 被赡养人. */
export function relationLabel(t: TFunction, r: PersonRelation): string {
  if (r.kind === 'spouse') return t('relation.spouse');
  if (r.kind === 'child') return r.direction === 'outgoing' ? t('relation.childOut') : t('relation.childIn');
  const out = r.direction === 'outgoing';
  switch (r.duty) {
    case 'elder': return out ? t('relation.supporterOutElder') : t('relation.supporterInElder');
    case 'child': return out ? t('relation.supporterOutChild') : t('relation.supporterInChild');
    case 'mutual': return out ? t('relation.supporterOutMutual') : t('relation.supporterInMutual');
    default: return out ? t('relation.supporterOut') : t('relation.supporterIn');
  }
}

/** Label of a field name in a history change; unknown fields are shown as they are. */
export function fieldLabel(t: TFunction, field: string): string {
  if (field in zh.fields) return t(`fields.${field as keyof typeof zh.fields}`);
  return field;
}

/** Which enum group formats the values of a field in history entries. */
const fieldEnum: Record<string, EnumGroup> = {
  sex: 'sex',
  abilityLevel: 'ability',
  livingArrangement: 'living',
  disabilityCategory: 'disability',
  householdRelation: 'memberRelation',
  relation: 'memberRelation',
};

/** Formats a before/after value of a history change. */
export function formatChangeValue(t: TFunction, field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return t('common.none');
  const group = fieldEnum[field];
  if (group && typeof value === 'string') return enumLabel(t, group, value);
  if (field === 'disabilityGrade' && typeof value === 'number') return t('person.gradeN', { grade: value });
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    // e.g. finance items: "收入 wage 1200; 财产 house 1"
    return value.map((item) => {
      if (typeof item === 'object' && item !== null && 'name' in item && 'relation' in item) {
        // household members
        return `${String(item.name)}（${enumLabel(t, 'memberRelation', String(item.relation))}）`;
      }
      if (typeof item === 'object' && item !== null && 'category' in item && 'amount' in item) {
        const kind = 'kind' in item && typeof item.kind === 'string' ? enumLabel(t, 'financeKind', item.kind) : '';
        return `${kind} ${financeCategoryLabel(t, String(item.category))} ${String(item.amount)}`.trim();
      }
      return JSON.stringify(item);
    }).join('；') || t('common.none');
  }
  return JSON.stringify(value);
}

/** Finance categories are free text; the common ones get a label, others show as they are. */
export function financeCategoryLabel(t: TFunction, category: string): string {
  return category in zh.financeCategory ? t(`financeCategory.${category}` as 'financeCategory.wage') : category;
}

/** Readable label of an audit action (`person.reveal` → 显示完整号码); unknown actions: undefined. */
export function auditActionLabel(t: TFunction, action: string): string | undefined {
  const key = action.replace(/[.-]/g, '_');
  return key in zh.auditAction ? t(`auditAction.${key as keyof typeof zh.auditAction}`) : undefined;
}

/** Labels of a comma-separated role list as the audit log stores it (`district-staff,auditor`). */
export function roleListLabels(t: TFunction, roles: string | null): string[] {
  if (!roles) return [];
  return roles.split(',').filter(Boolean).map((r) => enumLabel(t, 'role', r));
}
