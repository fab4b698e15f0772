import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert, App, Button, Card, Col, DatePicker, Flex, Form, Input, Popconfirm, Row, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { ApiError, bareMessage, request, useApi, type CalendarDayInfo } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';

interface Override { day: string; workday: boolean; name: string; source: string; createdBy: string; createdAt: string }

const KIND_STYLE: Record<CalendarDayInfo['kind'], { background: string; color: string }> = {
  weekday: { background: '#fff', color: '#000' },
  weekend: { background: '#f5f5f5', color: '#999' },
  holiday: { background: '#fff1f0', color: '#cf1322' },
  'adjusted-workday': { background: '#fff7e6', color: '#d46b08' },
};

function Month({ days }: { days: CalendarDayInfo[] }): ReactNode {
  const { t } = useTranslation();
  const first = days[0];
  if (!first) return null;
  const lead = (new Date(`${first.date}T00:00:00Z`).getUTCDay() + 6) % 7; // weeks start on Monday
  return (
    <Card size="small" title={first.date.slice(0, 7)}>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(7, 1fr)', gap: 2, fontSize: 12, textAlign: 'center' }}>
        {['一', '二', '三', '四', '五', '六', '日'].map((d) => <div key={d} style={{ color: '#999' }}>{d}</div>)}
        {Array.from({ length: lead }, (_, i) => <div key={`lead-${i}`} />)}
        {days.map((d) => (
          <Tooltip key={d.date} title={`${d.date} ${d.name ?? ''} ${(d.source === 'official' ? t('workorders.calendar.srcOfficial') : d.source === 'override' ? t('workorders.calendar.srcOverride') : t('workorders.calendar.srcFallback'))}`}>
            <div
              data-testid={`cal-${d.date}`}
              data-kind={d.kind}
              style={{ ...KIND_STYLE[d.kind], borderRadius: 3, padding: '2px 0', outline: d.source === 'override' ? '1px solid #1677ff' : undefined }}
            >
              {Number(d.date.slice(8))}
              {d.kind === 'adjusted-workday' && <sup>班</sup>}
              {d.kind === 'holiday' && <sup>休</sup>}
            </div>
          </Tooltip>
        ))}
      </div>
    </Card>
  );
}

