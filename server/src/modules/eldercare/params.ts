/**
 * The guard's parameters (visit frequency by tier, heartbeat intervals, installation checks, alarm
 * rule defaults, escalation timeouts) come from policies/eldercare/guard.params, never from code.
 * Validated once at load; a broken file stops the server from starting rather than guessing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

export const DeviceKind = ['call-button', 'presence', 'fall-radar', 'door'] as const;
export type DeviceKind = (typeof DeviceKind)[number];
export const RiskTier = ['low', 'medium', 'high'] as const;
export type RiskTier = (typeof RiskTier)[number];

const Hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');
const Text = z.object({ zh: z.string(), en: z.string() });

export const RuleParams = z.object({
  inactivityHours: z.number().positive().max(72),
  daytimeFrom: Hhmm,
  daytimeTo: Hhmm,
  doorNotOpenedHours: z.number().positive().max(240),
  doorOpenNightMinutes: z.number().positive().max(720),
  nightFrom: Hhmm,
  nightTo: Hhmm,
  stillAfterFallMinutes: z.number().positive().max(1440),
});
export type RuleParams = z.infer<typeof RuleParams>;
/** What an elder's file may override. */
export const RuleOverrides = RuleParams.partial().strict();
export type RuleOverrides = z.infer<typeof RuleOverrides>;

const InstallationCheck = z.object({
  id: z.string(),
  kind: z.enum(DeviceKind),
  when: z.object({
    mountingHeightOutside: z.tuple([z.number(), z.number()]).optional(),
    mountingIsNot: z.string().optional(),
    room: z.string().optional(),
    elderBedBound: z.boolean().optional(),
  }).strict(),
  message: Text,
});
export type InstallationCheck = z.infer<typeof InstallationCheck>;

const GuardParams = z.object({
  version: z.number().int(),
  source: z.string(),
  example: z.boolean(),
  visits: z.object({
    graceDays: z.number().int().min(0),
    missedVisitDueWorkingDays: z.number().int().min(0).max(30),
    tiers: z.record(z.enum(RiskTier), z.object({ days: z.number().int().positive(), note: z.string().optional() })),
  }),
  devices: z.object({
    missedBeats: z.number().int().positive(),
    lowBatteryPercent: z.number().int().min(1).max(99),
    maintenance: z.object({ deadlineHours: z.number().positive(), assigneeRole: z.enum(['community-worker', 'street-staff', 'grid-worker']) }),
    kinds: z.record(z.enum(DeviceKind), z.object({ label: z.string(), heartbeatSeconds: z.number().int().positive() })),
  }),
  installationChecks: z.array(InstallationCheck),
  rules: RuleParams,
  escalation: z.object({
    relativeTimeoutSeconds: z.number().int().positive(),
    gridWorkerTimeoutSeconds: z.number().int().positive(),
    volunteerTimeoutSeconds: z.number().int().positive(),
    socialOrganisationTimeoutSeconds: z.number().int().positive(),
    callSeatTimeoutSeconds: z.number().int().positive(),
    callSeatRepeats: z.number().int().min(0).max(1000),
  }),
});
export type GuardParams = z.infer<typeof GuardParams>;

/** MINSHENG_GUARD_PARAMS points at another file (tests with second-long timeouts, a city's own figures). */
export const GUARD_PARAMS_FILE = process.env.MINSHENG_GUARD_PARAMS || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../policies/eldercare/guard.params');

let cached: GuardParams | undefined;

export function loadGuardParams(file = GUARD_PARAMS_FILE): GuardParams {
  const parsed = GuardParams.safeParse(parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  for (const tier of RiskTier) if (!parsed.data.visits.tiers[tier]) throw new Error(`${file}: visits.tiers.${tier} is missing`);
  for (const kind of DeviceKind) if (!parsed.data.devices.kinds[kind]) throw new Error(`${file}: devices.kinds.${kind} is missing`);
  return parsed.data;
}

export function guardParams(): GuardParams {
  cached ??= loadGuardParams();
  return cached;
}

/** The rule parameters for one elder: the file's defaults with the elder's overrides. */
export function rulesFor(overrides: unknown): RuleParams {
  const o = RuleOverrides.safeParse(overrides ?? {});
  return { ...guardParams().rules, ...(o.success ? o.data : {}) };
}

export const visitDays = (tier: RiskTier): number => guardParams().visits.tiers[tier]?.days ?? guardParams().visits.tiers.medium!.days;
export const heartbeatSeconds = (kind: DeviceKind): number => guardParams().devices.kinds[kind]!.heartbeatSeconds;
