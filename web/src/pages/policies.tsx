import { useEffect, useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Alert, Button, Card, Col, DatePicker, Descriptions, Empty, Input, Row, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { CheckCircleTwoTone, CloseCircleTwoTone } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { ApiError, request, useApi } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { useAuth } from '../auth.tsx';
import PolicyRuns from './policy-runs.tsx';

/** Shapes of GET /api/policies, GET /api/policies/:id and POST …/evaluate (see server/src/modules/policy). */
interface LocalText { zh: string; en?: string }
interface ParamValue { from: string; value: unknown; display: string; example: boolean; note?: string; source?: { document: string; article?: string } }
interface Parameter { name: string; unit?: string; description?: string; values: ParamValue[] }
interface PolicySummary {
  id: string; version: number; title: LocalText; entity: string;
  effective: { from: string; to: string | null }; source: { document: string; published: string; url?: string };
  parameters: Parameter[];
}
interface PolicyDetail extends PolicySummary {
  description?: LocalText;
  conditions: { id: string; expr: string; reason: LocalText; expected?: string }[];
  outcomes: string[];
  tests: { name: string; on: string; input: unknown }[];
}
interface LoadError { file: string; line: number; column: number; message: string }
interface Reason { rule: string; passed: boolean; actual: Record<string, unknown>; expected: string; source: string }
interface Decision {
  policy: string; version: number; on: string; outcome: string; eligible: boolean; amount: number | null; currency: string;
  reasons: Reason[];
  trace: { conditions: (Reason & { reason: LocalText })[]; outcome: { reason?: LocalText } };
}

const text = (l: LocalText, en: boolean): string => (en && l.en ? l.en : l.zh);

function ParametersTable({ params }: { params: Parameter[] }): ReactNode {
  const { t } = useTranslation();
  const rows = params.flatMap((p) => p.values.map((v, i) => ({ key: `${p.name}@${v.from}`, p, v, first: i === 0, span: p.values.length })));
  const columns: TableColumnsType<(typeof rows)[number]> = [
    { title: t('policies.parameter'), key: 'name', onCell: (r) => ({ rowSpan: r.first ? r.span : 0 }),
      render: (_, r) => <Space direction="vertical" size={0}><Typography.Text code>{r.p.name}</Typography.Text>{r.p.description ? <Typography.Text type="secondary">{r.p.description}</Typography.Text> : null}</Space> },
    { title: t('policies.from'), key: 'from', render: (_, r) => r.v.from },
    { title: t('policies.value'), key: 'value', render: (_, r) => <span>{r.v.display}{r.p.unit ? ` ${r.p.unit}` : ''}</span> },
    { title: t('policies.source'), key: 'source', render: (_, r) => (
      <Space wrap>
        {r.v.example ? <Tag color="orange">{t('policies.example')}</Tag> : null}
        {r.v.source ? <span>《{r.v.source.document}》{r.v.source.article ?? ''}</span> : null}
        {r.v.note ? <Typography.Text type="secondary">{r.v.note}</Typography.Text> : null}
      </Space>) },
  ];
  return <Table size="small" pagination={false} rowKey="key" columns={columns} dataSource={rows} data-testid="policy-parameters" />;
}

function TryIt({ policy }: { policy: PolicyDetail }): ReactNode {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const first = policy.tests[0];
  const [input, setInput] = useState(JSON.stringify(first?.input ?? { [policy.entity]: {} }, null, 2));
  const [on, setOn] = useState<Dayjs>(dayjs(first?.on ?? undefined));
  const [result, setResult] = useState<Decision>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setInput(JSON.stringify(first?.input ?? { [policy.entity]: {} }, null, 2));
    setOn(dayjs(first?.on ?? undefined));
    setResult(undefined);
    setError(undefined);
  }, [policy.id, first, policy.entity]);

  const run = async (): Promise<void> => {
    setError(undefined);
    setResult(undefined);
    let parsed: unknown;
    try { parsed = JSON.parse(input); } catch (e) { setError(t('policies.badJson', { message: (e as Error).message })); return; }
    setBusy(true);
    try {
      setResult(await request<Decision>(`/policies/${policy.id}/evaluate`, { method: 'POST', body: { on: on.format('YYYY-MM-DD'), input: parsed } }));
    } catch (e) {
      setError(e instanceof ApiError ? `${e.field ? `${e.field}: ` : ''}${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Row gutter={16}>
      <Col xs={24} lg={10}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Space><span>{t('policies.on')}</span><DatePicker value={on} onChange={(d) => d && setOn(d)} allowClear={false} data-testid="policy-on" /></Space>
          <Input.TextArea value={input} onChange={(e) => setInput(e.target.value)} autoSize={{ minRows: 10, maxRows: 24 }} style={{ fontFamily: 'monospace' }} data-testid="policy-input" />
          <Button type="primary" onClick={() => void run()} loading={busy} data-testid="policy-evaluate">{t('policies.evaluate')}</Button>
        </Space>
      </Col>
      <Col xs={24} lg={14}>
        {error ? <Alert type="error" showIcon title={error} data-testid="policy-error" /> : null}
        {result ? (
          <Space direction="vertical" style={{ width: '100%' }} data-testid="policy-result">
            <Descriptions size="small" bordered column={1} items={[
              { key: 'eligible', label: t('policies.eligible'), children: result.eligible ? <Tag color="green">{t('common.yes')}</Tag> : <Tag color="red">{t('common.no')}</Tag> },
              { key: 'outcome', label: t('policies.outcome'), children: <span>{result.outcome}{result.trace.outcome.reason ? ` — ${text(result.trace.outcome.reason, en)}` : ''}</span> },
              { key: 'amount', label: t('policies.amount'), children: result.amount === null ? '—' : `¥${result.amount.toFixed(2)} / ${t('policies.month')}` },
              { key: 'version', label: t('policies.version'), children: `v${result.version} · ${result.on}` },
            ]} />
            <Table size="small" pagination={false} rowKey="rule" dataSource={result.trace.conditions} columns={[
              { title: '', key: 'ok', width: 36, render: (_, c) => (c.passed ? <CheckCircleTwoTone twoToneColor="#52c41a" /> : <CloseCircleTwoTone twoToneColor="#ff4d4f" />) },
              { title: t('policies.condition'), key: 'reason', render: (_, c) => text(c.reason, en) },
              { title: t('policies.actual'), key: 'actual', render: (_, c) => <Typography.Text code>{Object.entries(c.actual).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('; ')}</Typography.Text> },
              { title: t('policies.expected'), dataIndex: 'expected' },
              { title: t('policies.source'), dataIndex: 'source' },
            ]} />
          </Space>
        ) : null}
      </Col>
    </Row>
  );
}

function Detail({ id }: { id: string }): ReactNode {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const en = i18n.language === 'en';
  const { data, error, loading, reload } = useApi<PolicyDetail>(`/policies/${id}`);
  if (error) return <ErrorAlert error={error} onRetry={reload} />;
  if (!data) return <Card loading={loading} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card title={`${text(data.title, en)} · v${data.version}`} data-testid="policy-detail">
        {data.description ? <Typography.Paragraph>{text(data.description, en)}</Typography.Paragraph> : null}
        <Descriptions size="small" column={{ xs: 1, md: 3 }} items={[
          { key: 'source', label: t('policies.source'), children: <span>《{data.source.document}》{data.source.published}</span> },
          { key: 'effective', label: t('policies.effective'), children: `${data.effective.from} – ${data.effective.to ?? t('policies.openEnded')}` },
          { key: 'outcomes', label: t('policies.outcomes'), children: data.outcomes.join(' / ') },
        ]} />
      </Card>
      <Card title={t('policies.parameters')}>{data.parameters.length ? <ParametersTable params={data.parameters} /> : <Empty />}</Card>
      <Card title={t('policies.conditions')}>
        <Table size="small" pagination={false} rowKey="id" dataSource={data.conditions} columns={[
          { title: t('policies.condition'), key: 'reason', render: (_, c) => text(c.reason, en) },
          { title: t('policies.rule'), key: 'expr', render: (_, c) => <Typography.Text code style={{ whiteSpace: 'pre-wrap' }}>{c.expr}</Typography.Text> },
        ]} />
      </Card>
      <Card title={t('policies.tryIt')}><TryIt policy={data} /></Card>
      {can('policy.run') ? <Card title={t('policies.runs')}><PolicyRuns policyId={data.id} defaultOn={data.tests[0]?.on} /></Card> : null}
    </Space>
  );
}

export default function PoliciesPage(): ReactNode {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const [params, setParams] = useSearchParams();
  const selected = params.get('id');
  const { data, error, loading, reload } = useApi<{ items: PolicySummary[]; errors: LoadError[] }>('/policies');
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Typography.Title level={3}>{t('policies.title')}</Typography.Title>
      {error ? <ErrorAlert error={error} onRetry={reload} /> : null}
      {data?.errors.length ? (
        <Alert type="warning" showIcon title={t('policies.loadErrors', { count: data.errors.length })} data-testid="policy-load-errors"
          description={<ul style={{ margin: 0 }}>{data.errors.map((e) => <li key={`${e.file}:${e.line}:${e.column}`}><Typography.Text code>{`${e.file}:${e.line}:${e.column}`}</Typography.Text> {e.message}</li>)}</ul>} />
      ) : null}
      <Table size="small" loading={loading} rowKey="id" dataSource={data?.items ?? []} pagination={false} data-testid="policy-list"
        rowClassName={(p) => (p.id === selected ? 'ant-table-row-selected' : '')}
        onRow={(p) => ({ onClick: () => setParams({ id: p.id }), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('policies.name'), key: 'title', render: (_, p) => <Space direction="vertical" size={0}><Typography.Link>{text(p.title, en)}</Typography.Link><Typography.Text type="secondary" code>{p.id}</Typography.Text></Space> },
          { title: t('policies.effective'), key: 'effective', render: (_, p) => `${p.effective.from} – ${p.effective.to ?? t('policies.openEnded')}` },
          { title: t('policies.source'), key: 'source', render: (_, p) => `《${p.source.document}》` },
          { title: t('policies.version'), key: 'version', render: (_, p) => `v${p.version}` },
        ]} />
      {selected ? <Detail id={selected} /> : null}
    </Space>
  );
}
