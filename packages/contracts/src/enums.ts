/** Enumerations used across the API, as const objects so both sides share one list. */
export const RegionLevel = ['city', 'district', 'street', 'community'] as const;
export type RegionLevel = (typeof RegionLevel)[number];

/** 网格 kinds: 全科网格 general, 微网格 micro, 专属网格 dedicated. */
export const GridKind = ['general', 'micro', 'dedicated'] as const;
export type GridKind = (typeof GridKind)[number];

export const Sex = ['M', 'F'] as const;
export type Sex = (typeof Sex)[number];

/** 能力完好/轻度/中度/重度/完全失能 */
export const AbilityLevel = ['intact', 'mild', 'moderate', 'severe', 'complete'] as const;
export type AbilityLevel = (typeof AbilityLevel)[number];

/** 残疾类别: 视力 听力 言语 肢体 智力 精神 多重 */
export const DisabilityCategory = ['visual', 'hearing', 'speech', 'physical', 'intellectual', 'mental', 'multiple'] as const;
export type DisabilityCategory = (typeof DisabilityCategory)[number];

/** Living arrangement 居住状况; `alone` = 独居. */
export const LivingArrangement = ['alone', 'with-spouse', 'with-children', 'with-others', 'institution'] as const;
export type LivingArrangement = (typeof LivingArrangement)[number];

/** Relation of a household member to the head 与户主关系. */
export const MemberRelation = ['head', 'spouse', 'child', 'parent', 'grandchild', 'grandparent', 'sibling', 'child-in-law', 'other'] as const;
export type MemberRelation = (typeof MemberRelation)[number];

/**
 * Relations across households. `child`: the related person is a child of the person.
 * `supporter`: the related person is a legal supporter of the person, with a duty
 * 赡养 (elder), 抚养 (child) or 扶养 (mutual, between spouses or siblings).
 */
export const PersonRelationKind = ['spouse', 'child', 'supporter'] as const;
export type PersonRelationKind = (typeof PersonRelationKind)[number];
export const SupportDuty = ['elder', 'child', 'mutual'] as const;
export type SupportDuty = (typeof SupportDuty)[number];

export const FinanceKind = ['income', 'asset'] as const;
export type FinanceKind = (typeof FinanceKind)[number];

export const ImportKind = ['persons', 'households', 'relations'] as const;
export type ImportKind = (typeof ImportKind)[number];
