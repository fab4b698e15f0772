import { z } from 'zod';
import {
  AbilityLevel, DisabilityCategory, FinanceKind, LivingArrangement, MemberRelation,
  PersonRelationKind, Sex, SupportDuty,
} from './enums.ts';

/** A real calendar date written YYYY-MM-DD (2026-02-30 is refused). */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD').refine((v) => {
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
}, 'not a real calendar date');
const isoDate = IsoDate;
const regionCode = z.string().regex(/^\d{12}$/, 'expected a 12-digit division code');

/** An income or asset item with the period it covers (收入/财产). */
export const FinanceItem = z.object({
  kind: z.enum(FinanceKind),
  /** e.g. wage, pension, farming, rent / deposit, house, vehicle */
  category: z.string().min(1).max(40),
  amount: z.number().finite(),
  periodFrom: isoDate,
  periodTo: isoDate.nullable(),
  note: z.string().max(200).nullable().optional(),
});
export type FinanceItem = z.infer<typeof FinanceItem>;

/** Fields a caller may set on a person. citizenId is the natural key (GB 11643). */
export const PersonInput = z.object({
  name: z.string().trim().min(1).max(50),
  citizenId: z.string().trim().toUpperCase().length(18),
  sex: z.enum(Sex).optional(),
  birthDate: isoDate.optional(),
  phone: z.string().regex(/^1\d{10}$|^0\d{2,3}-?\d{7,8}$/, 'expected a mobile or landline number').nullable().optional(),
  hukouRegion: regionCode.nullable().optional(),
  residenceCommunity: regionCode.nullable().optional(),
  gridId: z.string().max(40).nullable().optional(),
  disabilityCategory: z.enum(DisabilityCategory).nullable().optional(),
  disabilityGrade: z.number().int().min(1).max(4).nullable().optional(),
  abilityLevel: z.enum(AbilityLevel).nullable().optional(),
  livingArrangement: z.enum(LivingArrangement).nullable().optional(),
  deceasedOn: isoDate.nullable().optional(),
  finance: z.array(FinanceItem).optional(),
});
export type PersonInput = z.infer<typeof PersonInput>;

export const PersonPatch = PersonInput.partial().omit({ citizenId: true }).extend({
  /** Why the change is made; kept in the history snapshot. */
  reason: z.string().trim().min(2).max(500),
});
export type PersonPatch = z.infer<typeof PersonPatch>;

export const PersonSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  citizenId: z.string(),
  sex: z.enum(Sex),
  birthDate: z.string(),
  age: z.number().int(),
  phone: z.string().nullable(),
  residenceCommunity: z.string().nullable(),
  residenceName: z.string().nullable(),
  householdId: z.number().int().nullable(),
});
export type PersonSummary = z.infer<typeof PersonSummary>;

export const PersonRelation = z.object({
  id: z.number().int(),
  kind: z.enum(PersonRelationKind),
  duty: z.enum(SupportDuty).nullable(),
  /** 'outgoing': the other person is my spouse/child/supporter; 'incoming': I am theirs. */
  direction: z.enum(['outgoing', 'incoming']),
  other: z.object({
    id: z.number().int(), name: z.string(), residenceCommunity: z.string().nullable(),
    residenceName: z.string().nullable(), streetCode: z.string().nullable(), householdId: z.number().int().nullable(),
  }),
});
export type PersonRelation = z.infer<typeof PersonRelation>;

export const PersonFile = PersonSummary.extend({
  hukouRegion: z.string().nullable(),
  hukouName: z.string().nullable(),
  gridId: z.string().nullable(),
  disabilityCategory: z.enum(DisabilityCategory).nullable(),
  disabilityGrade: z.number().int().nullable(),
  abilityLevel: z.enum(AbilityLevel).nullable(),
  livingArrangement: z.enum(LivingArrangement).nullable(),
  deceasedOn: z.string().nullable(),
  finance: z.array(FinanceItem),
  household: z.object({ id: z.number().int(), relation: z.enum(MemberRelation), headName: z.string().nullable() }).nullable(),
  relations: z.array(PersonRelation),
  version: z.number().int(),
  updatedAt: z.string(),
  /** Set when the file was read as of a past date. */
  asOf: z.string().nullable(),
});
export type PersonFile = z.infer<typeof PersonFile>;

export const FieldChange = z.object({ field: z.string(), before: z.unknown(), after: z.unknown() });
export type FieldChange = z.infer<typeof FieldChange>;

/** One snapshot of the history: who changed what, when, and why. */
export const HistoryEntry = z.object({
  version: z.number().int(),
  changedAt: z.string(),
  changedBy: z.string(),
  reason: z.string(),
  changes: z.array(FieldChange),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const HouseholdMemberInput = z.object({ citizenId: z.string().length(18), relation: z.enum(MemberRelation) });
export const HouseholdInput = z.object({
  /** External household number (户编号) used to upsert households from files. */
  householdNo: z.string().trim().min(1).max(40),
  address: z.string().trim().max(200).nullable().optional(),
  residenceCommunity: regionCode.nullable().optional(),
  gridId: z.string().max(40).nullable().optional(),
  members: z.array(HouseholdMemberInput).min(1),
});
export type HouseholdInput = z.infer<typeof HouseholdInput>;

export const HouseholdMember = z.object({
  personId: z.number().int(), name: z.string(), citizenId: z.string(), relation: z.enum(MemberRelation),
  sex: z.enum(Sex), age: z.number().int(),
});
export type HouseholdMember = z.infer<typeof HouseholdMember>;

export const HouseholdFile = z.object({
  id: z.number().int(),
  householdNo: z.string(),
  address: z.string().nullable(),
  residenceCommunity: z.string().nullable(),
  residenceName: z.string().nullable(),
  gridId: z.string().nullable(),
  headPersonId: z.number().int().nullable(),
  members: z.array(HouseholdMember),
  version: z.number().int(),
  updatedAt: z.string(),
  asOf: z.string().nullable(),
});
export type HouseholdFile = z.infer<typeof HouseholdFile>;

export const RelationInput = z.object({
  citizenId: z.string().length(18),
  relatedCitizenId: z.string().length(18),
  kind: z.enum(PersonRelationKind),
  duty: z.enum(SupportDuty).nullable().optional(),
});
export type RelationInput = z.infer<typeof RelationInput>;

export const Page = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item), total: z.number().int() });
