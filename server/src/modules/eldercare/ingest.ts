/**
 * Device event ingest, shared by the MQTT subscriber and the vendors' HTTP push. A message is
 * validated, stored once per event id, and the instant rules (SOS, fall) run on it. Anything that
 * cannot be stored (malformed JSON, wrong shape, unknown or retired device, topic/device mismatch)
 * goes to the quarantine table with the reason; nothing here throws to the caller for bad input,
 * so one broken device never stops the others.
 */
import type { Db, Queryable } from '../../platform/db.ts';
import { DeviceEvent } from './schemas.ts';
import { findDeviceUnscoped, findDevicesUnscoped, type DeviceRow } from './devices.ts';
import { instantRule } from './rules.ts';
import { recordFiring, type AlarmOutcome } from './alarms.ts';

export type IngestResult =
  | { status: 'stored'; eventId: string; alarm?: AlarmOutcome }
  | { status: 'duplicate'; eventId: string; alarm?: AlarmOutcome }
  | { status: 'quarantined'; reason: string };

export interface IncomingMessage {
  via: 'mqtt' | 'http'; deviceId: string | null; topic?: string; payload: string;
  /** The vendor platform that pushed it (HTTP): it may speak only for its own devices. */
  vendor?: string;
}

/** Event types an instant rule looks at; the others are stored already processed. */
export const INSTANT_TYPES: ReadonlySet<string> = new Set(['sos', 'fall']);

export const TOPIC_PATTERN = /^minsheng\/v1\/devices\/([A-Za-z0-9._-]{3,64})\/events$/;

/** PostgreSQL text cannot hold NUL; a device that sends one must still leave a readable quarantine row. */
const storable = (s: string, max: number): string => s.slice(0, max).replace(/\u0000/g, '\uFFFD');

export async function quarantine(db: Queryable, m: IncomingMessage, reason: string): Promise<IngestResult> {
  await quarantineMany(db, [{ m, reason }]);
  return { status: 'quarantined', reason };
}

/** Refused messages in one statement (a batch's bad messages); nothing is written for none. */
export async function quarantineMany(db: Queryable, rows: ReadonlyArray<{ m: IncomingMessage; reason: string }>): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO eldercare_quarantine (via, topic, device_id, payload, reason)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
    [rows.map((r) => r.m.via), rows.map((r) => (r.m.topic === undefined ? null : storable(r.m.topic, 1000))), rows.map((r) => r.m.deviceId),
      rows.map((r) => storable(r.m.payload, 8000)), rows.map((r) => storable(r.reason, 500))]);
}

/**
 * Whether a database error is the message's fault (a value PostgreSQL refuses: SQLSTATE class 22
 * data exception, e.g. a NUL character, or 23 integrity violation), so the message is quarantined,
 * rather than the database's (connection lost, overload), where the message must stay
 * unacknowledged and come again.
 */
