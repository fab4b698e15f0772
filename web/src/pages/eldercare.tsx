/** The elder guard: call seat, enrolled elders, devices, KPIs and quarantined messages, as tabs. */
import type { ReactNode } from 'react';
import { bj, useEt as useTranslation } from '../eldercare/i18n.ts';
import { Link, useSearchParams } from 'react-router-dom';
import { App, Button, Card, Col, Form, Input, InputNumber, Row, Select, Statistic, Table, Tabs, Tag, Typography } from 'antd';
import { ApiError, request, useApi } from '../api.ts';
import { useMe } from '../auth.tsx';
import ErrorAlert from '../components/ErrorAlert.tsx';
import CallSeat from '../eldercare/CallSeat.tsx';
import Candidates from '../eldercare/Enrol.tsx';
import type { Device, ElderSummary, Kpis } from '../eldercare/types.ts';

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);

function Elders(): ReactNode {
  const { t } = useTranslation();
  const res = useApi<{ items: ElderSummary[] }>('/eldercare/elders', { limit: 500 });
  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  return <Table size="small" rowKey="personId" loading={res.loading} dataSource={res.data?.items} data-testid="elders-table" columns={[
    { title: t('eldercare.elder.name'), key: 'n', render: (_, e) => <Link to={`/eldercare/elders/${e.personId}`}>{e.name}</Link> },
    { title: t('eldercare.elder.community'), dataIndex: 'communityName' },
    { title: t('eldercare.elder.phone'), dataIndex: 'phone' },
    { title: t('eldercare.elder.risk'), key: 'r', render: (_, e) => <Tag color={e.riskTier === 'high' ? 'red' : undefined}>{t(`eldercare.tier.${e.riskTier}`)}</Tag> },
    { title: t('eldercare.elder.enrolledAt'), key: 'e', render: (_, e) => bj(e.enrolledAt) },
  ]} />;
}

export function DevicesTable({ items, loading }: { items: Device[] | undefined; loading?: boolean }): ReactNode {
  const { t, i18n } = useTranslation();
  return <Table size="small" rowKey="id" loading={loading} dataSource={items} data-testid="devices-table" pagination={{ pageSize: 50 }} columns={[
    { title: t('eldercare.device.id'), dataIndex: 'id' },
    { title: t('eldercare.device.elder'), key: 'e', render: (_, d) => <Link to={`/eldercare/elders/${d.personId}`}>{d.elderName}</Link> },
    { title: t('eldercare.device.kind'), key: 'k', render: (_, d) => t(`eldercare.deviceKind.${d.kind}`) },
    { title: t('eldercare.device.room'), key: 'r', render: (_, d) => `${t(`eldercare.room.${d.room}`)}${d.mountingHeightM ? ` · ${d.mountingHeightM} m` : ''}` },
    { title: t('eldercare.device.vendor'), key: 'v', render: (_, d) => `${d.vendor} ${d.serial}` },
    { title: t('eldercare.device.installed'), key: 'i', render: (_, d) => `${bj(d.installedAt)} ${d.installedBy}` },
    { title: t('eldercare.device.lastSeen'), key: 'l', render: (_, d) => bj(d.lastSeenAt) },
    { title: t('eldercare.device.state'), key: 's', render: (_, d) => <>
      {d.silent ? <Tag color="red">{t('eldercare.device.silent')}</Tag> : <Tag color="green">{t('eldercare.device.ok')}</Tag>}
      {d.lowBattery ? <Tag color="orange">{t('eldercare.device.lowBattery')} {d.batteryPercent}%</Tag> : null}
    </> },
    { title: t('eldercare.device.warnings'), key: 'w', render: (_, d) => d.warnings.map((w) => <Tag key={w.check} color="warning">{i18n.language === 'en' ? w.message.en : w.message.zh}</Tag>) },
  ]} />;
}

function Devices(): ReactNode {
  const res = useApi<{ items: Device[] }>('/eldercare/devices');
  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  return <DevicesTable items={res.data?.items} loading={res.loading} />;
}

