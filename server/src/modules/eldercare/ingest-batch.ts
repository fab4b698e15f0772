/**
 * Ingest of many device messages at once, with the same outcome per message as `ingest` one by
 * one: validated in JS, devices looked up in one query, every new event stored and every device's
 * last-seen/battery moved in one statement (multi-row INSERT ... ON CONFLICT DO NOTHING), bad
 * messages quarantined together. A message the database refuses (a value PostgreSQL cannot store)
 * must not fail the others: the batch is then retried message by message, and only that one is
 * quarantined. An infrastructure error (connection lost) rejects, so nothing is acknowledged.
 */
import type { Db } from '../../platform/db.ts';
import {
  afterConflict, cachedDevices, deviceProblem, eventRow, ingest, parseMessage, processEvent, quarantineMany, refusedByDatabase,
  type IncomingMessage, type IngestResult,
} from './ingest.ts';

type Row = ReturnType<typeof eventRow>;

/** PostgreSQL deadlock / serialization failure: two processes' batches touched the same devices in another order. */
const RETRYABLE = new Set(['40P01', '40001']);
const sqlState = (err: unknown): string => (typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '');

/** Stores the rows; returns the event ids that were new. The device update sees only new events. */
async function storeRows(db: Db, rows: readonly Row[]): Promise<Set<string>> {
  const cols = [rows.map((r) => r.eventId), rows.map((r) => r.deviceId), rows.map((r) => r.personId), rows.map((r) => r.type), rows.map((r) => r.at),
    rows.map((r) => r.value), rows.map((r) => r.via), rows.map((r) => r.instant), rows.map((r) => r.battery)];
  for (let attempt = 1; ; attempt++) {
    try {
      const got = await db.query<{ event_id: string }>(
        `WITH v AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::boolean[], $9::smallint[])
             AS v(event_id, device_id, person_id, type, at, value, via, instant, battery)),
         ins AS (
           INSERT INTO eldercare_event (event_id, device_id, person_id, type, at, value, via, processed_at)
           SELECT event_id, device_id, person_id, type, at, value::jsonb, via, CASE WHEN instant THEN NULL ELSE clock_timestamp() END FROM v
           ON CONFLICT (event_id) DO NOTHING RETURNING event_id, device_id, at),
         moved AS (
           SELECT ins.device_id, max(ins.at) AS at,
             (array_agg(v.battery ORDER BY ins.at DESC) FILTER (WHERE v.battery IS NOT NULL))[1] AS battery
           FROM ins JOIN v ON v.event_id = ins.event_id GROUP BY ins.device_id),
         -- Device rows locked in id order: two processes' batches over the same devices then wait, never deadlock.
         locked AS (
           SELECT d.id FROM eldercare_device d WHERE d.id IN (SELECT device_id FROM moved) ORDER BY d.id FOR NO KEY UPDATE),
         upd AS (
           UPDATE eldercare_device d SET last_seen_at = GREATEST(coalesce(d.last_seen_at, moved.at), moved.at),
             battery_percent = coalesce(moved.battery, d.battery_percent)
           FROM moved WHERE d.id = moved.device_id AND d.id IN (SELECT id FROM locked) RETURNING d.id)
         SELECT event_id FROM ins`, cols);
      return new Set(got.map((r) => r.event_id));
    } catch (err) {
      if (attempt < 5 && RETRYABLE.has(sqlState(err))) continue;
      throw err;
    }
  }
}

export async function ingestBatch(db: Db, messages: readonly IncomingMessage[]): Promise<IngestResult[]> {
  const results: Array<IngestResult | undefined> = new Array(messages.length);
  const bad: Array<{ m: IncomingMessage; reason: string; i: number }> = [];
  const parsed = messages.map((m, i) => {
    const p = parseMessage(m);
    if (!p.ok) bad.push({ m, reason: p.reason, i });
    return p;
  });
  const devices = await cachedDevices(db, parsed.flatMap((p) => (p.ok ? [p.deviceId] : [])));
  /** Rows to insert (first occurrence of each event id) and, per message, its row. */
  const rows: Row[] = [];
  const rowOf: Array<Row | undefined> = new Array(messages.length);
  const firstIndex = new Map<string, number>();
  parsed.forEach((p, i) => {
    if (!p.ok) return;
    const m = messages[i]!;
    const device = devices.get(p.deviceId);
    const problem = deviceProblem(m, p.deviceId, device);
    if (problem || !device) { bad.push({ m, reason: problem ?? `unknown device ${p.deviceId}`, i }); return; }
    const row = eventRow(m, p.event, device);
    rowOf[i] = row;
    if (!firstIndex.has(row.eventId)) { firstIndex.set(row.eventId, i); rows.push(row); }
  });

  let stored: Set<string>;
  try {
    stored = rows.length ? await storeRows(db, rows) : new Set();
  } catch (err) {
    if (!refusedByDatabase(err)) throw err;
    // One message the database refuses: the others must not pay for it. One by one, as `ingest` does.
    await quarantineMany(db, bad);
    for (const b of bad) results[b.i] = { status: 'quarantined', reason: b.reason };
    for (let i = 0; i < messages.length; i++) if (!results[i]) results[i] = await ingest(db, messages[i]!);
    return results as IngestResult[];
  }
  await quarantineMany(db, bad);
  for (const b of bad) results[b.i] = { status: 'quarantined', reason: b.reason };

  // Event ids not stored now: stored before (a redelivery) or twice in this batch, maybe by another device.
  const conflicted = [...new Set(rowOf.flatMap((r, i) => (r && (!stored.has(r.eventId) || firstIndex.get(r.eventId) !== i) ? [r.eventId] : [])))];
  const prev = new Map(conflicted.length === 0 ? [] : (await db.query<{ event_id: string; device_id: string; processed_at: string | null }>(
    'SELECT event_id, device_id, processed_at FROM eldercare_event WHERE event_id = ANY($1::text[])', [conflicted])).map((r) => [r.event_id, r]));
  for (let i = 0; i < messages.length; i++) {
    const r = rowOf[i];
    if (!r) continue;
    if (stored.has(r.eventId) && firstIndex.get(r.eventId) === i) {
      results[i] = r.instant ? { status: 'stored', eventId: r.eventId, alarm: await processEvent(db, r.eventId, { event_id: r.eventId, person_id: r.personId, type: r.type, at: r.at }) } : { status: 'stored', eventId: r.eventId };
    } else {
      results[i] = await afterConflict(db, messages[i]!, r.eventId, r.deviceId, prev.get(r.eventId));
    }
  }
  return results as IngestResult[];
}
