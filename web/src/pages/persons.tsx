import { useEffect, useState, type HTMLAttributes, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Button, Card, Form, Input, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { EnvironmentOutlined, SearchOutlined } from '@ant-design/icons';
import type { PersonSummary, RegionDetail } from '@minsheng/contracts';
import { useApi } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { enumLabel } from '../labels.ts';

const PAGE_SIZE = 20;
const REGION_RE = /^\d{12}$/;

interface PersonPage { items: PersonSummary[]; total: number }

/** Name of the region filter, so "110101…" reads as "河西区". */
function RegionName({ code }: { code: string }): ReactNode {
  const region = useApi<RegionDetail>(REGION_RE.test(code) ? `/regions/${code}` : null);
  if (!region.data || region.data.code !== code) return null;
  return (
    <Tag icon={<EnvironmentOutlined />} color="blue" data-testid="region-filter-name">
      {region.data.path.map((p) => p.name).join(' / ')}
    </Tag>
  );
}

/** `/persons`: registry search. The query lives in the URL (q, region, page) so back/forward work. */
export default function PersonsPage(): ReactNode {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const region = params.get('region') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);

  // Draft values of the form; committed to the URL on search.
  const [draftQ, setDraftQ] = useState(q);
  const [draftRegion, setDraftRegion] = useState(region);
  useEffect(() => { setDraftQ(q); }, [q]);
  useEffect(() => { setDraftRegion(region); }, [region]);

  const regionInvalid = draftRegion.trim() !== '' && !REGION_RE.test(draftRegion.trim());
  const result = useApi<PersonPage>('/persons', { q, region, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });

  const commit = (next: { q?: string; region?: string; page?: number }): void => {
    const p = new URLSearchParams();
    const nq = (next.q ?? q).trim();
    const nr = (next.region ?? region).trim();
    const np = next.page ?? 1;
    if (nq) p.set('q', nq);
    if (nr) p.set('region', nr);
    if (np > 1) p.set('page', String(np));
    setParams(p);
  };

  const search = (): void => {
    if (regionInvalid) return;
    commit({ q: draftQ, region: draftRegion, page: 1 });
    // Same query again: still refresh (e.g. after an import).
    if (draftQ.trim() === q && draftRegion.trim() === region && page === 1) result.reload();
  };

  const columns: TableColumnsType<PersonSummary> = [
    {
      title: t('persons.name'), dataIndex: 'name', width: 120,
      render: (_: unknown, p) => <Link to={`/persons/${p.id}`} onClick={(e) => e.stopPropagation()}>{p.name}</Link>,
    },
    { title: t('persons.citizenId'), dataIndex: 'citizenId', width: 190, render: (v: string) => <Typography.Text style={{ fontFamily: 'monospace' }}>{v}</Typography.Text> },
    { title: t('persons.sex'), dataIndex: 'sex', width: 70, render: (_: unknown, p) => enumLabel(t, 'sex', p.sex) },
    { title: t('persons.age'), dataIndex: 'age', width: 70, align: 'right' },
    { title: t('persons.birthDate'), dataIndex: 'birthDate', width: 120, responsive: ['lg'] },
    { title: t('persons.phone'), dataIndex: 'phone', width: 140, render: (v: string | null) => v ?? t('common.none') },
    { title: t('persons.residence'), dataIndex: 'residenceName', render: (v: string | null) => v ?? t('common.none') },
    {
      title: t('persons.household'), dataIndex: 'householdId', width: 110,
      render: (_: unknown, p) => p.householdId === null ? t('common.none') : (
        <Link to={`/households/${p.householdId}`} onClick={(e) => e.stopPropagation()}>#{p.householdId}</Link>
      ),
    },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t('persons.title')}</Typography.Title>
      <Card variant="borderless">
        <Form layout="inline" onFinish={search} style={{ rowGap: 12 }}>
          <Form.Item style={{ flex: '1 1 360px' }}>
            <Input
              data-testid="search-input"
              allowClear
              prefix={<SearchOutlined />}
              placeholder={t('persons.searchPlaceholder')}
              value={draftQ}
              onChange={(e) => setDraftQ(e.target.value)}
              autoFocus
            />
          </Form.Item>
          <Form.Item
            label={t('persons.regionFilter')}
            validateStatus={regionInvalid ? 'error' : undefined}
            help={regionInvalid ? t('persons.regionBadCode') : undefined}
          >
            <Input
              data-testid="region-input"
              allowClear
              inputMode="numeric"
              maxLength={12}
              placeholder={t('persons.regionPlaceholder')}
              value={draftRegion}
              onChange={(e) => setDraftRegion(e.target.value.replace(/\D/g, ''))}
              style={{ width: 240 }}
            />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" icon={<SearchOutlined />} data-testid="search-button">
                {t('common.search')}
              </Button>
              <Button onClick={() => { setDraftQ(''); setDraftRegion(''); setParams(new URLSearchParams()); }}>
                {t('common.reset')}
              </Button>
            </Space>
          </Form.Item>
        </Form>
        {region && (
          <div style={{ marginTop: 12 }}>
            <RegionName code={region} />
          </div>
        )}
      </Card>

      {result.error && <ErrorAlert error={result.error} onRetry={result.reload} />}

      <Card variant="borderless" styles={{ body: { paddingTop: 8 } }}>
        <Table<PersonSummary>
          scroll={{ x: 'max-content' }}
          data-testid="person-table"
          rowKey="id"
          size="middle"
          loading={result.loading}
          columns={columns}
          dataSource={result.data?.items ?? []}
          locale={{ emptyText: t('persons.empty') }}
          onRow={(p) => {
            const attrs: HTMLAttributes<HTMLElement> & { 'data-testid': string } = {
              'data-testid': 'person-row',
              onClick: () => navigate(`/persons/${p.id}`),
              style: { cursor: 'pointer' },
            };
            return attrs;
          }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: result.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (n) => <span data-testid="search-total">{t('common.total', { count: n })}</span>,
            onChange: (p) => commit({ page: p }),
          }}
        />
      </Card>
    </Space>
  );
}