export function refusedByDatabase(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (!/^2[23][0-9A-Z]{3}$/.test(code)) return undefined;
  return `the database refused the event (${code}): ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Devices looked up by ingest, kept for a few seconds: a home's devices send many messages, and
 * the lookup (a three-table join) would otherwise be a third of the work per message. A retired or
 * re-assigned device is seen within DEVICE_CACHE_MS.
 */
const DEVICE_CACHE_MS = 10_000;
const deviceCache = new Map<string, { row: DeviceRow; until: number }>();
function remember(id: string, row: DeviceRow | undefined): void {
  if (row) {
    if (deviceCache.size > 50_000) deviceCache.clear();
    deviceCache.set(id, { row, until: Date.now() + DEVICE_CACHE_MS });
  } else deviceCache.delete(id);
}
async function cachedDevice(db: Db, id: string): Promise<DeviceRow | undefined> {
  const hit = deviceCache.get(id);
  if (hit && hit.until > Date.now()) return hit.row;
  const row = await findDeviceUnscoped(db, id);
  remember(id, row);
  return row;
}
/** The devices of a batch: the cached ones, and the others in one query. */
export async function cachedDevices(db: Db, ids: Iterable<string>): Promise<Map<string, DeviceRow>> {
  const out = new Map<string, DeviceRow>();
  const missing: string[] = [];
  const now = Date.now();
  for (const id of new Set(ids)) {
    const hit = deviceCache.get(id);
    if (hit && hit.until > now) out.set(id, hit.row); else missing.push(id);
  }
  const found = new Map((await findDevicesUnscoped(db, missing)).map((r) => [r.id, r]));
  for (const id of missing) { remember(id, found.get(id)); const r = found.get(id); if (r) out.set(id, r); }
  return out;
}

/** The checks that need no database: topic, JSON, shape. */
export function parseMessage(m: IncomingMessage): { ok: true; deviceId: string; event: DeviceEvent } | { ok: false; reason: string } {
  if (m.deviceId === null) return { ok: false, reason: 'topic does not match minsheng/v1/devices/{deviceId}/events' };
  let json: unknown;
  try { json = JSON.parse(m.payload); } catch { return { ok: false, reason: 'payload is not JSON' }; }
  const parsed = DeviceEvent.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, deviceId: m.deviceId, event: parsed.data };
}

/** Why this device may not send this message, if it may not. */
export function deviceProblem(m: IncomingMessage, deviceId: string, device: DeviceRow | undefined): string | undefined {
  if (!device) return `unknown device ${deviceId}`;
  if (!device.active) return `device ${deviceId} is retired`;
  if (m.vendor !== undefined && device.vendor !== m.vendor) return `device ${deviceId} belongs to another vendor`;
  return undefined;
}

/** The row stored for an event (also the batch's columns). */
export function eventRow(m: IncomingMessage, e: DeviceEvent, device: DeviceRow): {
  eventId: string; deviceId: string; personId: number; type: string; at: string; value: string | null; via: string; instant: boolean; battery: number | null;
} {
  return { eventId: e.id, deviceId: device.id, personId: device.person_id, type: e.type, at: new Date(e.at).toISOString(),
    value: e.value === undefined ? null : JSON.stringify(e.value), via: m.via, instant: INSTANT_TYPES.has(e.type),
    battery: e.type === 'battery' ? Math.round(e.value as number) : null };
}

export async function ingest(db: Db, m: IncomingMessage): Promise<IngestResult> {
  const p = parseMessage(m);
  if (!p.ok) return quarantine(db, m, p.reason);
  const e = p.event;
  const device = await cachedDevice(db, p.deviceId);
  const problem = deviceProblem(m, p.deviceId, device);
  if (problem || !device) return quarantine(db, m, problem ?? `unknown device ${p.deviceId}`);
  const r = eventRow(m, e, device);
  // One round trip: store the event and, only if it is new, move the device's last-seen and battery.
  let inserted: Array<{ event_id: string | null }>;
  try {
    inserted = (await db.query<{ event_id: string | null }>(
      `WITH ins AS (
         INSERT INTO eldercare_event (event_id, device_id, person_id, type, at, value, via, processed_at)
         VALUES ($1,$2,$3,$4,$5,$6::jsonb,$7, CASE WHEN $8 THEN NULL ELSE clock_timestamp() END)
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id),
       upd AS (
         UPDATE eldercare_device SET last_seen_at = GREATEST(coalesce(last_seen_at, $5::timestamptz), $5::timestamptz),
           battery_percent = CASE WHEN $9::smallint IS NULL THEN battery_percent ELSE $9::smallint END
         WHERE id = $2 AND EXISTS (SELECT 1 FROM ins) RETURNING id)
       SELECT (SELECT event_id FROM ins) AS event_id, (SELECT count(*) FROM upd) AS updated`,
      [r.eventId, r.deviceId, r.personId, r.type, r.at, r.value, r.via, r.instant, r.battery])).filter((x) => x.event_id !== null);
  } catch (err) {
    const refused = refusedByDatabase(err);
    if (refused) return quarantine(db, m, refused);
    throw err;
  }
  if (inserted.length === 0) {
    const [prev] = await db.query<{ device_id: string; processed_at: string | null }>('SELECT device_id, processed_at FROM eldercare_event WHERE event_id = $1', [e.id]);
    return afterConflict(db, m, e.id, device.id, prev);
  }
  return r.instant ? { status: 'stored', eventId: e.id, alarm: await processEvent(db, e.id, { event_id: r.eventId, person_id: r.personId, type: r.type, at: r.at }) } : { status: 'stored', eventId: e.id };
}

/** An event id already stored: the same device's redelivery (run rules it may have missed) or another device's id. */
export async function afterConflict(db: Db, m: IncomingMessage, eventId: string, deviceId: string, prev: { device_id: string; processed_at: string | null } | undefined): Promise<IngestResult> {
  if (prev && prev.device_id !== deviceId) return quarantine(db, m, `event id ${eventId} was already used by device ${prev.device_id}`);
  // A redelivery (QoS 1) of an event whose rules never ran (the process died): run them now.
  if (prev && prev.processed_at === null) return { status: 'duplicate', eventId, alarm: await processEvent(db, eventId) };
  return { status: 'duplicate', eventId };
}

export interface StoredEvent { event_id: string; person_id: number; type: string; at: string }

/**
 * Runs the instant rules on a stored event and marks it processed, in the transaction that records
 * the alarm (so no alarm without its event marked, no event marked without its alarm); safe to
 * repeat. `stored`: the row as just inserted (saves reading it back).
 */
export async function processEvent(db: Db, eventId: string, stored?: StoredEvent): Promise<AlarmOutcome | undefined> {
  const ev = stored ?? (await db.query<StoredEvent>('SELECT event_id, person_id, type, at FROM eldercare_event WHERE event_id = $1', [eventId]))[0];
  if (!ev) return undefined;
  const markProcessed = async (q: Queryable): Promise<void> => {
    await q.query('UPDATE eldercare_event SET processed_at = clock_timestamp() WHERE event_id = $1 AND processed_at IS NULL', [eventId]);
  };
  const firing = instantRule({ id: ev.event_id, type: ev.type, at: ev.at, personId: ev.person_id });
  if (!firing) { await markProcessed(db); return undefined; }
  return recordFiring(db, ev.person_id, firing, markProcessed);
}

/** Events a killed process stored but never processed (older than a few seconds): run them again. */
export async function recoverUnprocessed(db: Db, olderThanSeconds = 5): Promise<number> {
  const rows = await db.query<{ event_id: string }>(
    `SELECT event_id FROM eldercare_event WHERE processed_at IS NULL AND received_at < clock_timestamp() - make_interval(secs => $1) ORDER BY received_at LIMIT 500`, [olderThanSeconds]);
  for (const r of rows) await processEvent(db, r.event_id);
  return rows.length;
}
