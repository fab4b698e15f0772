/** Turns history snapshots into what the console shows: field-level changes. */
import type { FieldChange, HistoryEntry } from '@minsheng/contracts';
import type { HistoryRow } from './repo.ts';

export function diffSnapshots(before: Record<string, unknown> | null, after: Record<string, unknown>): FieldChange[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  const changes: FieldChange[] = [];
  for (const field of keys) {
    const b = before?.[field] ?? null;
    const a = after[field] ?? null;
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    // A creation lists only the fields it set.
    if (before === null && (a === null || (Array.isArray(a) && a.length === 0))) continue;
    changes.push({ field, before: b, after: a });
  }
  return changes;
}

export const toHistoryEntry = (r: HistoryRow): HistoryEntry => ({
  version: r.version, changedAt: r.changed_at, changedBy: r.changed_by, reason: r.reason,
  changes: diffSnapshots(r.before, r.after),
});
