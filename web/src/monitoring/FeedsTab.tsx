import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert, Button, Card, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { uploadForm, useApi, type ApiError } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { FEED_TYPES, type FeedBatch, type RunSummary } from './types.ts';
import { useMt } from './i18n.ts';

interface UploadAnswer { batch: FeedBatch; duplicate: boolean; run: RunSummary | null }

/** Upload a department feed (CSV/XLSX/JSON, GBK too); the answer lists rejected rows by row and field. */
export default function FeedsTab(): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  const [type, setType] = useState<string>('medical');
  const [department, setDepartment] = useState('');
  const [period, setPeriod] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<UploadAnswer>();
  const [error, setError] = useState<ApiError>();
  const batches = useApi<{ items: FeedBatch[] }>('/feeds/imports');

  const submit = async (): Promise<void> => {
    if (!file) return;
    const form = new FormData();
    form.append('type', type);
    if (department.trim()) form.append('department', department.trim());
    if (period.trim()) form.append('period', period.trim());
    form.append('file', file);
    setBusy(true);
    setError(undefined);
    setAnswer(undefined);
    try {
      setAnswer(await uploadForm<UploadAnswer>('/feeds/imports', form));
      batches.reload();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };

  const b = answer?.batch;
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Card>
        <Form layout="vertical" onFinish={() => void submit()} style={{ maxWidth: 560 }}>
          <Form.Item label={mt('feeds.type')} required>
            <Select value={type} onChange={setType} data-testid="feed-type" options={FEED_TYPES.map((f) => ({ value: f, label: mt(`feedTypes.${f}`) }))} />
          </Form.Item>
          <Form.Item label={mt('feeds.department')}><Input value={department} onChange={(e) => setDepartment(e.target.value)} maxLength={100} /></Form.Item>
          <Form.Item label={mt('feeds.period')}><Input value={period} onChange={(e) => setPeriod(e.target.value)} maxLength={40} placeholder="2026-10" data-testid="feed-period" /></Form.Item>
          <Form.Item label={mt('feeds.file')} required>
            <input type="file" accept=".csv,.txt,.xlsx,.json,.jsonl" data-testid="feed-file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} aria-label={mt('feeds.choose')} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} disabled={!file} data-testid="feed-upload">{mt('feeds.upload')}</Button>
        </Form>
      </Card>
      {error && <ErrorAlert error={error} />}
      {answer && b && (
        <Space orientation="vertical" style={{ width: '100%' }} data-testid="feed-result">
          {answer.duplicate && <Alert type="info" showIcon title={mt('feeds.duplicate')} />}
          {b.status === 'failed'
            ? <Alert type="error" showIcon title={mt('feeds.failed')} description={b.failure} />
            : <Alert type={b.rejected > 0 ? 'warning' : 'success'} showIcon title={mt('feeds.done', { accepted: b.accepted, rejected: b.rejected, matched: b.matched, review: b.inReview })}
              description={answer.run ? mt('feeds.triggered', { raised: answer.run.raised }) : undefined} />}
          {(b.errors?.length ?? 0) > 0 && (
            <Table size="small" rowKey={(e) => `${e.row}:${e.field}`} dataSource={b.errors} pagination={{ pageSize: 10 }} title={() => mt('feeds.errors')} data-testid="feed-errors"
              columns={[{ key: 'row', title: mt('feeds.row'), dataIndex: 'row', width: 70 }, { key: 'field', title: mt('feeds.field'), dataIndex: 'field', width: 140 }, { key: 'message', title: mt('feeds.message'), dataIndex: 'message' }]} />
          )}
        </Space>
      )}
      <Card title={mt('feeds.batches')} size="small">
        {batches.error && <ErrorAlert error={batches.error} onRetry={batches.reload} />}
        <Table<FeedBatch> size="small" rowKey="id" loading={batches.loading} dataSource={batches.data?.items ?? []} scroll={{ x: 800 }} pagination={{ pageSize: 10 }}
          columns={[
            { key: 'type', title: mt('feeds.type'), render: (_, r) => mt(`feedTypes.${r.feedType as (typeof FEED_TYPES)[number]}`) },
            { key: 'dept', title: mt('feeds.department'), dataIndex: 'department' },
            { key: 'period', title: mt('feeds.period'), dataIndex: 'period' },
            { key: 'rows', title: mt('feeds.rows'), render: (_, r) => `${r.accepted}/${r.processed}` },
            { key: 'matched', title: mt('feeds.matched'), dataIndex: 'matched' },
            { key: 'review', title: mt('feeds.inReview'), dataIndex: 'inReview' },
            { key: 'status', title: mt('status'), render: (_, r) => <Tag color={r.status === 'done' ? 'green' : r.status === 'failed' ? 'red' : 'blue'}>{r.status}</Tag> },
            { key: 'by', title: mt('feeds.startedBy'), render: (_, r) => <Space orientation="vertical" size={0}><span>{r.startedBy}</span><Typography.Text type="secondary" style={{ fontSize: 12 }}>{formatDateTime(r.startedAt)}</Typography.Text></Space> },
            { key: 'sum', title: mt('feeds.checksum'), render: (_, r) => <Typography.Text code copyable={{ text: r.checksum }}>{r.checksum.slice(0, 10)}…</Typography.Text> },
          ]} />
      </Card>
    </Space>
  );
}
