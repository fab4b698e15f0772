import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Breadcrumb, Card, Descriptions, Input, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { ApartmentOutlined, PhoneOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import type { Grid, RegionDetail, RegionSummary } from '@minsheng/contracts';
import { useApi } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { useAuth } from '../auth.tsx';
import { enumLabel, gridKindColor, regionLevelColor } from '../labels.ts';

interface Items<T> { items: T[] }

/** Grids nest: micro grids hang under a general grid through `parentGridId`. */
type GridRow = Grid & { children?: GridRow[] };

function gridTree(grids: Grid[]): GridRow[] {
  const rows = new Map<string, GridRow>(grids.map((g) => [g.id, { ...g }]));
  const roots: GridRow[] = [];
  for (const row of rows.values()) {
    const parent = row.parentGridId ? rows.get(row.parentGridId) : undefined;
    if (parent) (parent.children ??= []).push(row);
    else roots.push(row);
  }
  return roots;
}

function ResidentsLink({ code }: { code: string }): ReactNode {
  const { t } = useTranslation();
  const { can } = useAuth();
  if (!can('registry.read')) return null;
  return (
    <Link to={`/persons?region=${code}`} data-testid="region-residents">
      <TeamOutlined /> {t('regions.residents')}
    </Link>
  );
}

function ChildrenTable({ parent }: { parent: string | null }): ReactNode {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [filter, setFilter] = useState('');
  const children = useApi<Items<RegionSummary>>('/regions', { parent });
  const rows = useMemo(() => {
    const all = children.data?.items ?? [];
    const f = filter.trim();
    return f ? all.filter((r) => r.name.includes(f) || r.code.startsWith(f)) : all;
  }, [children.data, filter]);

  const columns: TableColumnsType<RegionSummary> = [
    {
      title: t('regions.name'), dataIndex: 'name',
      render: (_: unknown, r) => <Link to={`/regions/${r.code}`} data-testid="region-link">{r.name}</Link>,
    },
    { title: t('regions.code'), dataIndex: 'code', width: 160, render: (c: string) => <Typography.Text code>{c}</Typography.Text> },
    {
      title: t('regions.level'), dataIndex: 'level', width: 140,
      render: (_: unknown, r) => <Tag color={regionLevelColor[r.level]}>{enumLabel(t, 'regionLevel', r.level)}</Tag>,
    },
    { title: t('regions.childCount'), dataIndex: 'childCount', width: 110, align: 'right' },
    { title: t('regions.actions'), key: 'actions', width: 140, render: (_: unknown, r) => <ResidentsLink code={r.code} /> },
  ];

  return (
    <Card
      size="small"
      variant="borderless"
      title={parent ? t('regions.children') : t('regions.root')}
      extra={(
        <Input.Search
          allowClear
          size="small"
          placeholder={t('regions.filterPlaceholder')}
          onChange={(e) => setFilter(e.target.value)}
          style={{ width: 240 }}
        />
      )}
    >
      {children.error && <ErrorAlert error={children.error} onRetry={children.reload} />}
      <Table<RegionSummary>
        data-testid="region-children"
        rowKey="code"
        size="small"
        loading={children.loading}
        columns={columns}
        dataSource={rows}
        locale={{ emptyText: t('regions.noChildren') }}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false, showTotal: (n) => t('common.total', { count: n }) }}
        onRow={(r) => ({ onDoubleClick: () => navigate(`/regions/${r.code}`) })}
      />
    </Card>
  );
}

