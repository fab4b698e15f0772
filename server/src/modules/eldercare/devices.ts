/**
 * Devices at an elder's home. Installation warnings are data-driven checks from guard.params; a
 * device is silent when no message arrived for heartbeatSeconds * missedBeats of its kind (a
 * silent device is a safety problem: the sweep opens a maintenance work order for it).
 */
import type { Db, Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { scopeSql, type Scope } from '../../platform/auth/scope.ts';
import { guardParams, heartbeatSeconds, type DeviceKind, type InstallationCheck } from './params.ts';
import * as repo from './repo.ts';
import type { DeviceInput } from './schemas.ts';

export interface DeviceRow {
  id: string; person_id: number; kind: DeviceKind; vendor: string; serial: string; room: string; mounting: string | null;
  mounting_height_m: number | null; installed_at: string; installed_by: string; active: boolean; last_seen_at: string | null;
  battery_percent: number | null; bed_bound: boolean; elder_name: string; community_code: string | null; grid_id: string | null;
}

export interface InstallationWarning { check: string; message: { zh: string; en: string } }

/** Which installation checks a device fails (pure; the checks come from the data file). */
export function installationWarnings(
  d: { kind: DeviceKind; room: string; mounting: string | null; mountingHeightM: number | null },
  elder: { bedBound: boolean }, checks: readonly InstallationCheck[] = guardParams().installationChecks,
): InstallationWarning[] {
  const out: InstallationWarning[] = [];
  for (const c of checks) {
    if (c.kind !== d.kind) continue;
    const w = c.when;
    const conds: boolean[] = [];
    if (w.mountingHeightOutside) conds.push(d.mountingHeightM === null || d.mountingHeightM < w.mountingHeightOutside[0] || d.mountingHeightM > w.mountingHeightOutside[1]);
    if (w.mountingIsNot !== undefined) conds.push(d.mounting !== w.mountingIsNot);
    if (w.room !== undefined) conds.push(d.room === w.room);
    if (w.elderBedBound !== undefined) conds.push(elder.bedBound === w.elderBedBound);
    if (conds.length > 0 && conds.every(Boolean)) out.push({ check: c.id, message: c.message });
  }
  return out;
}

export const silenceSeconds = (kind: DeviceKind): number => heartbeatSeconds(kind) * guardParams().devices.missedBeats;

export function deviceView(d: DeviceRow, now: Date) {
  const limit = silenceSeconds(d.kind);
  const since = Date.parse(d.last_seen_at ?? d.installed_at);
  const silent = d.active && now.getTime() - since > limit * 1000;
  return {
    id: d.id, personId: d.person_id, elderName: d.elder_name, kind: d.kind, vendor: d.vendor, serial: d.serial, room: d.room,
    mounting: d.mounting, mountingHeightM: d.mounting_height_m, installedAt: d.installed_at, installedBy: d.installed_by, active: d.active,
    lastSeenAt: d.last_seen_at, batteryPercent: d.battery_percent, silent, silenceLimitSeconds: limit,
    lowBattery: d.battery_percent !== null && d.battery_percent <= guardParams().devices.lowBatteryPercent,
    warnings: installationWarnings({ kind: d.kind, room: d.room, mounting: d.mounting, mountingHeightM: d.mounting_height_m }, { bedBound: d.bed_bound }),
  };
}
export type DeviceView = ReturnType<typeof deviceView>;

const DEVICE_SELECT = `SELECT d.id, d.person_id, d.kind, d.vendor, d.serial, d.room, d.mounting, d.mounting_height_m, d.installed_at, d.installed_by,
    d.active, d.last_seen_at, d.battery_percent, e.bed_bound, p.name AS elder_name, p.residence_community AS community_code, p.grid_id
  FROM eldercare_device d JOIN eldercare_elder e ON e.person_id = d.person_id JOIN person p ON p.id = d.person_id`;

export async function listDevices(db: Queryable, scope: Scope, filter: { personId?: number }): Promise<DeviceRow[]> {
  const params: unknown[] = [];
  let where = scopeSql(scope, 'p.residence_community', 'p.grid_id', params);
  if (filter.personId !== undefined) { params.push(filter.personId); where += ` AND d.person_id = $${params.length}`; }
  return db.query<DeviceRow>(`${DEVICE_SELECT} WHERE ${where} ORDER BY p.name, d.kind, d.id LIMIT 2000`, params);
}

export async function findDeviceUnscoped(db: Queryable, id: string): Promise<DeviceRow | undefined> {
  const [row] = await db.query<DeviceRow>(`${DEVICE_SELECT} WHERE d.id = $1`, [id]);
  return row;
}

/** Several devices by id in one round trip (the ingest batch); unknown ids are simply absent. */
export async function findDevicesUnscoped(db: Queryable, ids: readonly string[]): Promise<DeviceRow[]> {
  return ids.length === 0 ? [] : db.query<DeviceRow>(`${DEVICE_SELECT} WHERE d.id = ANY($1::text[])`, [ids]);
}

export async function registerDevice(db: Db, scope: Scope, d: DeviceInput): Promise<DeviceRow> {
  return db.transaction(async (tx) => {
    const elder = await repo.findElder(tx, scope, d.personId);
    if (!elder) throw new AppError('not_found', 'personId: elder not found, or outside your region', { field: 'personId' });
    const [dup] = await tx.query<{ id: string }>('SELECT id FROM eldercare_device WHERE id = $1 OR (vendor = $2 AND serial = $3)', [d.id, d.vendor, d.serial]);
    if (dup) throw new AppError('conflict', dup.id === d.id ? 'id: a device with this id is registered' : 'serial: this vendor serial is registered', { field: dup.id === d.id ? 'id' : 'serial' });
    await tx.query(
      `INSERT INTO eldercare_device (id, person_id, kind, vendor, serial, room, mounting, mounting_height_m, installed_at, installed_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [d.id, d.personId, d.kind, d.vendor, d.serial, d.room, d.mounting ?? null, d.mountingHeightM ?? null, d.installedAt, d.installedBy]);
    const row = await findDeviceUnscoped(tx, d.id);
    if (!row) throw notFound('device');
    return row;
  });
}

/** Active devices that are silent now or report a low battery (system-wide, for the maintenance sweep). */
export async function devicesNeedingMaintenance(db: Queryable, now: Date): Promise<Array<DeviceView & { reason: 'silent' | 'low-battery'; communityCode: string | null; gridId: string | null }>> {
  const rows = await db.query<DeviceRow>(`${DEVICE_SELECT} WHERE d.active AND e.status = 'active'`);
  const out = [];
  for (const r of rows) {
    const v = deviceView(r, now);
    if (v.silent) out.push({ ...v, reason: 'silent' as const, communityCode: r.community_code, gridId: r.grid_id });
    else if (v.lowBattery) out.push({ ...v, reason: 'low-battery' as const, communityCode: r.community_code, gridId: r.grid_id });
  }
  return out;
}
