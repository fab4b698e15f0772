/**
 * Masking of citizen ID and phone numbers in what staff see: `120103********1234` and
 * `138****5678`, unless the role needs the number (the call seat phones people) or a reveal
 * with a reason unmasked it for one request.
 */
export function maskCitizenId(id: string): string {
  return id.length === 18 ? `${id.slice(0, 6)}********${id.slice(14)}` : '*'.repeat(id.length);
}

export function maskPhone(phone: string | null): string | null {
  if (phone === null) return null;
  if (/^1\d{10}$/.test(phone)) return `${phone.slice(0, 3)}****${phone.slice(7)}`;
  return phone.length > 4 ? `${'*'.repeat(phone.length - 4)}${phone.slice(-4)}` : '****';
}

export interface Unmask { citizenId: boolean; phone: boolean }

/** Masks the ID and phone fields of any record or list of records. */
export function masked<T extends { citizenId: string; phone?: string | null }>(record: T, unmask: Unmask): T {
  return {
    ...record,
    citizenId: unmask.citizenId ? record.citizenId : maskCitizenId(record.citizenId),
    ...(record.phone !== undefined ? { phone: unmask.phone ? record.phone : maskPhone(record.phone) } : {}),
  };
}

/** History snapshots carry IDs and phones too. */
export function maskedChange<T extends { field: string; before: unknown; after: unknown }>(c: T, unmask: Unmask): T {
  const hide = (v: unknown): unknown => {
    if (typeof v !== 'string') return v;
    if (c.field === 'citizenId' && !unmask.citizenId) return maskCitizenId(v);
    if (c.field === 'phone' && !unmask.phone) return maskPhone(v);
    return v;
  };
  return { ...c, before: hide(c.before), after: hide(c.after) };
}