function GridsTable({ code }: { code: string }): ReactNode {
  const { t } = useTranslation();
  const grids = useApi<Items<Grid>>(`/regions/${code}/grids`);
  const tree = useMemo(() => gridTree(grids.data?.items ?? []), [grids.data]);

  const columns: TableColumnsType<GridRow> = [
    { title: t('regions.gridName'), dataIndex: 'name' },
    { title: t('regions.gridId'), dataIndex: 'id', width: 200, render: (id: string) => <Typography.Text code>{id}</Typography.Text> },
    {
      title: t('regions.gridKind'), dataIndex: 'kind', width: 120,
      render: (_: unknown, g) => <Tag color={gridKindColor[g.kind]} data-testid="grid-kind">{enumLabel(t, 'gridKind', g.kind)}</Tag>,
    },
    {
      title: t('regions.workers'), key: 'workers',
      render: (_: unknown, g) => g.workers.length === 0
        ? <Typography.Text type="secondary">{t('regions.noWorkers')}</Typography.Text>
        : (
          <Space orientation="vertical" size={0}>
            {g.workers.map((w) => (
              <span key={w.id}>
                <UserOutlined /> {w.name}
                {w.phone && <Typography.Text type="secondary"> <PhoneOutlined /> {w.phone}</Typography.Text>}
              </span>
            ))}
          </Space>
        ),
    },
  ];

  return (
    <Card size="small" variant="borderless" title={<><ApartmentOutlined /> {t('regions.grids')}</>}>
      {grids.error && <ErrorAlert error={grids.error} onRetry={grids.reload} />}
      <Table<GridRow>
        data-testid="region-grids"
        rowKey="id"
        size="small"
        loading={grids.loading}
        columns={columns}
        dataSource={tree}
        pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false, showTotal: (n) => t('common.total', { count: n }) }}
      />
    </Card>
  );
}

function RegionView({ code }: { code: string }): ReactNode {
  const { t } = useTranslation();
  const detail = useApi<RegionDetail>(`/regions/${code}`);
  const d = detail.data?.code === code ? detail.data : undefined;

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Breadcrumb
        data-testid="region-breadcrumb"
        items={[
          { key: 'root', title: <Link to="/regions">{t('regions.root')}</Link> },
          ...(d?.path ?? []).map((p) => ({
            key: p.code,
            title: p.code === code ? p.name : <Link to={`/regions/${p.code}`}>{p.name}</Link>,
          })),
        ]}
      />
      {detail.error && <ErrorAlert error={detail.error} onRetry={detail.reload} />}
      <Card
        loading={!d && detail.loading}
        variant="borderless"
        title={d && (
          <Space>
            <span data-testid="region-name">{d.name}</span>
            <Tag color={regionLevelColor[d.level]}>{enumLabel(t, 'regionLevel', d.level)}</Tag>
          </Space>
        )}
        extra={<ResidentsLink code={code} />}
      >
        {d && (
          <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 4 }} items={[
            { key: 'code', label: t('regions.code'), children: <Typography.Text copyable>{d.code}</Typography.Text> },
            {
              key: 'parent', label: t('regions.parent'),
              children: d.parentCode ? <Link to={`/regions/${d.parentCode}`}>{d.path.find((p) => p.code === d.parentCode)?.name ?? d.parentCode}</Link> : t('common.none'),
            },
            { key: 'children', label: t('regions.childCount'), children: d.childCount },
            { key: 'grids', label: t('regions.gridCount'), children: d.gridCount },
          ]} />
        )}
      </Card>
      {d && d.level !== 'community' && <ChildrenTable parent={code} />}
      {d && d.level === 'community' && <GridsTable code={code} />}
    </Space>
  );
}

/** `/regions` (top level) and `/regions/:code` (one region, its children, its grids). */
export default function RegionsPage(): ReactNode {
  const { t } = useTranslation();
  const { code } = useParams();
  const navigate = useNavigate();
  const roots = useApi<Items<RegionSummary>>(code ? null : '/regions');

  // With a single root (the city) go straight to it.
  const only = roots.data?.items.length === 1 ? roots.data.items[0] : undefined;
  useEffect(() => {
    if (!code && only) navigate(`/regions/${only.code}`, { replace: true });
  }, [code, only, navigate]);

  if (code) return <RegionView key={code} code={code} />;
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t('regions.title')}</Typography.Title>
      <ChildrenTable parent={null} />
    </Space>
  );
}
