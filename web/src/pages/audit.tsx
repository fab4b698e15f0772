import { useEffect, useMemo, type HTMLAttributes, type ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import {
  AutoComplete, Button, Card, DatePicker, Descriptions, Form, Input, Select, Space, Table, Tag, Tooltip, Typography,
} from 'antd';
import type { TableColumnsType } from 'antd';
import { DownloadOutlined, SearchOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { apiUrl, useApi, type Query } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { auditActionLabel, fieldLabel, roleListLabels } from '../labels.ts';
import { formatDateTime, isDate } from '../format.ts';

/** One entry of `GET /api/audit`. */
interface AuditRow {
  id: number | string;
  at: string;
  actor_kind: string;
  actor_name: string;
  role: string | null;
  office: string | null;
  region_code: string | null;
  action: string;
  entity: string | null;
  entity_id: string | null;
  subject_ids: Array<number | string>;
  fields: string[];
  reason: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown> | null;
}

type Outcome = 'ok' | 'denied' | 'failed';
const OUTCOMES: Outcome[] = ['ok', 'denied', 'failed'];
const PAGE_SIZES = [20, 50, 100];

/** Common action prefixes offered in the action filter (any prefix works). */
const ACTION_SUGGESTIONS = [
  'person.', 'person.reveal', 'person.read', 'person.search', 'person.update', 'person.access-code',
  'household.', 'auth.', 'auth.login', 'access.refused', 'csrf.refused', 'user.', 'audit.',
];

interface FilterValues {
  dates?: [Dayjs | null, Dayjs | null] | null;
  user?: string;
  action?: string;
  personId?: string;
  outcome?: Outcome;
}

interface Filters { from: string; to: string; user: string; action: string; personId: string; outcome: string }

function OutcomeTag({ outcome }: { outcome: string }): ReactNode {
  const { t } = useTranslation();
  if (outcome === 'ok') return <Tag color="green">{t('audit.outcomeOk')}</Tag>;
  if (outcome === 'denied') return <Tag color="red">{t('audit.outcomeDenied')}</Tag>;
  if (outcome === 'failed') return <Tag color="orange">{t('audit.outcomeFailed')}</Tag>;
  return <Tag>{outcome}</Tag>;
}

function actorKindLabel(t: ReturnType<typeof useTranslation>['t'], kind: string): string {
  return kind === 'staff' || kind === 'resident' || kind === 'system' || kind === 'anonymous' ? t(`audit.actorKind.${kind}`) : kind;
}

/** `/admin/audit`: the audit log, filtered and paged on the server; the filters live in the URL. */
export default function AuditPage(): ReactNode {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<FilterValues>();

  const filters: Filters = {
    from: isDate(params.get('from')) ? params.get('from') ?? '' : '',
    to: isDate(params.get('to')) ? params.get('to') ?? '' : '',
    user: params.get('user') ?? '',
    action: params.get('action') ?? '',
    personId: /^\d+$/.test(params.get('personId') ?? '') ? params.get('personId') ?? '' : '',
    outcome: OUTCOMES.includes(params.get('outcome') as Outcome) ? params.get('outcome') ?? '' : '',
  };
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const sizeParam = Number(params.get('size'));
  const size = PAGE_SIZES.includes(sizeParam) ? sizeParam : 50;
  const filterKey = JSON.stringify(filters);
  const query: Query = useMemo(() => ({ ...(JSON.parse(filterKey) as Filters) }), [filterKey]);

  const result = useApi<{ items: AuditRow[]; total: number }>('/audit', { ...query, limit: size, offset: (page - 1) * size });

  // The form shows what the URL says (back/forward, links with filters).
  useEffect(() => {
    const f = JSON.parse(filterKey) as Filters;
    form.setFieldsValue({
      dates: f.from || f.to ? [f.from ? dayjs(f.from) : null, f.to ? dayjs(f.to) : null] : null,
      user: f.user || undefined,
      action: f.action || undefined,
      personId: f.personId || undefined,
      outcome: (f.outcome || undefined) as Outcome | undefined,
    });
  }, [filterKey, form]);

  const commit = (f: Filters, nextPage = 1, nextSize = size): void => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
    if (nextPage > 1) p.set('page', String(nextPage));
    if (nextSize !== 50) p.set('size', String(nextSize));
    setParams(p);
  };

  const search = (v: FilterValues): void => {
    const next: Filters = {
      from: v.dates?.[0]?.format('YYYY-MM-DD') ?? '',
      to: v.dates?.[1]?.format('YYYY-MM-DD') ?? '',
      user: v.user?.trim() ?? '',
      action: v.action?.trim() ?? '',
      personId: v.personId?.trim() ?? '',
      outcome: v.outcome ?? '',
    };
    if (JSON.stringify(next) === filterKey && page === 1) result.reload();
    else commit(next);
  };

  const columns: TableColumnsType<AuditRow> = [
    { title: t('audit.at'), dataIndex: 'at', width: 170, render: (v: string) => formatDateTime(v) },
    {
      title: t('audit.actor'), key: 'actor', width: 190,
      render: (_: unknown, r) => (
        <Space orientation="vertical" size={0}>
          <span>
            <Typography.Text strong>{r.actor_name}</Typography.Text>
            {r.actor_kind !== 'staff' && <Tag style={{ marginInlineStart: 6 }}>{actorKindLabel(t, r.actor_kind)}</Tag>}
          </span>
          {r.office && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.office}</Typography.Text>}
          {roleListLabels(t, r.role).length > 0 && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>{roleListLabels(t, r.role).join('、')}</Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('audit.action'), dataIndex: 'action', width: 170,
      render: (a: string) => {
        const label = auditActionLabel(t, a);
        return (
          <Space orientation="vertical" size={0}>
            <Tag color={a === 'person.reveal' ? 'orange' : a.endsWith('.refused') ? 'red' : 'blue'} data-testid="audit-action">{label ?? a}</Tag>
            {label && <Typography.Text type="secondary" style={{ fontSize: 11, fontFamily: 'monospace' }}>{a}</Typography.Text>}
          </Space>
        );
      },
    },
    {
      title: t('audit.entity'), key: 'entity', width: 180,
      render: (_: unknown, r) => {
        // Person references filter the log by that person (auditors do not open files).
        const byPerson = (id: string, label: string): ReactNode => (
          <Tooltip title={t('audit.filterByPerson')}>
            <a onClick={() => commit({ ...(JSON.parse(filterKey) as Filters), personId: id })} data-testid="audit-person-link">{label}</a>
          </Tooltip>
        );
        const subjects = r.subject_ids.map(String);
        const own = r.entity && r.entity_id
          ? (r.entity === 'person' ? byPerson(r.entity_id, `person #${r.entity_id}`) : <span>{`${r.entity} #${r.entity_id}`}</span>)
          : null;
        const others = subjects.filter((s) => !(r.entity === 'person' && s === r.entity_id));
        return (
          <Space orientation="vertical" size={0}>
            {own}
            {others.length > 0 && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('audit.subjects')}: {others.slice(0, 3).map((s, i) => (
                  <span key={s}>{i > 0 && ' '}{byPerson(s, `#${s}`)}</span>
                ))}
                {others.length > 3 && ` ${t('audit.more', { count: others.length - 3 })}`}
              </Typography.Text>
            )}
          </Space>
        );
      },
    },
    {
      title: t('audit.reason'), dataIndex: 'reason', width: 240,
      render: (v: string | null) => (v ? <Typography.Text data-testid="audit-reason">{v}</Typography.Text> : <Typography.Text type="secondary">{t('common.none')}</Typography.Text>),
    },
    { title: t('audit.outcome'), dataIndex: 'outcome', width: 90, render: (o: string) => <OutcomeTag outcome={o} /> },
    {
      title: t('audit.fields'), dataIndex: 'fields', width: 150, responsive: ['xl'],
      render: (fs: string[]) => (fs.length === 0 ? t('common.none') : fs.map((f) => fieldLabel(t, f)).join('、')),
    },
    { title: t('audit.ip'), dataIndex: 'ip', width: 130, responsive: ['lg'], render: (v: string | null) => v ?? t('common.none') },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('audit.title')}</Typography.Title>
        <Tooltip title={t('audit.exportHint')}>
          <Button
            icon={<DownloadOutlined />}
            href={apiUrl('/audit/export.xlsx', query)}
            download
            data-testid="audit-export"
          >
            {t('audit.export')}
          </Button>
        </Tooltip>
      </Space>

      <Card variant="borderless">
        <Form<FilterValues> form={form} layout="inline" onFinish={search} style={{ rowGap: 12 }}>
          <Form.Item name="dates" label={t('audit.dates')}>
            <DatePicker.RangePicker
              allowEmpty={[true, true]}
              placeholder={[t('audit.from'), t('audit.to')]}
              format="YYYY-MM-DD"
              data-testid="audit-filter-dates"
            />
          </Form.Item>
          <Form.Item name="user" label={t('audit.user')}>
            <Input allowClear placeholder={t('audit.userPlaceholder')} style={{ width: 170 }} data-testid="audit-filter-user" />
          </Form.Item>
          <Form.Item name="action" label={t('audit.action')}>
            <AutoComplete
              allowClear
              placeholder={t('audit.actionPlaceholder')}
              style={{ width: 200 }}
              options={ACTION_SUGGESTIONS.map((a) => ({ value: a, label: `${a}  ${auditActionLabel(t, a) ?? ''}`.trim() }))}
              showSearch={{
                filterOption: (input, option) => String(option?.value ?? '').startsWith(input.trim()),
              }}
              data-testid="audit-filter-action"
            />
          </Form.Item>
          <Form.Item name="personId" label={t('audit.personId')} rules={[{ pattern: /^\d*$/, message: '#' }]}>
            <Input allowClear inputMode="numeric" style={{ width: 120 }} data-testid="audit-filter-person" />
          </Form.Item>
          <Form.Item name="outcome" label={t('audit.outcome')}>
            <Select<Outcome>
              allowClear
              placeholder={t('audit.anyOutcome')}
              style={{ width: 130 }}
              data-testid="audit-filter-outcome"
              options={[
                { value: 'ok', label: t('audit.outcomeOk') },
                { value: 'denied', label: t('audit.outcomeDenied') },
                { value: 'failed', label: t('audit.outcomeFailed') },
              ]}
            />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" icon={<SearchOutlined />} data-testid="audit-search">{t('common.search')}</Button>
              <Button onClick={() => { form.resetFields(); setParams(new URLSearchParams()); }}>{t('common.reset')}</Button>
            </Space>
          </Form.Item>
        </Form>
      </Card>

      {result.error && <ErrorAlert error={result.error} onRetry={result.reload} />}

      <Card variant="borderless" styles={{ body: { paddingTop: 8 } }}>
        <Table<AuditRow>
          data-testid="audit-table"
          rowKey={(r) => String(r.id)}
          size="small"
          loading={result.loading}
          columns={columns}
          dataSource={result.data?.items ?? []}
          locale={{ emptyText: t('audit.empty') }}
          scroll={{ x: 1350 }}
          onRow={(r) => {
            const attrs: HTMLAttributes<HTMLElement> & { 'data-testid': string; 'data-action': string } = {
              'data-testid': 'audit-row', 'data-action': r.action,
            };
            return attrs;
          }}
          expandable={{
            expandedRowRender: (r) => (
              <Descriptions size="small" column={1} bordered items={[
                { key: 'region', label: t('audit.region'), children: r.region_code ?? t('common.none') },
                { key: 'ip', label: t('audit.ip'), children: r.ip ?? t('common.none') },
                { key: 'ua', label: t('audit.userAgent'), children: r.user_agent ?? t('common.none') },
                {
                  key: 'detail', label: t('audit.detail'),
                  children: r.detail
                    ? <pre style={{ margin: 0, whiteSpace: 'pre-wrap', fontSize: 12 }}>{JSON.stringify(r.detail, null, 2)}</pre>
                    : t('common.none'),
                },
              ]} />
            ),
          }}
          pagination={{
            current: page,
            pageSize: size,
            total: result.data?.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: PAGE_SIZES,
            showTotal: (n) => <span data-testid="audit-total">{t('common.total', { count: n })}</span>,
            onChange: (p, s) => commit(JSON.parse(filterKey) as Filters, s !== size ? 1 : p, s),
          }}
        />
      </Card>
    </Space>
  );
}
