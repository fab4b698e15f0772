import { type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Badge, Card, Flex, List, Pagination, Segmented, Select, Space, Switch, Tag, Typography } from 'antd';
import { ClockCircleOutlined } from '@ant-design/icons';
import { useApi, type WorkOrderStatus, type WorkOrderSummary } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { useAuth } from '../auth.tsx';
import NewTaskButton from './workorders-new.tsx';
import { formatDateTime } from '../format.ts';
import { assigneeLabel, PriorityTag, SlaClock, StatusTag, typeLabel, useNow } from './workorders-common.tsx';

const PAGE = 20;
const STATUS_FILTERS = ['active', 'open', 'accepted', 'resolved', 'closed', 'all'] as const;
type StatusFilter = (typeof STATUS_FILTERS)[number];
const STATUS_QUERY: Record<StatusFilter, string | undefined> = { active: 'open,accepted', open: 'open', accepted: 'accepted', resolved: 'resolved', closed: 'closed', all: undefined };
const TYPES = ['task', 'verification', 'alarm', 'device-maintenance', 'missed-visit', 'complaint'];

/** `/workorders`: my work orders, most urgent first; one card per order so it works on a phone. */
export default function WorkOrdersPage(): ReactNode {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const mine = params.get('mine') !== '0';
  const overdue = params.get('overdue') === '1';
  const status = (STATUS_FILTERS as readonly string[]).includes(params.get('status') ?? '') ? params.get('status') as StatusFilter : 'active';
  const type = params.get('type') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const now = useNow(1000);
  const { can } = useAuth();

  const set = (key: string, value: string | null): void => {
    const next = new URLSearchParams(params);
    if (value === null) next.delete(key); else next.set(key, value);
    if (key !== 'page') next.delete('page');
    setParams(next, { replace: true });
  };

  const { data, error, loading, reload } = useApi<{ items: WorkOrderSummary[]; total: number }>('/workorders', {
    mine: mine ? '1' : undefined, overdue: overdue ? 'true' : undefined, status: STATUS_QUERY[status], type: type || undefined,
    limit: PAGE, offset: (page - 1) * PAGE,
  });

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('workorders.title')}</Typography.Title>
        {can('workorders.act') && <NewTaskButton />}
      </Flex>
      <Flex wrap gap={12} align="center">
        {/* Scrolls sideways on a phone instead of widening the page. */}
        <div style={{ maxWidth: '100%', overflowX: 'auto' }}>
        <Segmented<StatusFilter>
          value={status}
          onChange={(v) => set('status', v)}
          options={STATUS_FILTERS.map((s) => ({ value: s, label: s === 'active' ? `${t('workorders.statuses.open')}/${t('workorders.statuses.accepted')}` : s === 'all' ? t('workorders.all') : t(`workorders.statuses.${s as WorkOrderStatus}`) }))}
          data-testid="wo-status-filter"
        />
        </div>
        <Space><Switch checked={mine} onChange={(v) => set('mine', v ? null : '0')} data-testid="wo-mine" />{t('workorders.mine')}</Space>
        <Space><Switch checked={overdue} onChange={(v) => set('overdue', v ? '1' : null)} data-testid="wo-overdue" />{t('workorders.overdueOnly')}</Space>
        <Select
          allowClear
          placeholder={t('workorders.type')}
          value={type || undefined}
          onChange={(v?: string) => set('type', v ?? null)}
          style={{ minWidth: 140 }}
          options={TYPES.map((v) => ({ value: v, label: typeLabel(t, v) }))}
        />
      </Flex>
      {error && <ErrorAlert error={error} onRetry={reload} />}
      <List
        loading={loading}
        dataSource={data?.items ?? []}
        locale={{ emptyText: t('workorders.empty') }}
        renderItem={(o) => (
          <List.Item style={{ paddingInline: 0 }} data-testid="wo-item">
            <Link to={`/workorders/${o.id}`} style={{ width: '100%', color: 'inherit' }}>
              <Badge.Ribbon text={t('workorders.overdue')} color="red" style={{ display: o.overdue ? undefined : 'none' }}>
                <Card size="small" hoverable style={{ borderColor: o.overdue ? '#ff4d4f' : undefined }}>
                  <Flex justify="space-between" gap={8} wrap>
                    <Typography.Text strong style={{ fontSize: 16 }}>{o.title}</Typography.Text>
                  </Flex>
                  <Flex wrap gap={4} style={{ marginTop: 6 }}>
                    <StatusTag status={o.status} />
                    <Tag>{typeLabel(t, o.type)}</Tag>
                    <PriorityTag priority={o.priority} />
                    {o.overdue && <Tag color="red" data-testid="wo-overdue-badge">{t('workorders.overdue')}</Tag>}
                    {o.escalationLevel > 0 && <Tag color="volcano">{t('workorders.escalationLevel', { n: o.escalationLevel })}</Tag>}
                  </Flex>
                  <Flex wrap gap={12} style={{ marginTop: 6, fontSize: 13 }} align="center">
                    <span><ClockCircleOutlined /> <SlaClock order={o} now={now} /></span>
                    <Typography.Text type="secondary">{t('workorders.assignee')}: {assigneeLabel(t, o.assignee, o)}</Typography.Text>
                    <Typography.Text type="secondary">{t('workorders.created')} {formatDateTime(o.createdAt)}</Typography.Text>
                  </Flex>
                </Card>
              </Badge.Ribbon>
            </Link>
          </List.Item>
        )}
      />
      {data && data.total > PAGE && (
        <Pagination current={page} pageSize={PAGE} total={data.total} onChange={(p) => set('page', String(p))} showSizeChanger={false} size="small" />
      )}
      {data && <Typography.Text type="secondary">{t('workorders.total', { n: data.total })}</Typography.Text>}
    </Space>
  );
}