function KpiBoard(): ReactNode {
  const { t } = useTranslation();
  const res = useApi<Kpis>('/eldercare/kpis');
  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  const k = res.data;
  return (
    <div data-testid="kpis">
      <Row gutter={12}>
        <Col span={6}><Card size="small"><Statistic title={t('eldercare.kpi.alarms')} value={k?.alarms ?? 0} loading={res.loading} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('eldercare.kpi.ack60')} value={pct(k?.ackWithin60s ?? null)} loading={res.loading} /><Typography.Text type="secondary">{t('eldercare.kpi.standard')}</Typography.Text></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('eldercare.kpi.ack180')} value={pct(k?.ackWithin180s ?? null)} loading={res.loading} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('eldercare.kpi.onSite')} value={k?.onSiteMedianSeconds === null || k === undefined ? '—' : t('eldercare.kpi.seconds', { n: k.onSiteMedianSeconds })} loading={res.loading} /></Card></Col>
      </Row>
      <Row gutter={12} style={{ marginTop: 12 }}>
        <Col span={8}><Card size="small" title={t('eldercare.kpi.falseByDevice')}><Table size="small" rowKey="deviceId" pagination={false} dataSource={k?.falseAlarmByDevice} columns={[
          { title: t('eldercare.device.id'), dataIndex: 'deviceId' }, { title: t('eldercare.kpi.count'), dataIndex: 'alarms' }, { title: t('eldercare.kpi.falseCount'), dataIndex: 'falseAlarms' },
          { title: t('eldercare.kpi.rate'), key: 'r', render: (_, r) => pct(r.rate) }]} /></Card></Col>
        <Col span={8}><Card size="small" title={t('eldercare.kpi.falseByElder')}><Table size="small" rowKey="personId" pagination={false} dataSource={k?.falseAlarmByElder} columns={[
          { title: t('eldercare.elder.name'), key: 'n', render: (_, r) => <Link to={`/eldercare/elders/${r.personId}`}>{r.name}</Link> }, { title: t('eldercare.kpi.count'), dataIndex: 'alarms' },
          { title: t('eldercare.kpi.falseCount'), dataIndex: 'falseAlarms' }, { title: t('eldercare.kpi.rate'), key: 'r', render: (_, r) => pct(r.rate) }]} /></Card></Col>
        <Col span={8}><Card size="small" title={`${t('eldercare.kpi.silentNow')} (${k?.silentDevicesNow.length ?? 0})`}><Table size="small" rowKey="id" pagination={{ pageSize: 10 }} dataSource={k?.silentDevicesNow} columns={[
          { title: t('eldercare.device.id'), dataIndex: 'id' }, { title: t('eldercare.device.kind'), key: 'k', render: (_, d) => t(`eldercare.deviceKind.${d.kind}`) },
          { title: t('eldercare.device.elder'), key: 'e', render: (_, d) => <Link to={`/eldercare/elders/${d.personId}`}>{d.elderName}</Link> },
          { title: t('eldercare.device.lastSeen'), key: 'l', render: (_, d) => bj(d.lastSeenAt) }]} /></Card></Col>
      </Row>
    </div>
  );
}

interface RosterEntry { id: number; communityCode: string; kind: string; name: string; phone: string; priority: number; active: boolean }

