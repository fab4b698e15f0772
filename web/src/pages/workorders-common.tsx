import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Tag } from 'antd';
import type { TFunction } from 'i18next';
import type { WorkOrderAssignee, WorkOrderStatus, WorkOrderSummary } from '../api.ts';
import { enumLabel } from '../labels.ts';

const STATUS_COLORS: Record<WorkOrderStatus, string> = { open: 'blue', accepted: 'gold', resolved: 'green', closed: 'default' };
const PRIORITY_COLORS: Record<WorkOrderSummary['priority'], string> = { low: 'default', normal: 'default', high: 'orange', critical: 'red' };

export function StatusTag({ status }: { status: WorkOrderStatus }): ReactNode {
  const { t } = useTranslation();
  return <Tag color={STATUS_COLORS[status]} data-testid="wo-status">{t(`workorders.statuses.${status}`)}</Tag>;
}

export function PriorityTag({ priority }: { priority: WorkOrderSummary['priority'] }): ReactNode {
  const { t } = useTranslation();
  if (priority === 'normal') return null;
  return <Tag color={PRIORITY_COLORS[priority]}>{t(`workorders.priorities.${priority}`)}</Tag>;
}

const TYPE_KEYS = ['task', 'verification', 'alarm', 'device-maintenance', 'missed-visit', 'complaint'] as const;
type KnownType = (typeof TYPE_KEYS)[number];

/** A module's order type in words; types this console does not know are shown as they are. */
export function typeLabel(t: TFunction, type: string): string {
  return (TYPE_KEYS as readonly string[]).includes(type) ? t(`workorders.types.${type as KnownType}`) : type;
}

/** Who should act, with the order's region and grid named when the assignee is bound there. */
export function assigneeLabel(t: TFunction, a: WorkOrderAssignee, order?: Pick<WorkOrderSummary, 'regionCode' | 'regionName' | 'gridId' | 'gridName'>): string {
  if (a.label) return a.label;
  if (a.userId !== undefined) return t('workorders.assigneeLabel.user', { id: a.userId });
  const named = (code: string | undefined, orderCode: string | null | undefined, name: string | null | undefined): string | undefined =>
    (code !== undefined && code === orderCode && name ? name : code);
  const where = named(a.gridId, order?.gridId, order?.gridName) ?? named(a.regionCode, order?.regionCode, order?.regionName) ?? '';
  return a.role ? t('workorders.assigneeLabel.roleIn', { role: enumLabel(t, 'role', a.role), where }) : '—';
}

/** "2 d 3 h", "5 min 10 s": the two largest units. */
export function spanText(t: TFunction, ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86400), 'days'], [Math.floor((s % 86400) / 3600), 'hours'], [Math.floor((s % 3600) / 60), 'minutes'], [s % 60, 'seconds'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return t('workorders.sla.seconds', { n: 0 });
  return parts.slice(first, first + 2).filter(([n]) => n > 0).map(([n, unit]) => t(`workorders.sla.${unit as 'days'}`, { n })).join(' ');
}

/** Now, ticking every `ms` (for SLA clocks), corrected by the server's clock when given. */
export function useNow(ms = 1000, serverTime?: string): number {
  const [offset] = useState(() => (serverTime ? Date.parse(serverTime) - Date.now() : 0));
  const [now, setNow] = useState(() => Date.now() + offset);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() + offset), ms);
    return () => clearInterval(timer);
  }, [ms, offset]);
  return now;
}

/** The SLA clock: time left until due, or how long overdue; for finished orders, how long it took. */
export function SlaClock({ order, now }: { order: Pick<WorkOrderSummary, 'dueAt' | 'status' | 'createdAt' | 'resolvedAt' | 'closedAt'>; now: number }): ReactNode {
  const { t } = useTranslation();
  const finished = order.status === 'resolved' || order.status === 'closed';
  if (finished) {
    const end = Date.parse(order.resolvedAt ?? order.closedAt ?? order.createdAt);
    return <Tag color="green" data-testid="sla-clock">{t('workorders.sla.closedIn', { time: spanText(t, end - Date.parse(order.createdAt)) })}</Tag>;
  }
  if (!order.dueAt) return <Tag data-testid="sla-clock">{t('workorders.sla.none')}</Tag>;
  const left = Date.parse(order.dueAt) - now;
  return left >= 0
    ? <Tag color={left < 4 * 3600_000 ? 'orange' : 'blue'} data-testid="sla-clock">{t('workorders.sla.left', { time: spanText(t, left) })}</Tag>
    : <Tag color="red" data-testid="sla-clock">{t('workorders.sla.late', { time: spanText(t, left) })}</Tag>;
}
