import type { ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Badge, Button, Card, Col, Descriptions, Row, Skeleton, Space, Statistic, Typography } from 'antd';
import {
  ApartmentOutlined, CloudUploadOutlined, FileSearchOutlined, HomeOutlined, SearchOutlined, TeamOutlined, UserOutlined,
} from '@ant-design/icons';
import { useApi } from '../api.ts';
import { useAuth, useMe } from '../auth.tsx';
import type { Permission } from '../access.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { roleLabels } from '../layout/AppLayout.tsx';

/** Permissions that give at least one shortcut below. */
const SHORTCUT_PERMISSIONS: Permission[] = ['registry.read', 'regions.read', 'imports.run', 'audit.read', 'users.admin'];

/** `GET /api/health` */
interface Health { status: string; db: 'pglite' | 'postgres'; mqtt: 'embedded' | 'external'; version: string; demo?: boolean }
/** `GET /api/stats` */
interface Stats {
  persons: number;
  households: number;
  regions: { districts: number; streets: number; communities: number };
  grids: number;
  aged60Plus: number;
}

function StatCard({ title, value, icon, loading, testId }: {
  title: string; value: number | undefined; icon: ReactNode; loading: boolean; testId: string;
}): ReactNode {
  return (
    <Card variant="borderless" style={{ height: '100%' }}>
      <Skeleton loading={loading && value === undefined} active paragraph={false}>
        <Statistic
          title={title}
          value={value ?? 0}
          prefix={icon}
          formatter={(v) => <span data-testid={testId}>{Number(v).toLocaleString('en-US')}</span>}
        />
      </Skeleton>
    </Card>
  );
}

export default function OverviewPage(): ReactNode {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { can } = useAuth();
  const me = useMe();
  const health = useApi<Health>('/health');
  // Counts of the registry within the user's regions; only for roles that read the registry.
  const showStats = can('registry.read');
  const stats = useApi<Stats>(showStats ? '/stats' : null);
  const s = stats.data;
  const h = health.data;
  const ok = h?.status === 'ok' || h?.status === 'up';

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space align="baseline" wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('overview.title')}</Typography.Title>
        <Typography.Text type="secondary" data-testid="welcome">
          {t('overview.welcome', { name: me.displayName })} · {me.office} · {roleLabels(t, me).join('、')}
        </Typography.Text>
      </Space>

      {stats.error && <ErrorAlert error={stats.error} onRetry={stats.reload} />}

      {showStats && (
        <>
          <Card title={t('overview.registry')} size="small" variant="borderless">
            <Row gutter={[16, 16]}>
              <Col xs={24} sm={12} lg={8}>
                <StatCard title={t('overview.persons')} value={s?.persons} icon={<UserOutlined />} loading={stats.loading} testId="stat-persons" />
              </Col>
              <Col xs={24} sm={12} lg={8}>
                <StatCard title={t('overview.households')} value={s?.households} icon={<HomeOutlined />} loading={stats.loading} testId="stat-households" />
              </Col>
              <Col xs={24} sm={12} lg={8}>
                <StatCard title={t('overview.aged60Plus')} value={s?.aged60Plus} icon={<TeamOutlined />} loading={stats.loading} testId="stat-aged60plus" />
              </Col>
            </Row>
          </Card>

          <Card title={t('overview.regionsTitle')} size="small" variant="borderless">
            <Row gutter={[16, 16]}>
              <Col xs={12} lg={6}>
                <StatCard title={t('overview.districts')} value={s?.regions.districts} icon={<ApartmentOutlined />} loading={stats.loading} testId="stat-districts" />
              </Col>
              <Col xs={12} lg={6}>
                <StatCard title={t('overview.streets')} value={s?.regions.streets} icon={<ApartmentOutlined />} loading={stats.loading} testId="stat-streets" />
              </Col>
              <Col xs={12} lg={6}>
                <StatCard title={t('overview.communities')} value={s?.regions.communities} icon={<ApartmentOutlined />} loading={stats.loading} testId="stat-communities" />
              </Col>
              <Col xs={12} lg={6}>
                <StatCard title={t('overview.grids')} value={s?.grids} icon={<ApartmentOutlined />} loading={stats.loading} testId="stat-grids" />
              </Col>
            </Row>
          </Card>
        </>
      )}

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('overview.health')} size="small" variant="borderless" style={{ height: '100%' }}>
            {health.error ? (
              <ErrorAlert error={health.error} onRetry={health.reload} />
            ) : (
              <Skeleton loading={health.loading && !h} active>
                <Descriptions column={1} size="small" items={[
                  {
                    key: 'status', label: t('overview.status'),
                    children: (
                      <span data-testid="health-status">
                        <Badge status={ok ? 'success' : 'error'} text={ok ? t('overview.statusOk') : `${t('overview.statusDown')} (${h?.status ?? ''})`} />
                      </span>
                    ),
                  },
                  { key: 'db', label: t('overview.db'), children: h?.db === 'postgres' ? t('overview.dbPostgres') : t('overview.dbPglite') },
                  { key: 'mqtt', label: t('overview.mqtt'), children: h?.mqtt === 'external' ? t('overview.mqttExternal') : t('overview.mqttEmbedded') },
                  { key: 'version', label: t('overview.version'), children: h?.version ?? t('common.none') },
                ]} />
              </Skeleton>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('overview.quick')} size="small" variant="borderless" style={{ height: '100%' }}>
            {!SHORTCUT_PERMISSIONS.some(can) && (
              <Typography.Text type="secondary" data-testid="no-modules">{t('overview.noModules')}</Typography.Text>
            )}
            <Space wrap>
              {can('registry.read') && <Button icon={<SearchOutlined />} onClick={() => navigate('/persons')}>{t('overview.quickSearch')}</Button>}
              {can('regions.read') && <Button icon={<ApartmentOutlined />} onClick={() => navigate('/regions')}>{t('overview.quickRegions')}</Button>}
              {can('imports.run') && <Button icon={<CloudUploadOutlined />} onClick={() => navigate('/imports')}>{t('overview.quickImport')}</Button>}
              {can('audit.read') && <Button icon={<FileSearchOutlined />} onClick={() => navigate('/admin/audit')}>{t('overview.quickAudit')}</Button>}
              {can('users.admin') && <Button icon={<TeamOutlined />} onClick={() => navigate('/admin/users')}>{t('overview.quickUsers')}</Button>}
            </Space>
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
