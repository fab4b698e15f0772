/**
 * Alarm rules, as pure functions: each says whether it fires, on which events, with which
 * parameters, so every alarm can explain itself. Times of day are Beijing time (UTC+8, no DST).
 */
import type { RuleParams } from './params.ts';

export const AlarmRule = ['sos', 'fall', 'still-after-fall', 'inactivity', 'door-not-opened', 'door-open-night'] as const;
export type AlarmRule = (typeof AlarmRule)[number];
export type Severity = 'critical' | 'high' | 'normal';

export interface Firing {
  rule: AlarmRule;
  severity: Severity;
  /** The instant the rule fired for (the event time, or the moment a silence passed its limit). */
  at: string;
  eventIds: string[];
  /** Makes opening idempotent: the same firing seen twice (two processes, a redelivery) is one. */
  dedupeKey: string;
  explanation: { zh: string; en: string; params: Record<string, unknown> };
}

const minutesOfDay = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
/** Minutes since Beijing midnight of an instant. */
export const beijingMinutes = (at: Date): number => Math.floor(((at.getTime() + 8 * 3_600_000) % 86_400_000) / 60_000);

/** Whether the Beijing time of `at` is inside [from, to); a window may wrap past midnight. */
export function inWindow(at: Date, from: string, to: string): boolean {
  const m = beijingMinutes(at);
  const f = minutesOfDay(from);
  const t = minutesOfDay(to);
  return f <= t ? m >= f && m < t : m >= f || m < t;
}

/** The latest Beijing-time instant at HH:MM not after `now` (the start of the current window). */
export function windowStart(now: Date, hhmm: string): Date {
  const midnight = now.getTime() - beijingMinutes(now) * 60_000 - (now.getTime() % 60_000);
  const start = midnight + minutesOfDay(hhmm) * 60_000;
  return new Date(start <= now.getTime() ? start : start - 86_400_000);
}

export interface InstantEvent { id: string; type: string; at: string; personId: number }

/** SOS and falls fire at once, critical. */
export function instantRule(e: InstantEvent): Firing | undefined {
  if (e.type === 'sos') {
    return { rule: 'sos', severity: 'critical', at: e.at, eventIds: [e.id], dedupeKey: `sos:${e.id}`,
      explanation: { zh: `一键呼叫按下（事件 ${e.id}）`, en: `Call button pressed (event ${e.id})`, params: {} } };
  }
  if (e.type === 'fall') {
    return { rule: 'fall', severity: 'critical', at: e.at, eventIds: [e.id], dedupeKey: `fall:${e.id}`,
      explanation: { zh: `跌倒雷达报告跌倒（事件 ${e.id}）`, en: `Fall radar reported a fall (event ${e.id})`, params: {} } };
  }
  return undefined;
}

export interface ElderState {
  personId: number;
  params: RuleParams;
  /** Whether the home has a presence-reporting device (else inactivity cannot be judged). */
  hasPresenceDevice: boolean;
  hasDoorDevice: boolean;
  /** When monitoring began (enrolment or first device), the baseline for "no event yet". */
  since: string;
  lastPresence?: { id: string; at: string };
  lastDoorOpen?: { id: string; at: string };
  /** The latest door event, to know whether the door is open now. */
  lastDoor?: { id: string; at: string; value: 'open' | 'closed' };
  /** The latest fall, and whether presence was seen after it. */
  lastFall?: { id: string; at: string; presenceAfter: boolean };
  /** Away or in hospital now. */
  absent?: { kind: 'away' | 'hospital'; endsAt: string };
}

const hours = (ms: number): number => Math.round((ms / 3_600_000) * 10) / 10;

