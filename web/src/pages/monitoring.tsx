import type { ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Button, Flex, Space, Tabs, Typography } from 'antd';
import { CarryOutOutlined } from '@ant-design/icons';
import { useAuth } from '../auth.tsx';
import WarningsTab from '../monitoring/WarningsTab.tsx';
import DashboardTab from '../monitoring/DashboardTab.tsx';
import FeedsTab from '../monitoring/FeedsTab.tsx';
import ReviewsTab from '../monitoring/ReviewsTab.tsx';
import RulesTab from '../monitoring/RulesTab.tsx';
import { useMt } from '../monitoring/i18n.ts';

const TABS = ['warnings', 'dashboard', 'feeds', 'reviews', 'rules'] as const;
type Tab = (typeof TABS)[number];

/** `/monitoring`: the warnings inbox by region, the dashboard, feed uploads, the match review queue and the rules. */
export default function MonitoringPage(): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? params.get('tab') as Tab : 'warnings';
  const items = [
    { key: 'warnings', label: mt('tabs.warnings'), children: <WarningsTab /> },
    { key: 'dashboard', label: mt('tabs.dashboard'), children: <DashboardTab /> },
    ...(can('feeds.import') ? [{ key: 'feeds', label: mt('tabs.feeds'), children: <FeedsTab /> }] : []),
    { key: 'reviews', label: mt('tabs.reviews'), children: <ReviewsTab /> },
    { key: 'rules', label: mt('tabs.rules'), children: <RulesTab /> },
  ];
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={3} style={{ margin: 0 }}>{mt('title')}</Typography.Title>
        {can('workorders.act') && <Link to="/monitoring/tasks"><Button icon={<CarryOutOutlined />} data-testid="my-tasks">{mt('myTasks')}</Button></Link>}
      </Flex>
      <Tabs activeKey={tab} onChange={(k) => setParams({ tab: k }, { replace: true })} items={items} destroyOnHidden />
    </Space>
  );
}
