/**
 * Redaction of personal numbers residents type into public text (建议正文): citizen ID numbers
 * (18 digits or X, and the old 15-digit form) and phone numbers (mobile, with or without spaces
 * or hyphens, and landlines with an area code). Applied at intake: the raw text is never stored.
 */
export const REDACTED = '【已隐去】';

const FULLWIDTH_DIGIT = /[０-９Ｘｘ]/g;
const PATTERNS: readonly RegExp[] = [
  /(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/g, // 18-digit ID
  /(?<!\d)[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)/g, // 15-digit ID
  /(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)/g, // mobile
  /(?<!\d)(?:\(?0\d{2,3}\)?[\s-]?)\d{7,8}(?!\d)/g, // landline with area code
];

export function redactPersonalNumbers(text: string): { text: string; redacted: number } {
  let out = text.replace(FULLWIDTH_DIGIT, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  let redacted = 0;
  for (const p of PATTERNS) out = out.replace(p, () => { redacted += 1; return REDACTED; });
  return { text: redacted > 0 ? out : text, redacted };
}

/** 138****5678 / ****1234 for staff lists (the full number only through an audited reveal). */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return phone;
  const d = phone.replace(/\D/g, '');
  return /^1\d{10}$/.test(d) ? `${d.slice(0, 3)}****${d.slice(7)}` : `****${d.slice(-4)}`;
}

export function maskName(name: string | null): string | null {
  if (!name) return name;
  return `${[...name][0] ?? ''}${'*'.repeat(Math.max(1, [...name].length - 1))}`;
}
