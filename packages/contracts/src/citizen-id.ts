/**
 * Citizen ID numbers 公民身份号码 (GB 11643-1999): 6-digit address code, 8-digit birth date,
 * 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character.
 * Written here rather than taken from npm: the published packages for this are unmaintained,
 * and the rule is a fixed national standard small enough to test exhaustively.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

export type CitizenIdCheck =
  | { ok: true; birthDate: string; sex: 'M' | 'F'; addressCode: string }
  | { ok: false; reason: 'format' | 'birth-date' | 'check-digit'; message: string };

export function checkDigitOf(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARS[sum % 11] ?? '';
}

function isRealDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

export function checkCitizenId(raw: string, today: Date = new Date()): CitizenIdCheck {
  const id = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) {
    return { ok: false, reason: 'format', message: 'must be 18 characters: 17 digits and a digit or X' };
  }
  const y = Number(id.slice(6, 10)), m = Number(id.slice(10, 12)), d = Number(id.slice(12, 14));
  if (y < 1900 || !isRealDate(y, m, d) || Date.UTC(y, m - 1, d) > today.getTime()) {
    return { ok: false, reason: 'birth-date', message: `contains an impossible birth date ${id.slice(6, 14)}` };
  }
  const expected = checkDigitOf(id.slice(0, 17));
  if (id[17] !== expected) {
    return { ok: false, reason: 'check-digit', message: `check digit is ${id[17]}, expected ${expected}` };
  }
  return {
    ok: true,
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    sex: Number(id[16]) % 2 === 1 ? 'M' : 'F',
    addressCode: id.slice(0, 6),
  };
}

/** Builds a valid ID from its parts (used by the demo city and tests). */
export function makeCitizenId(addressCode: string, birthDate: string, sequence: number, sex: 'M' | 'F'): string {
  let seq = sequence % 1000;
  if ((seq % 2 === 1) !== (sex === 'M')) seq = (seq + 1) % 1000;
  const first17 = `${addressCode}${birthDate.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  return first17 + checkDigitOf(first17);
}
