import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import {
  Alert, Button, Card, Col, Descriptions, Empty, Progress, Row, Select, Space, Statistic, Table, Tag, Typography, Upload,
} from 'antd';
import type { TableColumnsType } from 'antd';
import {
  CheckCircleOutlined, CloseCircleOutlined, DownloadOutlined, FileExcelOutlined, InboxOutlined, SyncOutlined,
} from '@ant-design/icons';
import type { ImportJob, ImportKind, RowError } from '@minsheng/contracts';
import { ApiError, apiGet, apiUrl, uploadForm, useApi } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { enumLabel, importKinds } from '../labels.ts';
import { formatDateTime } from '../format.ts';

const POLL_MS = 500;

/** Polls `GET /api/imports/:id` every 500 ms while the job runs; calls `onFinished` once it ends. */
function useImportJob(id: number | null, onFinished: () => void): { job: ImportJob | undefined; error: ApiError | undefined } {
  const [job, setJob] = useState<ImportJob>();
  const [error, setError] = useState<ApiError>();
  const finished = useRef(onFinished);
  finished.current = onFinished;

  useEffect(() => {
    setJob(undefined);
    setError(undefined);
    if (id === null) return;
    const ctl = new AbortController();
    let timer: number | undefined;
    const tick = async (): Promise<void> => {
      try {
        const j = await apiGet<ImportJob>(`/imports/${id}`, undefined, ctl.signal);
        if (ctl.signal.aborted) return;
        setJob(j);
        setError(undefined);
        if (j.status === 'running') timer = window.setTimeout(() => void tick(), POLL_MS);
        else finished.current();
      } catch (e) {
        if (ctl.signal.aborted) return;
        const err = e instanceof ApiError ? e : new ApiError(0, 'client', String(e));
        setError(err);
        // Transient trouble (network, 5xx): keep trying, more slowly. A 4xx is final.
        if (err.status === 0 || err.status >= 500) timer = window.setTimeout(() => void tick(), POLL_MS * 4);
      }
    };
    void tick();
    return () => {
      ctl.abort();
      window.clearTimeout(timer);
    };
  }, [id]);

  return { job, error };
}

function StatusTag({ status, testId }: { status: ImportJob['status']; testId?: string }): ReactNode {
  const { t } = useTranslation();
  if (status === 'running') return <Tag icon={<SyncOutlined spin />} color="processing" data-testid={testId}>{t('imports.statusRunning')}</Tag>;
  if (status === 'done') return <Tag icon={<CheckCircleOutlined />} color="success" data-testid={testId}>{t('imports.statusDone')}</Tag>;
  return <Tag icon={<CloseCircleOutlined />} color="error" data-testid={testId}>{t('imports.statusFailed')}</Tag>;
}

