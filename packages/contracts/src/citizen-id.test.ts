import { describe, expect, it } from 'vitest';
import { checkCitizenId, checkDigitOf, makeCitizenId } from './citizen-id.ts';

describe('citizen ID (GB 11643)', () => {
  it('accepts the standard example 11010519491231002X and derives birth date and sex', () => {
    expect(checkCitizenId('11010519491231002X')).toEqual({ ok: true, birthDate: '1949-12-31', sex: 'F', addressCode: '110105' });
  });
  it('accepts a lower-case x check character', () => {
    expect(checkCitizenId('11010519491231002x').ok).toBe(true);
  });
  it('refuses a wrong check digit and says which was expected', () => {
    const r = checkCitizenId('110105194912310021');
    expect(r).toMatchObject({ ok: false, reason: 'check-digit' });
    expect(!r.ok && r.message).toContain('expected X');
  });
  it('refuses impossible and future birth dates', () => {
    const feb30 = '120101' + '19500230' + '123';
    expect(checkCitizenId(feb30 + checkDigitOf(feb30))).toMatchObject({ ok: false, reason: 'birth-date' });
    const future = '120101' + '20990101' + '123';
    expect(checkCitizenId(future + checkDigitOf(future), new Date('2026-11-22'))).toMatchObject({ ok: false, reason: 'birth-date' });
  });
  it('refuses wrong lengths and characters', () => {
    expect(checkCitizenId('12010119500101123')).toMatchObject({ ok: false, reason: 'format' });
    expect(checkCitizenId('1201011950010112AB')).toMatchObject({ ok: false, reason: 'format' });
  });
  it('builds IDs whose sex digit and check digit are right', () => {
    for (const [sex, seqNo] of [['M', 10], ['F', 11], ['M', 999], ['F', 999]] as const) {
      const id = makeCitizenId('120103', '1944-02-29', seqNo, sex);
      expect(checkCitizenId(id)).toMatchObject({ ok: true, sex, birthDate: '1944-02-29' });
    }
  });
  it('catches every single-digit typo in a valid ID', () => {
    const id = makeCitizenId('120101', '1960-07-01', 37, 'M');
    for (let i = 0; i < 17; i++) {
      const digit = Number(id[i]);
      const typo = id.slice(0, i) + String((digit + 1) % 10) + id.slice(i + 1);
      expect(checkCitizenId(typo).ok, `typo at position ${i + 1}`).toBe(false);
    }
  });
});
