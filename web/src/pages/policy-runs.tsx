/**
 * Batch runs of one policy over the registry (for staff with `policy.run`): start a run for a date
 * over the user's region, and the recent runs. A run answers at once with status running and goes
 * on on the server (a city run takes minutes): the list is polled while a run is running.
 */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, DatePicker, Space, Table, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { request, type ApiError } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { runErrorText } from './run-error.ts';

/** `GET /api/policies/:id/runs` items and the 202 answer of `POST …/runs` (server/src/modules/policy/service.ts RunSummary). */
interface PolicyRun {
  id: number; onDate: string; startedAt: string; finishedAt: string | null; startedBy: string; scope: string[];
  total: number | null; eligible: number | null; errors: number | null; amountTotal: number | string | null;
  status: 'running' | 'done' | 'failed'; failure: string | null;
  /** The message of the run's first data error (stored with the run), null without errors. */
  firstError?: string | null;
}

const POLL_MS = 2000;
const STATUS_COLOR: Record<PolicyRun['status'], string> = { running: 'processing', done: 'success', failed: 'error' };

export default function PolicyRuns({ policyId, defaultOn }: { policyId: string; defaultOn?: string }): ReactNode {
  const { t } = useTranslation();
  const [on, setOn] = useState<Dayjs>(dayjs(defaultOn ?? undefined));
  const [runs, setRuns] = useState<PolicyRun[]>();
  const [error, setError] = useState<ApiError>();
  const [starting, setStarting] = useState(false);

  const load = useCallback(async (): Promise<void> => {
    try {
      setRuns((await request<{ items: PolicyRun[] }>(`/policies/${policyId}/runs`)).items);
    } catch (e) {
      setError(e as ApiError);
    }
  }, [policyId]);

  useEffect(() => { setRuns(undefined); setError(undefined); void load(); }, [load]);
  const running = runs?.some((r) => r.status === 'running') ?? false;
  useEffect(() => {
    if (!running) return undefined;
    const timer = setTimeout(() => void load(), POLL_MS);
    return () => clearTimeout(timer);
  }, [running, runs, load]);

  const start = async (): Promise<void> => {
    setStarting(true);
    setError(undefined);
    try {
      const r = await request<PolicyRun>(`/policies/${policyId}/runs`, { method: 'POST', body: { on: on.format('YYYY-MM-DD') } });
      setRuns((prev) => [r, ...(prev ?? []).filter((x) => x.id !== r.id)]);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setStarting(false);
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('policies.runsHint')}</Typography.Text>
      <Space wrap>
        <span>{t('policies.on')}</span>
        <DatePicker value={on} onChange={(d) => d && setOn(d)} allowClear={false} aria-label={t('policies.on')} data-testid="policy-run-on" />
        <Button type="primary" loading={starting} onClick={() => void start()} data-testid="policy-run-start">{t('policies.runStart')}</Button>
      </Space>
      {error ? <ErrorAlert error={error} /> : null}
      <Table<PolicyRun> size="small" rowKey="id" loading={runs === undefined && !error} dataSource={runs ?? []} pagination={{ pageSize: 10, hideOnSinglePage: true }}
        scroll={{ x: 800 }} data-testid="policy-runs" locale={{ emptyText: t('policies.runsEmpty') }}
        columns={[
          { key: 'status', title: t('policies.runStatus'), width: 100, render: (_, r) => <Tag color={STATUS_COLOR[r.status]}>{t(`policies.runStatuses.${r.status}`)}</Tag> },
          { key: 'on', title: t('policies.on'), dataIndex: 'onDate', width: 110 },
          { key: 'scope', title: t('policies.runScope'), width: 120, render: (_, r) => (r.scope.length ? r.scope.join(', ') : t('policies.runCity')) },
          { key: 'total', title: t('policies.runTotal'), width: 100, align: 'right', render: (_, r) => r.total ?? '—' },
          { key: 'eligible', title: t('policies.eligible'), width: 100, align: 'right', render: (_, r) => r.eligible ?? '—' },
          { key: 'errors', title: t('policies.runErrors'), width: 240, render: (_, r) => (
            <Space direction="vertical" size={0} data-testid="policy-run-errors">
              <span>{r.errors ?? '—'}</span>
              {r.errors && r.firstError
                ? <Typography.Text type="warning" style={{ fontSize: 12 }} ellipsis={{ tooltip: r.firstError }} data-testid="policy-run-first-error">
                    {t('policies.runFirstError', { message: runErrorText(r.firstError, t) })}
                  </Typography.Text>
                : null}
            </Space>) },
          { key: 'amount', title: t('policies.runAmount'), width: 130, align: 'right', render: (_, r) => (r.amountTotal === null ? '—' : `¥${Number(r.amountTotal).toFixed(2)}`) },
          { key: 'started', title: t('policies.runStarted'), width: 200, render: (_, r) => <Space direction="vertical" size={0}><span>{formatDateTime(r.startedAt)}</span><Typography.Text type="secondary">{r.startedBy}</Typography.Text></Space> },
          { key: 'finished', title: t('policies.runFinished'), render: (_, r) => (r.status === 'failed'
            ? <Typography.Text type="danger" data-testid="policy-run-failure">{r.failure}</Typography.Text>
            : r.finishedAt ? formatDateTime(r.finishedAt) : '—') },
        ]} />
    </Space>
  );
}
