/** The alarm rules as pure functions: when each fires, what it says, and what suppresses it. */
import { describe, expect, it } from 'vitest';
import { guardParams } from './params.ts';
import { inWindow, instantRule, sweepRules, type ElderState } from './rules.ts';
import { installationWarnings } from './devices.ts';

const params = guardParams().rules;
const base: ElderState = { personId: 1, params, hasPresenceDevice: true, hasDoorDevice: true, since: '2026-03-01T00:00:00Z' };
/** Beijing wall-clock time on 2026-03-02. */
const bj = (hhmm: string, day = '2026-03-02'): Date => new Date(`${day}T${hhmm}:00+08:00`);

describe('alarm rules', () => {
  it('SOS and fall fire at once as critical, naming the event', () => {
    expect(instantRule({ id: 'e1', type: 'sos', at: '2026-03-02T01:00:00Z', personId: 1 })).toMatchObject({ rule: 'sos', severity: 'critical', eventIds: ['e1'], dedupeKey: 'sos:e1' });
    expect(instantRule({ id: 'e2', type: 'fall', at: '2026-03-02T01:00:00Z', personId: 1 })).toMatchObject({ rule: 'fall', severity: 'critical' });
    expect(instantRule({ id: 'e3', type: 'presence', at: '2026-03-02T01:00:00Z', personId: 1 })).toBeUndefined();
  });

  it('daytime windows use Beijing time and may wrap midnight', () => {
    expect(inWindow(bj('07:00'), '07:00', '21:00')).toBe(true);
    expect(inWindow(bj('06:59'), '07:00', '21:00')).toBe(false);
    expect(inWindow(bj('23:30'), '22:00', '06:00')).toBe(true);
    expect(inWindow(bj('05:59'), '22:00', '06:00')).toBe(true);
    expect(inWindow(bj('06:00'), '22:00', '06:00')).toBe(false);
  });

  it('inactivity: no presence for N hours inside the daytime window, with the numbers in the explanation', () => {
    const s = { ...base, hasDoorDevice: false, lastPresence: { id: 'p1', at: bj('08:00').toISOString() } };
    const hoursLater = (h: number): Date => new Date(bj('08:00').getTime() + h * 3_600_000);
    expect(sweepRules(s, hoursLater(params.inactivityHours - 0.1))).toEqual([]);
    const [f] = sweepRules(s, hoursLater(params.inactivityHours));
    expect(f).toMatchObject({ rule: 'inactivity', severity: 'high', eventIds: ['p1'] });
    expect(f?.explanation.zh).toContain(`阈值${params.inactivityHours}小时`);
    // The same silence fires under one key however often it is swept.
    expect(sweepRules(s, hoursLater(params.inactivityHours + 1))[0]?.dedupeKey).toBe(f?.dedupeKey);
  });

  it('inactivity counts only daytime silence: not at night, not for a night\'s sleep, not while away or in hospital', () => {
    const slept = { ...base, hasDoorDevice: false, lastPresence: { id: 'p1', at: bj('21:30', '2026-03-01').toISOString() } };
    expect(sweepRules(slept, bj('23:00', '2026-03-01'))).toEqual([]);
    expect(sweepRules(slept, bj('07:30'))).toEqual([]);
    const later = new Date(bj(params.daytimeFrom).getTime() + params.inactivityHours * 3_600_000);
    const [f] = sweepRules(slept, later);
    expect(f).toMatchObject({ rule: 'inactivity', at: later.toISOString() });
    expect(sweepRules({ ...slept, absent: { kind: 'hospital', endsAt: '2026-03-05T00:00:00Z' } }, later)).toEqual([]);
    // The next day's silence is a new alarm, not the same one.
    expect(sweepRules(slept, new Date(later.getTime() + 86_400_000))[0]?.dedupeKey).not.toBe(f?.dedupeKey);
  });

  it('door not opened for 24 h; door left open at night for N minutes', () => {
    const s = { ...base, hasPresenceDevice: false, lastDoorOpen: { id: 'd1', at: bj('09:00', '2026-03-01').toISOString() }, lastDoor: { id: 'd2', at: bj('09:05', '2026-03-01').toISOString(), value: 'closed' as const } };
    expect(sweepRules(s, bj('08:59'))).toEqual([]);
    expect(sweepRules(s, bj('09:00')).map((f) => f.rule)).toEqual(['door-not-opened']);
    expect(sweepRules({ ...s, absent: { kind: 'away', endsAt: '2026-03-09T00:00:00Z' } }, bj('09:00'))).toEqual([]);
    const night = { ...base, hasPresenceDevice: false, lastDoorOpen: { id: 'd3', at: bj('23:00').toISOString() }, lastDoor: { id: 'd3', at: bj('23:00').toISOString(), value: 'open' as const } };
    expect(sweepRules(night, new Date(bj('23:00').getTime() + (params.doorOpenNightMinutes - 1) * 60_000))).toEqual([]);
    expect(sweepRules(night, new Date(bj('23:00').getTime() + params.doorOpenNightMinutes * 60_000)).map((f) => f.rule)).toEqual(['door-open-night']);
    // Left open since the evening: counted from the night's start, and not at all in the daytime.
    const evening = { ...night, lastDoorOpen: { id: 'd4', at: bj('20:00').toISOString() }, lastDoor: { id: 'd4', at: bj('20:00').toISOString(), value: 'open' as const } };
    expect(sweepRules(evening, bj('21:59')).filter((f) => f.rule === 'door-open-night')).toEqual([]);
    expect(sweepRules(evening, new Date(bj(params.nightFrom).getTime() + params.doorOpenNightMinutes * 60_000)).map((f) => f.rule)).toEqual(['door-open-night']);
  });

  it('a fall with no presence afterwards fires still-after-fall (which joins the fall alarm)', () => {
    const fallAt = bj('10:00');
    const s = { ...base, hasDoorDevice: false, lastPresence: { id: 'p0', at: bj('09:59').toISOString() }, lastFall: { id: 'f1', at: fallAt.toISOString(), presenceAfter: false } };
    expect(sweepRules(s, new Date(fallAt.getTime() + params.stillAfterFallMinutes * 60_000)).map((f) => f.rule)).toEqual(['still-after-fall']);
    expect(sweepRules({ ...s, lastFall: { ...s.lastFall, presenceAfter: true } }, new Date(fallAt.getTime() + params.stillAfterFallMinutes * 60_000))).toEqual([]);
  });

  it('installation checks come from the data file', () => {
    expect(installationWarnings({ kind: 'fall-radar', room: 'bathroom', mounting: 'ceiling', mountingHeightM: 2.5 }, { bedBound: false })).toEqual([]);
    expect(installationWarnings({ kind: 'fall-radar', room: 'bathroom', mounting: 'ceiling', mountingHeightM: 1.5 }, { bedBound: false }).map((w) => w.check)).toEqual(['radar-height']);
    expect(installationWarnings({ kind: 'fall-radar', room: 'bathroom', mounting: 'wall', mountingHeightM: null }, { bedBound: false }).map((w) => w.check)).toEqual(['radar-height', 'radar-not-ceiling']);
    expect(installationWarnings({ kind: 'presence', room: 'bedroom', mounting: 'wall', mountingHeightM: 2 }, { bedBound: true }).map((w) => w.check)).toEqual(['presence-bedroom-bedbound']);
    expect(installationWarnings({ kind: 'presence', room: 'bedroom', mounting: 'wall', mountingHeightM: 2 }, { bedBound: false })).toEqual([]);
  });
});
