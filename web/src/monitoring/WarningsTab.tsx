import { useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Alert, App, Button, DatePicker, Flex, Segmented, Space, Table, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { request, useApi, type ApiError } from '../api.ts';
import { useAuth } from '../auth.tsx';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { RegionPicker } from '../components/RegionPicker.tsx';
import { formatDateTime } from '../format.ts';
import { SEVERITY_COLOR, type RunSummary, type WarningItem } from './types.ts';
import { useMt } from './i18n.ts';

/** The warnings inbox by region, most severe and newest first; a run button for those who may run the rules. */
export default function WarningsTab(): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [status, setStatus] = useState<'open' | 'closed' | 'all'>('open');
  const [region, setRegion] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const [on, setOn] = useState<Dayjs>(dayjs());
  const [running, setRunning] = useState(false);
  const [runError, setRunError] = useState<ApiError>();
  const [lastRun, setLastRun] = useState<RunSummary>();
  const { data, error, loading, reload } = useApi<{ items: WarningItem[]; total: number }>('/monitoring/warnings', {
    status: status === 'all' ? undefined : status, region, limit: 20, offset: (page - 1) * 20,
  });

  const run = async (): Promise<void> => {
    setRunning(true);
    setRunError(undefined);
    try {
      const r = await request<RunSummary>('/monitoring/runs', { method: 'POST', body: { on: on.format('YYYY-MM-DD') } });
      setLastRun(r);
      void message.success(mt('runDone', { raised: r.raised, suppressed: r.suppressed }));
      reload();
    } catch (e) {
      setRunError(e as ApiError);
    } finally {
      setRunning(false);
    }
  };

  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <Flex wrap gap={12} align="center">
        <Segmented value={status} onChange={(v) => { setStatus(v as typeof status); setPage(1); }}
          options={[{ value: 'open', label: mt('chainStatus.open') }, { value: 'closed', label: mt('chainStatus.closed') }, { value: 'all', label: t('workorders.all') }]} />
        <div style={{ minWidth: 260 }}><RegionPicker value={region} onChange={(v) => { setRegion(v); setPage(1); }} /></div>
        {can('monitoring.run') && (
          <Space>
            <DatePicker value={on} onChange={(d) => d && setOn(d)} allowClear={false} aria-label={mt('runOn')} />
            <Button type="primary" loading={running} onClick={() => void run()} data-testid="monitoring-run">{mt('run')}</Button>
          </Space>
        )}
      </Flex>
      {runError && <ErrorAlert error={runError} />}
      {lastRun && lastRun.problems.length > 0 && <Alert type="warning" showIcon title={mt('runProblems', { n: lastRun.problems.length })} />}
      {error && <ErrorAlert error={error} onRetry={reload} />}
      <Table<WarningItem>
        rowKey="id" size="middle" loading={loading} dataSource={data?.items ?? []} data-testid="warnings-table"
        locale={{ emptyText: mt('emptyWarnings') }}
        pagination={{ current: page, pageSize: 20, total: data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        scroll={{ x: 800 }}
        columns={[
          { key: 'severity', title: mt('severity'), width: 70, render: (_, w) => <Tag color={SEVERITY_COLOR[w.severity]}>{mt(`severities.${w.severity}`)}</Tag> },
          { key: 'household', title: mt('household'), width: 140, render: (_, w) => <Space orientation="vertical" size={0}><Typography.Text strong>{w.headName ?? '—'}</Typography.Text><Typography.Text type="secondary" style={{ fontSize: 12 }}>{w.regionName}</Typography.Text></Space> },
          { key: 'reason', title: mt('reason'), render: (_, w) => <span data-testid="warning-reason">{w.reason}</span> },
          { key: 'on', title: mt('onDate'), width: 150, render: (_, w) => formatDateTime(w.raisedAt) },
          { key: 'status', title: mt('status'), width: 90, render: (_, w) => <Tag color={w.chainStatus === 'open' ? 'processing' : 'default'}>{mt(`chainStatus.${w.chainStatus}`)}</Tag> },
          { key: 'open', title: '', width: 110, render: (_, w) => <Link to={`/monitoring/chains/${w.chainId}`} data-testid="warning-open">{mt('open')}</Link> },
        ]}
      />
    </Space>
  );
}
