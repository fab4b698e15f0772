/** The simulator's traffic model: the mix of event types, the daily rhythm, alarms from the right devices. */
import { describe, expect, it } from 'vitest';
import { DeviceEvent } from './schemas.ts';
import { activityAt, nextEvent, type SimDevice } from './simulate.ts';

/** A small deterministic generator (mulberry32). */
const seeded = (seed: number) => () => { seed |= 0; seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const devices: SimDevice[] = [1, 2, 3].flatMap((p) => (['call-button', 'presence', 'fall-radar', 'door'] as const).map((kind) => ({ id: `P${p}-${kind}`, kind, personId: p })));
const draw = (at: Date, n: number, alarmShare = 0.01) => {
  const r = seeded(7);
  return Array.from({ length: n }, () => nextEvent(devices, at, alarmShare, r)).filter((e) => e !== undefined);
};

describe('device simulator', () => {
  it('moves by day and rests at night (Beijing time)', () => {
    expect(activityAt(3 * 60)).toBeLessThan(activityAt(8 * 60));
    const day = draw(new Date('2026-03-02T08:00:00+08:00'), 4000).filter((e) => e.payload.type === 'presence').length;
    const night = draw(new Date('2026-03-02T03:00:00+08:00'), 4000).filter((e) => e.payload.type === 'presence').length;
    expect(day).toBeGreaterThan(night * 5);
  });

  it('publishes valid events, about 1 % alarms, SOS from call buttons and falls from radars', () => {
    const events = draw(new Date('2026-03-02T10:00:00+08:00'), 20_000);
    for (const e of events.slice(0, 500)) expect(DeviceEvent.safeParse(e.payload).success).toBe(true);
    const alarms = events.filter((e) => e.payload.type === 'sos' || e.payload.type === 'fall');
    expect(alarms.length / 20_000).toBeGreaterThan(0.005);
    expect(alarms.length / 20_000).toBeLessThan(0.015);
    expect(alarms.every((e) => (e.payload.type === 'sos' ? e.deviceId.endsWith('call-button') : e.deviceId.endsWith('fall-radar')))).toBe(true);
    expect(new Set(events.map((e) => e.payload.id)).size).toBe(events.length);
  });
});