function JobView({ job }: { job: ImportJob }): ReactNode {
  const { t } = useTranslation();
  const running = job.status === 'running';
  const acceptedShare = job.processed > 0 ? (job.accepted / job.processed) * 100 : 0;
  const errorColumns: TableColumnsType<RowError & { key: number }> = [
    { title: t('imports.row'), dataIndex: 'row', width: 90, align: 'right' },
    { title: t('imports.field'), dataIndex: 'field', width: 180, render: (f: string) => (f ? <Typography.Text code>{f}</Typography.Text> : '') },
    { title: t('imports.message'), dataIndex: 'message' },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Descriptions size="small" column={{ xs: 1, md: 2, xl: 4 }} items={[
        { key: 'file', label: t('imports.fileName'), children: <span data-testid="import-filename"><FileExcelOutlined /> {job.fileName}</span> },
        { key: 'kind', label: t('imports.kind'), children: enumLabel(t, 'importKind', job.kind) },
        { key: 'status', label: t('imports.status'), children: <StatusTag status={job.status} testId="import-status" /> },
        { key: 'encoding', label: t('imports.encoding'), children: job.encoding ?? t('common.none') },
        { key: 'startedAt', label: t('imports.startedAt'), children: formatDateTime(job.startedAt) },
        { key: 'finishedAt', label: t('imports.finishedAt'), children: formatDateTime(job.finishedAt) },
        { key: 'startedBy', label: t('imports.startedBy'), children: job.startedBy },
      ]} />

      <div data-testid="import-progress" data-status={job.status}>
        {/* The job does not know its row total, so the bar shows processed rows split into accepted (green)
            and rejected (red); it moves while the job runs. */}
        <Progress
          percent={100}
          success={{ percent: acceptedShare }}
          status={running ? 'active' : 'normal'}
          strokeColor={job.status === 'failed' || job.rejected > 0 ? '#ff4d4f' : undefined}
          format={() => t('imports.processedRows', { count: job.processed })}
          size={{ height: 12 }}
        />
      </div>

      <Row gutter={16}>
        <Col xs={8}>
          <Statistic
            title={t('imports.processed')}
            value={job.processed}
            formatter={(v) => <span data-testid="import-processed">{String(v)}</span>}
          />
        </Col>
        <Col xs={8}>
          <Statistic
            title={t('imports.accepted')}
            value={job.accepted}
            styles={{ content: { color: '#389e0d' } }}
            formatter={(v) => <span data-testid="import-accepted">{String(v)}</span>}
          />
        </Col>
        <Col xs={8}>
          <Statistic
            title={t('imports.rejected')}
            value={job.rejected}
            styles={{ content: { color: job.rejected > 0 ? '#cf1322' : undefined } }}
            formatter={(v) => <span data-testid="import-rejected">{String(v)}</span>}
          />
        </Col>
      </Row>

      {job.failure && (
        <Alert type="error" showIcon title={t('imports.failure')} description={job.failure} data-testid="import-failure" />
      )}

      <div>
        <Space style={{ marginBottom: 8, width: '100%', justifyContent: 'space-between' }} wrap>
          <Typography.Title level={5} style={{ margin: 0 }}>{t('imports.errors')}</Typography.Title>
          <Button
            data-testid="download-rejected"
            icon={<DownloadOutlined />}
            href={job.rejected > 0 && !running ? apiUrl(`/imports/${job.id}/rejected.xlsx`) : undefined}
            disabled={job.rejected === 0 || running}
            download
          >
            {t('imports.downloadRejected')}
          </Button>
        </Space>
        <div data-testid="import-errors">
          <Table<RowError & { key: number }>
            size="small"
            columns={errorColumns}
            dataSource={job.errors.map((e, i) => ({ ...e, key: i }))}
            locale={{ emptyText: t('imports.noErrors') }}
            pagination={{ pageSize: 10, showSizeChanger: false, hideOnSinglePage: true, showTotal: (n) => t('common.total', { count: n }) }}
          />
        </div>
      </div>
    </Space>
  );
}

