/**
 * Device event ingest, shared by the MQTT subscriber and the vendors' HTTP push. A message is
 * validated, stored once per event id, and the instant rules (SOS, fall) run on it. Anything that
 * cannot be stored (malformed JSON, wrong shape, unknown or retired device, topic/device mismatch)
 * goes to the quarantine table with the reason; nothing here throws to the caller for bad input,
 * so one broken device never stops the others.
 */
import type { Db, Queryable } from '../../platform/db.ts';
import { DeviceEvent } from './schemas.ts';
import { findDeviceUnscoped, type DeviceRow } from './devices.ts';
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
const INSTANT_TYPES = new Set(['sos', 'fall']);

export const TOPIC_PATTERN = /^minsheng\/v1\/devices\/([A-Za-z0-9._-]{3,64})\/events$/;

export async function quarantine(db: Queryable, m: IncomingMessage, reason: string): Promise<IngestResult> {
  await db.query('INSERT INTO eldercare_quarantine (via, topic, device_id, payload, reason) VALUES ($1,$2,$3,$4,$5)',
    [m.via, m.topic ?? null, m.deviceId, m.payload.slice(0, 8000), reason.slice(0, 500)]);
  return { status: 'quarantined', reason };
}

/**
 * Devices looked up by ingest, kept for a few seconds: a home's devices send many messages, and
 * the lookup (a three-table join) would otherwise be a third of the work per message. A retired or
 * re-assigned device is seen within DEVICE_CACHE_MS.
 */
const DEVICE_CACHE_MS = 10_000;
const deviceCache = new Map<string, { row: DeviceRow; until: number }>();
async function cachedDevice(db: Db, id: string): Promise<DeviceRow | undefined> {
  const hit = deviceCache.get(id);
  if (hit && hit.until > Date.now()) return hit.row;
  const row = await findDeviceUnscoped(db, id);
  if (row) {
    if (deviceCache.size > 50_000) deviceCache.clear();
    deviceCache.set(id, { row, until: Date.now() + DEVICE_CACHE_MS });
  } else deviceCache.delete(id);
  return row;
}

export async function ingest(db: Db, m: IncomingMessage): Promise<IngestResult> {
  if (m.deviceId === null) return quarantine(db, m, `topic does not match minsheng/v1/devices/{deviceId}/events`);
  let json: unknown;
  try { json = JSON.parse(m.payload); } catch { return quarantine(db, m, 'payload is not JSON'); }
  const parsed = DeviceEvent.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return quarantine(db, m, `${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  const device = await cachedDevice(db, m.deviceId);
  if (!device) return quarantine(db, m, `unknown device ${m.deviceId}`);
  if (!device.active) return quarantine(db, m, `device ${m.deviceId} is retired`);
  if (m.vendor !== undefined && device.vendor !== m.vendor) return quarantine(db, m, `device ${m.deviceId} belongs to another vendor`);
  const at = new Date(e.at).toISOString();
  // One round trip: store the event and, only if it is new, move the device's last-seen and battery.
  const inserted = (await db.query<{ event_id: string | null }>(
    `WITH ins AS (
       INSERT INTO eldercare_event (event_id, device_id, person_id, type, at, value, via, processed_at)
       VALUES ($1,$2,$3,$4,$5,$6::jsonb,$7, CASE WHEN $8 THEN NULL ELSE clock_timestamp() END)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id),
     upd AS (
       UPDATE eldercare_device SET last_seen_at = GREATEST(coalesce(last_seen_at, $5::timestamptz), $5::timestamptz),
         battery_percent = CASE WHEN $9::smallint IS NULL THEN battery_percent ELSE $9::smallint END
       WHERE id = $2 AND EXISTS (SELECT 1 FROM ins) RETURNING id)
     SELECT (SELECT event_id FROM ins) AS event_id, (SELECT count(*) FROM upd) AS updated`,
    [e.id, device.id, device.person_id, e.type, at, e.value === undefined ? null : JSON.stringify(e.value), m.via, INSTANT_TYPES.has(e.type),
      e.type === 'battery' ? Math.round(e.value as number) : null])).filter((r) => r.event_id !== null);
  if (inserted.length === 0) {
    const [prev] = await db.query<{ device_id: string; processed_at: string | null }>('SELECT device_id, processed_at FROM eldercare_event WHERE event_id = $1', [e.id]);
    if (prev && prev.device_id !== device.id) return quarantine(db, m, `event id ${e.id} was already used by device ${prev.device_id}`);
    // A redelivery (QoS 1) of an event whose rules never ran (the process died): run them now.
    if (prev && prev.processed_at === null) return { status: 'duplicate', eventId: e.id, alarm: await processEvent(db, e.id) };
    return { status: 'duplicate', eventId: e.id };
  }
  return INSTANT_TYPES.has(e.type) ? { status: 'stored', eventId: e.id, alarm: await processEvent(db, e.id) } : { status: 'stored', eventId: e.id };
}

/** Runs the instant rules on a stored event and marks it processed; safe to repeat. */
export async function processEvent(db: Db, eventId: string): Promise<AlarmOutcome | undefined> {
  const [ev] = await db.query<{ event_id: string; person_id: number; type: string; at: string }>(
    'SELECT event_id, person_id, type, at FROM eldercare_event WHERE event_id = $1', [eventId]);
  if (!ev) return undefined;
  const firing = instantRule({ id: ev.event_id, type: ev.type, at: ev.at, personId: ev.person_id });
  const outcome = firing ? await recordFiring(db, ev.person_id, firing) : undefined;
  await db.query('UPDATE eldercare_event SET processed_at = clock_timestamp() WHERE event_id = $1 AND processed_at IS NULL', [eventId]);
  return outcome;
}

/** Events a killed process stored but never processed (older than a few seconds): run them again. */
export async function recoverUnprocessed(db: Db, olderThanSeconds = 5): Promise<number> {
  const rows = await db.query<{ event_id: string }>(
    `SELECT event_id FROM eldercare_event WHERE processed_at IS NULL AND received_at < clock_timestamp() - make_interval(secs => $1) ORDER BY received_at LIMIT 500`, [olderThanSeconds]);
  for (const r of rows) await processEvent(db, r.event_id);
  return rows.length;
}
