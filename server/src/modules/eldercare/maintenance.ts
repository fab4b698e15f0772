/**
 * Work orders the guard opens on its own: a silent device or a low battery (maintenance, owner and
 * deadline from guard.params; a silent device is a safety problem, not a statistic) and a missed
 * visit (the grid worker, due in working days). Both are idempotent by clientKey, so every
 * process may sweep: a device silent since one instant gets one order, a missed due date one order.
 */
import type { Db } from '../../platform/db.ts';
import { createWorkOrder } from '../workorders/service.ts';
import { devicesNeedingMaintenance } from './devices.ts';
import { overdueVisits } from './elders.ts';
import { guardParams } from './params.ts';

const SYSTEM = 'system:eldercare';

/** Returns how many devices and elders need an order now (each has exactly one, old or new). */
export async function sweepMaintenance(db: Db, now: Date): Promise<{ devices: number; visits: number }> {
  const p = guardParams();
  let devices = 0;
  for (const d of await devicesNeedingMaintenance(db, now)) {
    if (!d.communityCode) continue;
    const label = p.devices.kinds[d.kind]?.label ?? d.kind;
    await createWorkOrder(db, {
      type: 'device-maintenance', subject: { kind: 'device', id: d.id }, regionCode: d.communityCode, gridId: d.gridId,
      title: d.reason === 'silent' ? `设备静默：${label} ${d.id}（${d.elderName}）` : `电量低：${label} ${d.id}（${d.elderName}，${d.batteryPercent}%）`,
      priority: d.reason === 'silent' ? 'high' : 'normal',
      assignee: { role: p.devices.maintenance.assigneeRole, regionCode: d.communityCode },
      due: { at: new Date(now.getTime() + p.devices.maintenance.deadlineHours * 3_600_000).toISOString() },
      payload: { deviceId: d.id, personId: d.personId, reason: d.reason, lastSeenAt: d.lastSeenAt, batteryPercent: d.batteryPercent, silenceLimitSeconds: d.silenceLimitSeconds },
      // One order per silence (since the last message) or per low-battery report.
      clientKey: `eldercare.device:${d.id}:${d.reason}:${d.lastSeenAt ?? d.installedAt}`, actor: SYSTEM,
    });
    devices += 1;
  }
  let visits = 0;
  for (const v of await overdueVisits(db, now)) {
    if (!v.communityCode) continue;
    await createWorkOrder(db, {
      type: 'missed-visit', subject: { kind: 'person', id: String(v.personId) }, regionCode: v.communityCode, gridId: v.gridId,
      title: `走访逾期：${v.name}（应于 ${v.plan.nextDueAt.slice(0, 10)} 前走访）`, priority: 'normal',
      assignee: v.gridId ? { role: 'grid-worker', regionCode: v.communityCode, gridId: v.gridId } : { role: 'community-worker', regionCode: v.communityCode },
      due: { workingDays: p.visits.missedVisitDueWorkingDays },
      payload: { personId: v.personId, everyDays: v.plan.everyDays, lastVisitAt: v.plan.lastVisitAt, nextDueAt: v.plan.nextDueAt },
      clientKey: `eldercare.missed-visit:${v.personId}:${v.plan.nextDueAt}`, actor: SYSTEM,
    });
    visits += 1;
  }
  return { devices, visits };
}