/** `/imports`: upload a CSV/XLSX of persons, households or relations and follow the job. */
export default function ImportsPage(): ReactNode {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const jobParam = Number(params.get('job'));
  const jobId = Number.isInteger(jobParam) && jobParam > 0 ? jobParam : null;
  const [kind, setKind] = useState<ImportKind>('persons');
  const [uploading, setUploading] = useState<number | null>(null);
  const [uploadError, setUploadError] = useState<ApiError>();
  const recent = useApi<{ items: ImportJob[] }>('/imports');
  const { job, error: jobError } = useImportJob(jobId, recent.reload);

  const selectJob = (id: number): void => {
    const next = new URLSearchParams(params);
    next.set('job', String(id));
    setParams(next);
  };

  const start = async (file: File): Promise<void> => {
    const form = new FormData();
    // `kind` first: the server reads the multipart stream in order.
    form.append('kind', kind);
    form.append('file', file, file.name);
    setUploadError(undefined);
    setUploading(0);
    try {
      const answer = await uploadForm<{ id: number }>('/imports', form, setUploading);
      selectJob(answer.id);
      recent.reload();
    } catch (e) {
      setUploadError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e)));
    } finally {
      setUploading(null);
    }
  };

  const recentColumns: TableColumnsType<ImportJob> = [
    { title: '#', dataIndex: 'id', width: 70 },
    { title: t('imports.kind'), dataIndex: 'kind', width: 100, render: (_: unknown, j) => enumLabel(t, 'importKind', j.kind) },
    { title: t('imports.fileName'), dataIndex: 'fileName', ellipsis: true },
    { title: t('imports.status'), dataIndex: 'status', width: 110, render: (_: unknown, j) => <StatusTag status={j.status} /> },
    { title: t('imports.accepted'), dataIndex: 'accepted', width: 90, align: 'right' },
    { title: t('imports.rejected'), dataIndex: 'rejected', width: 90, align: 'right' },
    { title: t('imports.startedAt'), dataIndex: 'startedAt', width: 180, render: (v: string) => formatDateTime(v) },
    { title: t('imports.startedBy'), dataIndex: 'startedBy', width: 110 },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t('imports.title')}</Typography.Title>

      <Card variant="borderless">
        <Row gutter={[24, 16]}>
          <Col xs={24} lg={8}>
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Typography.Text strong>{t('imports.kind')}</Typography.Text>
              <Select<ImportKind>
                data-testid="import-kind"
                value={kind}
                onChange={setKind}
                style={{ width: '100%' }}
                options={importKinds.map((k) => ({ value: k, label: enumLabel(t, 'importKind', k) }))}
              />
              <Typography.Text type="secondary">{t('imports.hint')}</Typography.Text>
              <div>
                <Typography.Text strong>{t('imports.samples')}: </Typography.Text>
                <Space size={12} wrap>
                  {importKinds.map((k) => (
                    <a key={k} href={apiUrl(`/imports/samples/${k}.csv`)} download data-testid={`sample-${k}`}>
                      <DownloadOutlined /> {k}.csv
                    </a>
                  ))}
                </Space>
              </div>
            </Space>
          </Col>
          <Col xs={24} lg={16}>
            <div data-testid="import-upload">
              <Upload.Dragger
                accept=".csv,.xlsx"
                multiple={false}
                showUploadList={false}
                disabled={uploading !== null}
                beforeUpload={(file) => {
                  void start(file);
                  return false;
                }}
              >
                <p className="ant-upload-drag-icon"><InboxOutlined /></p>
                <p className="ant-upload-text">
                  {uploading !== null ? `${t('imports.uploading')} ${uploading}%` : t('imports.choose')}
                </p>
                <p className="ant-upload-hint">{enumLabel(t, 'importKind', kind)} · CSV / XLSX</p>
              </Upload.Dragger>
            </div>
            {uploading !== null && <Progress percent={uploading} size="small" />}
            {uploadError && (
              <Alert
                style={{ marginTop: 12 }}
                type="error"
                showIcon
                data-testid="upload-error"
                title={t('imports.uploadFailed')}
                description={`${uploadError.message}${uploadError.field ? ` (${uploadError.field})` : ''}`}
              />
            )}
          </Col>
        </Row>
      </Card>

      <Card
        variant="borderless"
        title={job ? t('imports.job', { id: job.id }) : t('imports.current')}
        extra={job && <StatusTag status={job.status} />}
      >
        {jobError && <ErrorAlert error={jobError} />}
        {job ? <JobView job={job} /> : !jobError && <Empty description={t('imports.noJob')} />}
      </Card>

      <Card variant="borderless" title={t('imports.recent')} extra={<Button size="small" onClick={recent.reload}>{t('common.refresh')}</Button>}>
        {recent.error && <ErrorAlert error={recent.error} onRetry={recent.reload} />}
        <Table<ImportJob>
          data-testid="import-recent"
          size="small"
          rowKey="id"
          loading={recent.loading && !recent.data}
          columns={recentColumns}
          dataSource={recent.data?.items ?? []}
          pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
          rowClassName={(j) => (j.id === jobId ? 'ant-table-row-selected' : '')}
          onRow={(j) => ({ onClick: () => selectJob(j.id), style: { cursor: 'pointer' } })}
        />
      </Card>
    </Space>
  );
}
