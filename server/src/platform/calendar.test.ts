/** The working-day calendar: official notices, adjusted working days, overrides and the fallback year. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../testing/app.ts';
import { addWorkingDays, calendarDay, officialDay, statutoryHolidays } from './calendar.ts';

describe('working-day calendar', () => {
  let t: TestApp;
  beforeAll(async () => { t = await testApp(); });
  afterAll(async () => { await t.close(); });

  it('knows 2026 Spring Festival: the holiday and the two Saturdays that are working days', () => {
    expect(officialDay('2026-02-14')).toMatchObject({ workday: true, kind: 'adjusted-workday', source: 'official' });
    expect(officialDay('2026-02-28')).toMatchObject({ workday: true, kind: 'adjusted-workday' });
    for (const d of ['2026-02-15', '2026-02-18', '2026-02-23']) expect(officialDay(d), d).toMatchObject({ workday: false, kind: 'holiday', name: '春节' });
    expect(officialDay('2026-03-07')).toMatchObject({ workday: false, kind: 'weekend' });
    expect(officialDay('2026-03-09')).toMatchObject({ workday: true, kind: 'weekday' });
    expect(officialDay('2026-03-09').warning).toBeUndefined();
  });

  it('a year without an official notice falls back to the statutory holidays and warns', () => {
    const ny = officialDay('2027-01-01');
    expect(ny).toMatchObject({ workday: false, kind: 'holiday', source: 'statutory-fallback', name: '元旦' });
    expect(ny.warning).toMatch(/2027/);
    // Spring Festival 2027 is 2027-02-06: the eve (02-05) to the third day (02-08).
    expect([...statutoryHolidays(2027)].filter(([, n]) => n === '春节').map(([d]) => d)).toEqual(['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08']);
    expect(officialDay('2027-10-03')).toMatchObject({ workday: false, name: '国庆节' });
    expect(officialDay('2027-03-02')).toMatchObject({ workday: true, kind: 'weekday', source: 'statutory-fallback' });
  });

  it('an administrator override beats the package', async () => {
    await t.ctx.db.query(`INSERT INTO calendar_override (day, workday, name, source, created_by) VALUES ('2027-02-20', true, '春节调休', '国办发明电〔2026〕1号', 'test')`);
    expect(await calendarDay(t.ctx.db, '2027-02-20')).toMatchObject({ workday: true, kind: 'adjusted-workday', source: 'override', name: '春节调休' });
  });

  it('counts working days across the Spring Festival holiday', async () => {
    // Friday 2026-02-13 + 1 working day = Saturday 02-14 (adjusted); + 2 = 02-24 (after the holiday).
    expect(await addWorkingDays(t.ctx.db, '2026-02-13', 1)).toBe('2026-02-14');
    expect(await addWorkingDays(t.ctx.db, '2026-02-13', 2)).toBe('2026-02-24');
    expect(await addWorkingDays(t.ctx.db, '2026-03-06', 5)).toBe('2026-03-13');
  });

  it('GET /api/calendar/:date answers anyone; a bad date names the field', async () => {
    const res = await t.app.inject('/api/calendar/2026-02-28');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ date: '2026-02-28', workday: true, kind: 'adjusted-workday', source: 'official', name: '春节' });
    const bad = await t.app.inject('/api/calendar/2026-02-30');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.field).toBe('date');
  });
});
