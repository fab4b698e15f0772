/**
 * The periodic sweep of time-based rules (inactivity, door not opened, door open at night, still
 * after a fall): one query gathers every active elder's latest events, the pure rules decide, and
 * firings are recorded idempotently (so several processes sweeping at once open one alarm).
 */
import type { Db } from '../../platform/db.ts';
import { rulesFor } from './params.ts';
import { sweepRules, type ElderState, type Firing } from './rules.ts';
import { recordFiring } from './alarms.ts';

interface StateRow {
  person_id: number; rule_params: Record<string, unknown>; enrolled_at: string; first_installed: string | null;
  has_presence: boolean; has_door: boolean;
  presence_id: string | null; presence_at: string | null;
  open_id: string | null; open_at: string | null;
  door_id: string | null; door_at: string | null; door_value: string | null;
  fall_id: string | null; fall_at: string | null; presence_after_fall: boolean | null;
  absent_kind: 'away' | 'hospital' | null; absent_until: string | null;
}

export async function elderStates(db: Db, now: Date, personId?: number): Promise<ElderState[]> {
  const params: unknown[] = [now.toISOString()];
  if (personId !== undefined) params.push(personId);
  const rows = await db.query<StateRow>(
    `SELECT e.person_id, e.rule_params, e.enrolled_at,
       (SELECT min(installed_at) FROM eldercare_device d WHERE d.person_id = e.person_id AND d.active) AS first_installed,
       EXISTS (SELECT 1 FROM eldercare_device d WHERE d.person_id = e.person_id AND d.active AND d.kind IN ('presence', 'fall-radar')) AS has_presence,
       EXISTS (SELECT 1 FROM eldercare_device d WHERE d.person_id = e.person_id AND d.active AND d.kind = 'door') AS has_door,
       pr.event_id AS presence_id, pr.at AS presence_at, op.event_id AS open_id, op.at AS open_at,
       dr.event_id AS door_id, dr.at AS door_at, dr.value #>> '{}' AS door_value,
       fa.event_id AS fall_id, fa.at AS fall_at,
       EXISTS (SELECT 1 FROM eldercare_event x WHERE x.person_id = e.person_id AND x.type = 'presence' AND fa.at IS NOT NULL AND x.at > fa.at AND x.at <= $1) AS presence_after_fall,
       ab.kind AS absent_kind, ab.ends_at AS absent_until
     FROM eldercare_elder e
     LEFT JOIN LATERAL (SELECT event_id, at FROM eldercare_event x WHERE x.person_id = e.person_id AND x.type = 'presence' AND x.at <= $1 ORDER BY at DESC LIMIT 1) pr ON true
     LEFT JOIN LATERAL (SELECT event_id, at FROM eldercare_event x WHERE x.person_id = e.person_id AND x.type = 'door' AND x.value #>> '{}' = 'open' AND x.at <= $1 ORDER BY at DESC LIMIT 1) op ON true
     LEFT JOIN LATERAL (SELECT event_id, at, value FROM eldercare_event x WHERE x.person_id = e.person_id AND x.type = 'door' AND x.at <= $1 ORDER BY at DESC LIMIT 1) dr ON true
     LEFT JOIN LATERAL (SELECT event_id, at FROM eldercare_event x WHERE x.person_id = e.person_id AND x.type = 'fall' AND x.at <= $1 ORDER BY at DESC LIMIT 1) fa ON true
     LEFT JOIN LATERAL (SELECT kind, ends_at FROM eldercare_absence a WHERE a.person_id = e.person_id AND a.starts_at <= $1 AND a.ends_at > $1 ORDER BY ends_at DESC LIMIT 1) ab ON true
     WHERE e.status = 'active' ${personId !== undefined ? 'AND e.person_id = $2' : ''}`, params);
  return rows.map((r) => {
    const since = [r.enrolled_at, r.first_installed].filter((x): x is string => x !== null).sort().at(-1) ?? r.enrolled_at;
    return {
      personId: r.person_id, params: rulesFor(r.rule_params), hasPresenceDevice: r.has_presence, hasDoorDevice: r.has_door, since,
      ...(r.presence_id && r.presence_at ? { lastPresence: { id: r.presence_id, at: r.presence_at } } : {}),
      ...(r.open_id && r.open_at ? { lastDoorOpen: { id: r.open_id, at: r.open_at } } : {}),
      ...(r.door_id && r.door_at && (r.door_value === 'open' || r.door_value === 'closed') ? { lastDoor: { id: r.door_id, at: r.door_at, value: r.door_value } } : {}),
      ...(r.fall_id && r.fall_at ? { lastFall: { id: r.fall_id, at: r.fall_at, presenceAfter: r.presence_after_fall === true } } : {}),
      ...(r.absent_kind && r.absent_until ? { absent: { kind: r.absent_kind, endsAt: r.absent_until } } : {}),
    };
  });
}

/** Runs the time-based rules for every active elder (or one) at `now`. */
export async function sweepAlarms(db: Db, now: Date, personId?: number): Promise<{ firings: Firing[]; opened: number; attached: number }> {
  const firings: Firing[] = [];
  let opened = 0;
  let attached = 0;
  for (const s of await elderStates(db, now, personId)) {
    for (const f of sweepRules(s, now)) {
      const out = await recordFiring(db, s.personId, f);
      if (out?.kind === 'opened') opened += 1;
      if (out?.kind === 'attached') attached += 1;
      if (out && out.kind !== 'duplicate') firings.push(f);
    }
  }
  return { firings, opened, attached };
}
