import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Card, Col, Row, Statistic } from 'antd';
import ReactECharts from 'echarts-for-react';
import { useApi } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import type { Dashboard } from './types.ts';
import { useMt } from './i18n.ts';

/** Open chains by district (bar chart), overdue verifications, median days from warning to closure. */
export default function DashboardTab(): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  const { data, error, reload } = useApi<Dashboard>('/monitoring/dashboard');
  if (error) return <ErrorAlert error={error} onRetry={reload} />;
  const districts = data?.openByDistrict ?? [];
  const option = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [mt('dashboard.openLabel'), mt('dashboard.overdueLabel')] },
    grid: { left: 40, right: 16, bottom: 60, top: 40 },
    xAxis: { type: 'category', data: districts.map((d) => d.name), axisLabel: { rotate: 30 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: mt('dashboard.openLabel'), type: 'bar', data: districts.map((d) => d.open), itemStyle: { color: '#c41d7f' } },
      { name: mt('dashboard.overdueLabel'), type: 'bar', data: districts.map((d) => d.overdue), itemStyle: { color: '#fa541c' } },
    ],
  };
  return (
    <Row gutter={[16, 16]} data-testid="monitoring-dashboard">
      <Col xs={12} md={6}><Card><Statistic title={mt('dashboard.open')} value={data?.open ?? 0} /></Card></Col>
      <Col xs={12} md={6}><Card><Statistic title={mt('dashboard.overdue')} value={data?.overdueTasks ?? 0} valueStyle={{ color: (data?.overdueTasks ?? 0) > 0 ? '#cf1322' : undefined }} /></Card></Col>
      <Col xs={12} md={6}><Card><Statistic title={mt('dashboard.closed')} value={data?.closed ?? 0} /></Card></Col>
      <Col xs={12} md={6}><Card><Statistic title={mt('dashboard.median')} value={data?.medianDaysToClose ?? '—'} suffix={data?.medianDaysToClose !== null && data?.medianDaysToClose !== undefined ? mt('dashboard.days', { n: '' }).trim() : undefined} /></Card></Col>
      <Col span={24}>
        <Card title={mt('dashboard.byDistrict')}>
          <ReactECharts option={option} style={{ height: 320 }} notMerge />
        </Card>
      </Col>
    </Row>
  );
}