/** The time-based rules at `now`. Away/in hospital suppresses inactivity and door-not-opened. */
export function sweepRules(s: ElderState, now: Date): Firing[] {
  const out: Firing[] = [];
  const p = s.params;
  const t = now.getTime();
  if (s.hasPresenceDevice && s.lastFall && !s.lastFall.presenceAfter && t - Date.parse(s.lastFall.at) >= p.stillAfterFallMinutes * 60_000) {
    out.push({ rule: 'still-after-fall', severity: 'critical', at: new Date(Date.parse(s.lastFall.at) + p.stillAfterFallMinutes * 60_000).toISOString(),
      eventIds: [s.lastFall.id], dedupeKey: `still-after-fall:${s.lastFall.id}`,
      explanation: { zh: `跌倒后${p.stillAfterFallMinutes}分钟内未检测到活动`, en: `No presence within ${p.stillAfterFallMinutes} min after the fall`, params: { stillAfterFallMinutes: p.stillAfterFallMinutes } } });
  }
  if (!s.absent && s.hasPresenceDevice && inWindow(now, p.daytimeFrom, p.daytimeTo)) {
    // Only silence inside today's daytime window counts: a night's sleep is not inactivity.
    const last = s.lastPresence?.at ?? s.since;
    const from = new Date(Math.max(Date.parse(last), windowStart(now, p.daytimeFrom).getTime())).toISOString();
    if (t - Date.parse(from) >= p.inactivityHours * 3_600_000) {
      out.push({ rule: 'inactivity', severity: 'high', at: new Date(Date.parse(from) + p.inactivityHours * 3_600_000).toISOString(),
        eventIds: s.lastPresence ? [s.lastPresence.id] : [], dedupeKey: `inactivity:${s.personId}:${from}`,
        explanation: { zh: `白天（${p.daytimeFrom}–${p.daytimeTo}）已${hours(t - Date.parse(from))}小时未检测到活动（阈值${p.inactivityHours}小时）`,
          en: `No presence for ${hours(t - Date.parse(from))} h in the daytime window ${p.daytimeFrom}–${p.daytimeTo} (limit ${p.inactivityHours} h)`,
          params: { inactivityHours: p.inactivityHours, daytimeFrom: p.daytimeFrom, daytimeTo: p.daytimeTo, lastPresenceAt: s.lastPresence?.at ?? null } } });
    }
  }
  if (!s.absent && s.hasDoorDevice) {
    const last = s.lastDoorOpen?.at ?? s.since;
    if (t - Date.parse(last) >= p.doorNotOpenedHours * 3_600_000) {
      out.push({ rule: 'door-not-opened', severity: 'high', at: new Date(Date.parse(last) + p.doorNotOpenedHours * 3_600_000).toISOString(),
        eventIds: s.lastDoorOpen ? [s.lastDoorOpen.id] : [], dedupeKey: `door-not-opened:${s.personId}:${last}`,
        explanation: { zh: `门已${hours(t - Date.parse(last))}小时未打开（阈值${p.doorNotOpenedHours}小时）`, en: `Door not opened for ${hours(t - Date.parse(last))} h (limit ${p.doorNotOpenedHours} h)`,
          params: { doorNotOpenedHours: p.doorNotOpenedHours, lastOpenAt: s.lastDoorOpen?.at ?? null } } });
    }
  }
  if (s.hasDoorDevice && s.lastDoor?.value === 'open' && inWindow(now, p.nightFrom, p.nightTo)) {
    // Open at night: counted from the later of the opening and the night's start (left open since the evening counts from 22:00).
    const from = Math.max(Date.parse(s.lastDoor.at), windowStart(now, p.nightFrom).getTime());
    if (t - from >= p.doorOpenNightMinutes * 60_000) {
      out.push({ rule: 'door-open-night', severity: 'high', at: new Date(from + p.doorOpenNightMinutes * 60_000).toISOString(),
        eventIds: [s.lastDoor.id], dedupeKey: `door-open-night:${s.lastDoor.id}:${new Date(from).toISOString()}`,
        explanation: { zh: `夜间（${p.nightFrom}–${p.nightTo}）门打开已超过${p.doorOpenNightMinutes}分钟`, en: `Door open at night (${p.nightFrom}–${p.nightTo}) for more than ${p.doorOpenNightMinutes} min`,
          params: { doorOpenNightMinutes: p.doorOpenNightMinutes, nightFrom: p.nightFrom, nightTo: p.nightTo, openedAt: s.lastDoor.at } } });
    }
  }
  return out;
}
