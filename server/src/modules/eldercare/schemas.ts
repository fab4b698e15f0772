/** Input shapes of the eldercare endpoints (zod; each field named in errors). */
import { z } from 'zod';
import { DeviceKind, RiskTier, RuleOverrides } from './params.ts';

const Iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s), 'expected an ISO-8601 date-time');
const Phone = z.string().trim().regex(/^(1\d{10}|0\d{2,3}-?\d{7,8})$/, 'expected a mobile (11 digits) or landline number');
const Name = z.string().trim().min(1).max(60);

export const ContactInput = z.object({
  priority: z.number().int().min(1).max(9),
  name: Name,
  relation: z.string().trim().min(1).max(20),
  phone: Phone,
});
export type ContactInput = z.infer<typeof ContactInput>;

export const ConsentInput = z.object({
  by: Name,
  at: Iso,
  method: z.enum(['signed-paper', 'verbal-witnessed', 'app']),
  witness: Name.optional(),
}).refine((c) => c.method !== 'verbal-witnessed' || c.witness, { message: 'a verbal consent needs a witness', path: ['witness'] });

export const EnrolInput = z.object({
  personId: z.number().int().positive(),
  consent: ConsentInput,
  riskTier: z.enum(RiskTier).default('medium'),
  bedBound: z.boolean().default(false),
  healthNotes: z.string().max(2000).default(''),
  /** Required when the person is not a candidate of the latest policy run. */
  reason: z.string().trim().min(4).max(500).optional(),
  contacts: z.array(ContactInput).max(9).default([]),
  ruleParams: RuleOverrides.default({}),
});
export type EnrolInput = z.infer<typeof EnrolInput>;

export const ElderPatch = z.object({
  riskTier: z.enum(RiskTier).optional(),
  bedBound: z.boolean().optional(),
  healthNotes: z.string().max(2000).optional(),
  ruleParams: RuleOverrides.optional(),
  status: z.enum(['active', 'withdrawn']).optional(),
  reason: z.string().trim().min(2).max(500),
});
export type ElderPatch = z.infer<typeof ElderPatch>;

export const ContactsInput = z.object({ contacts: z.array(ContactInput).max(9) });

export const AbsenceInput = z.object({
  kind: z.enum(['away', 'hospital']),
  startsAt: Iso,
  endsAt: Iso,
  note: z.string().max(500).default(''),
}).refine((a) => Date.parse(a.endsAt) > Date.parse(a.startsAt), { message: 'the end must be after the start', path: ['endsAt'] });
export type AbsenceInput = z.infer<typeof AbsenceInput>;

export const VisitInput = z.object({
  visitedAt: Iso,
  kind: z.enum(['home', 'phone', 'video']),
  note: z.string().max(2000).default(''),
});
export type VisitInput = z.infer<typeof VisitInput>;

export const DeviceInput = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{3,64}$/, '3–64 letters, digits, dot, dash or underscore'),
  personId: z.number().int().positive(),
  kind: z.enum(DeviceKind),
  vendor: z.string().trim().min(1).max(60),
  serial: z.string().trim().min(1).max(80),
  room: z.enum(['living-room', 'bedroom', 'bathroom', 'kitchen', 'entrance', 'worn']),
  mounting: z.enum(['ceiling', 'wall', 'door', 'table', 'worn']).optional(),
  mountingHeightM: z.number().min(0).max(10).optional(),
  installedAt: Iso,
  installedBy: Name,
});
export type DeviceInput = z.infer<typeof DeviceInput>;

export const RosterInput = z.object({
  communityCode: z.string().regex(/^\d{12}$/, 'expected a 12-digit community code'),
  kind: z.enum(['volunteer', 'social-organisation']),
  name: Name,
  phone: Phone,
  priority: z.number().int().min(1).max(99).default(1),
});
export type RosterInput = z.infer<typeof RosterInput>;

/** A device event as devices and vendor platforms send it. */
export const DeviceEvent = z.object({
  id: z.string().min(1).max(128),
  type: z.enum(['sos', 'fall', 'presence', 'door', 'heartbeat', 'battery']),
  at: Iso,
  value: z.unknown().optional(),
}).strict().superRefine((e, ctx) => {
  if (e.type === 'battery' && !(typeof e.value === 'number' && e.value >= 0 && e.value <= 100)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'a battery event carries the level 0–100' });
  if (e.type === 'door' && !(e.value === 'open' || e.value === 'closed')) ctx.addIssue({ code: 'custom', path: ['value'], message: 'a door event carries "open" or "closed"' });
});
export type DeviceEvent = z.infer<typeof DeviceEvent>;

export const ResolveInput = z.object({
  outcome: z.enum(['false-alarm', 'helped-at-home', 'to-hospital', 'deceased', 'no-answer-resolved', 'other']),
  note: z.string().max(2000).default(''),
  clientActionId: z.string().max(80).optional(),
});
export const AlarmActionInput = z.object({
  note: z.string().max(2000).default(''),
  clientActionId: z.string().max(80).optional(),
});