/** `/admin/calendar`: the year's working days as the system counts them, and the administrators' overrides. */
export default function CalendarPage(): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const thisYear = new Date().getFullYear();
  const [year, setYear] = useState(thisYear);
  const days = useApi<{ days: CalendarDayInfo[]; warnings: string[] }>('/calendar', { from: `${year}-01-01`, to: `${year}-12-31` });
  const overrides = useApi<{ items: Override[] }>('/calendar/overrides', { year });
  const [csv, setCsv] = useState('');
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ date: Dayjs; workday: boolean; name?: string; source: string }>();

  const reloadAll = (): void => { days.reload(); overrides.reload(); };
  const run = async (fn: () => Promise<void>): Promise<void> => {
    setBusy(true);
    try { await fn(); reloadAll(); } catch (e) {
      void message.error(e instanceof ApiError ? `${e.details.row ? `#${String(e.details.row)} ` : ''}${bareMessage(e)}` : String(e));
    } finally { setBusy(false); }
  };

  const months = Array.from({ length: 12 }, (_, m) => (days.data?.days ?? []).filter((d) => Number(d.date.slice(5, 7)) === m + 1));

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Flex gap={12} align="center" wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('workorders.calendar.title')}</Typography.Title>
        <Select value={year} onChange={setYear} options={[thisYear - 1, thisYear, thisYear + 1, thisYear + 2].map((y) => ({ value: y, label: String(y) }))} data-testid="cal-year" />
        <Space size={4} wrap>
          <Tag color="red">{t('workorders.calendar.holiday')}</Tag>
          <Tag color="orange">{t('workorders.calendar.adjusted')}</Tag>
          <Tag>{t('workorders.calendar.weekend')}</Tag>
          <Tag color="blue">{t('workorders.calendar.override')}</Tag>
        </Space>
      </Flex>
      {days.error && <ErrorAlert error={days.error} onRetry={days.reload} />}
      {(days.data?.warnings.length ?? 0) > 0 && <Alert type="warning" showIcon title={t('workorders.calendar.fallbackWarning')} data-testid="cal-warning" />}
      <Row gutter={[12, 12]}>
        {months.map((m, i) => <Col key={i} xs={24} sm={12} md={8} xl={6}><Month days={m} /></Col>)}
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('workorders.calendar.setDay')}>
            <Form form={form} layout="vertical" initialValues={{ workday: false }} onFinish={(v) => void run(async () => {
              await request(`/calendar/overrides/${v.date.format('YYYY-MM-DD')}`, { method: 'PUT', body: { workday: v.workday, name: v.name ?? '', source: v.source } });
              void message.success(t('workorders.calendar.saved'));
            })}>
              <Form.Item name="date" label={t('workorders.calendar.date')} rules={[{ required: true }]}><DatePicker /></Form.Item>
              <Form.Item name="workday" label={t('workorders.calendar.isWorkday')} valuePropName="checked"><Switch /></Form.Item>
              <Form.Item name="name" label={t('workorders.calendar.name')}><Input maxLength={50} /></Form.Item>
              <Form.Item name="source" label={t('workorders.calendar.source')} rules={[{ required: true, min: 2 }]}><Input maxLength={200} /></Form.Item>
              <Button type="primary" htmlType="submit" loading={busy}>{t('workorders.calendar.save')}</Button>
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('workorders.calendar.import')}>
            <Typography.Paragraph type="secondary">{t('workorders.calendar.importHelp')}</Typography.Paragraph>
            <Input.TextArea rows={7} value={csv} onChange={(e) => setCsv(e.target.value)} placeholder={'date,workday,name,source\n2027-02-05,休,春节,国办发明电〔2026〕X号'} data-testid="cal-csv" />
            <Button style={{ marginTop: 8 }} type="primary" disabled={csv.trim() === ''} loading={busy} data-testid="cal-import" onClick={() => void run(async () => {
              const r = await request<{ loaded: number }>('/calendar/overrides/import', { method: 'POST', body: { csv } });
              void message.success(t('workorders.calendar.loaded', { n: r.loaded }));
              setCsv('');
            })}>{t('workorders.calendar.importButton')}</Button>
          </Card>
        </Col>
      </Row>
      <Card title={t('workorders.calendar.overrides')}>
        {overrides.error && <ErrorAlert error={overrides.error} onRetry={overrides.reload} />}
        <Table<Override>
          size="small"
          rowKey="day"
          loading={overrides.loading}
          dataSource={overrides.data?.items ?? []}
          pagination={false}
          scroll={{ x: true }}
          columns={[
            { title: t('workorders.calendar.date'), dataIndex: 'day' },
            { title: t('workorders.calendar.isWorkday'), dataIndex: 'workday', render: (w: boolean) => (w ? <Tag color="orange">班</Tag> : <Tag color="red">休</Tag>) },
            { title: t('workorders.calendar.name'), dataIndex: 'name' },
            { title: t('workorders.calendar.source'), dataIndex: 'source' },
            { title: t('workorders.calendar.by'), render: (_, o) => `${o.createdBy} · ${formatDateTime(o.createdAt)}` },
            {
              title: '', render: (_, o) => (
                <Popconfirm title={t('workorders.calendar.remove')} onConfirm={() => void run(async () => {
                  await request(`/calendar/overrides/${o.day}`, { method: 'DELETE' });
                  void message.success(t('workorders.calendar.removed'));
                })}>
                  <Button size="small" danger>{t('workorders.calendar.remove')}</Button>
                </Popconfirm>
              ),
            },
          ]}
        />
      </Card>
    </Space>
  );
}