/** The community rosters of volunteers and social organisations (alerted on non-working days). */
function Roster({ canWrite }: { canWrite: boolean }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const res = useApi<{ items: RosterEntry[] }>('/eldercare/roster');
  const [form] = Form.useForm<{ communityCode: string; kind: string; name: string; phone: string; priority: number }>();
  const add = async (v: { communityCode: string; kind: string; name: string; phone: string; priority: number }): Promise<void> => {
    try {
      await request('/eldercare/roster', { method: 'POST', body: v });
      void message.success(t('eldercare.elder.saved'));
      form.resetFields();
      res.reload();
    } catch (e) {
      if (e instanceof ApiError && e.field) form.setFields([{ name: e.field as 'name', errors: [e.message] }]);
      else void message.error(e instanceof ApiError ? e.message : String(e));
    }
  };
  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  return (
    <div>
      {canWrite ? (
        <Form form={form} layout="inline" onFinish={(v) => void add(v)} initialValues={{ kind: 'volunteer', priority: 1 }} style={{ marginBottom: 12 }}>
          <Form.Item name="communityCode" rules={[{ required: true, pattern: /^\d{12}$/ }]}><Input placeholder={t('eldercare.roster.community')} style={{ width: 150 }} /></Form.Item>
          <Form.Item name="kind"><Select style={{ width: 130 }} options={['volunteer', 'social-organisation'].map((k) => ({ value: k, label: t(`eldercare.responder.${k}`) }))} /></Form.Item>
          <Form.Item name="name" rules={[{ required: true }]}><Input placeholder={t('eldercare.elder.name')} /></Form.Item>
          <Form.Item name="phone" rules={[{ required: true }]}><Input placeholder={t('eldercare.elder.phone')} /></Form.Item>
          <Form.Item name="priority"><InputNumber min={1} max={99} style={{ width: 70 }} /></Form.Item>
          <Button htmlType="submit">{t('eldercare.roster.add')}</Button>
        </Form>
      ) : null}
      <Table size="small" rowKey="id" loading={res.loading} dataSource={res.data?.items} columns={[
        { title: t('eldercare.roster.community'), dataIndex: 'communityCode' }, { title: t('eldercare.elder.kind'), key: 'k', render: (_, r) => t(`eldercare.responder.${r.kind}`) },
        { title: t('eldercare.elder.name'), dataIndex: 'name' }, { title: t('eldercare.elder.phone'), dataIndex: 'phone' }, { title: t('eldercare.elder.priority'), dataIndex: 'priority' },
      ]} />
    </div>
  );
}

function Quarantine(): ReactNode {
  const { t } = useTranslation();
  const res = useApi<{ items: { id: number; receivedAt: string; via: string; deviceId: string | null; payload: string; reason: string }[] }>('/eldercare/quarantine');
  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  return <Table size="small" rowKey="id" loading={res.loading} dataSource={res.data?.items} columns={[
    { title: t('eldercare.quarantine.at'), key: 'a', render: (_, q) => bj(q.receivedAt) }, { title: t('eldercare.quarantine.via'), dataIndex: 'via' },
    { title: t('eldercare.quarantine.device'), dataIndex: 'deviceId' }, { title: t('eldercare.quarantine.reason'), dataIndex: 'reason' },
    { title: t('eldercare.quarantine.payload'), key: 'p', render: (_, q) => <Typography.Text code ellipsis style={{ maxWidth: 320 }}>{q.payload}</Typography.Text> },
  ]} />;
}

export default function EldercarePage(): ReactNode {
  const { t } = useTranslation();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const can = (p: string): boolean => me.permissions.includes(p as never);
  const tabs = [
    can('alarms.handle') ? { key: 'seat', label: t('eldercare.tabs.seat'), children: <CallSeat /> } : null,
    can('eldercare.write') ? { key: 'candidates', label: t('eldercare.tabs.candidates'), children: <Candidates /> } : null,
    can('eldercare.read') ? { key: 'elders', label: t('eldercare.tabs.elders'), children: <Elders /> } : null,
    can('eldercare.read') ? { key: 'devices', label: t('eldercare.tabs.devices'), children: <Devices /> } : null,
    can('eldercare.read') ? { key: 'kpis', label: t('eldercare.tabs.kpis'), children: <KpiBoard /> } : null,
    can('eldercare.read') ? { key: 'roster', label: t('eldercare.tabs.roster'), children: <Roster canWrite={can('eldercare.write')} /> } : null,
    can('eldercare.read') ? { key: 'quarantine', label: t('eldercare.tabs.quarantine'), children: <Quarantine /> } : null,
  ].filter((x): x is NonNullable<typeof x> => x !== null);
  const active = params.get('tab') ?? tabs[0]?.key;
  return (
    <div>
      <Typography.Title level={3}>{t('eldercare.title')}</Typography.Title>
      <Tabs activeKey={active} onChange={(k) => setParams({ tab: k })} items={tabs} destroyOnHidden />
    </div>
  );
}
