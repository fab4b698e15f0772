/** One elder's file (一人一档): consent, contacts, health, visit plan and log, absences, devices, alarms. */
import { useState, type ReactNode } from 'react';
import { bj, useEt as useTranslation } from '../eldercare/i18n.ts';
import { useParams } from 'react-router-dom';
import { App, Button, Card, Col, DatePicker, Descriptions, Form, Input, Row, Select, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { ApiError, request, useApi } from '../api.ts';
import { useMe } from '../auth.tsx';
import ErrorAlert from '../components/ErrorAlert.tsx';
import type { ElderFile } from '../eldercare/types.ts';
import { DevicesTable } from './eldercare.tsx';

function VisitForm({ personId, onDone }: { personId: number; onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ visitedAt: Dayjs; kind: string; note?: string }>();
  const submit = async (v: { visitedAt: Dayjs; kind: string; note?: string }): Promise<void> => {
    try {
      await request(`/eldercare/elders/${personId}/visits`, { method: 'POST', body: { visitedAt: v.visitedAt.toISOString(), kind: v.kind, note: v.note ?? '' } });
      void message.success(t('eldercare.elder.saved'));
      form.resetFields();
      onDone();
    } catch (e) { void message.error(e instanceof ApiError ? e.message : String(e)); }
  };
  return (
    <Form form={form} layout="inline" onFinish={(v) => void submit(v)} initialValues={{ kind: 'home' }}>
      <Form.Item name="visitedAt" rules={[{ required: true }]}><DatePicker showTime /></Form.Item>
      <Form.Item name="kind"><Select style={{ width: 100 }} options={['home', 'phone', 'video'].map((k) => ({ value: k, label: t(`eldercare.visitKind.${k}`) }))} /></Form.Item>
      <Form.Item name="note"><Input placeholder={t('eldercare.seat.note')} /></Form.Item>
      <Button htmlType="submit">{t('eldercare.elder.logVisit')}</Button>
    </Form>
  );
}

function AbsenceForm({ personId, onDone }: { personId: number; onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ kind: string; range: [Dayjs, Dayjs]; note?: string }>();
  const submit = async (v: { kind: string; range: [Dayjs, Dayjs]; note?: string }): Promise<void> => {
    try {
      await request(`/eldercare/elders/${personId}/absences`, { method: 'POST', body: { kind: v.kind, startsAt: v.range[0].toISOString(), endsAt: v.range[1].toISOString(), note: v.note ?? '' } });
      void message.success(t('eldercare.elder.saved'));
      form.resetFields();
      onDone();
    } catch (e) { void message.error(e instanceof ApiError ? e.message : String(e)); }
  };
  return (
    <Form form={form} layout="inline" onFinish={(v) => void submit(v)} initialValues={{ kind: 'hospital' }}>
      <Form.Item name="kind"><Select style={{ width: 100 }} options={['away', 'hospital'].map((k) => ({ value: k, label: t(`eldercare.absence.${k}`) }))} /></Form.Item>
      <Form.Item name="range" rules={[{ required: true }]}><DatePicker.RangePicker showTime /></Form.Item>
      <Button htmlType="submit">{t('eldercare.elder.addAbsence')}</Button>
    </Form>
  );
}

export default function ElderPage(): ReactNode {
  const { t } = useTranslation();
  const me = useMe();
  const personId = Number(useParams().personId);
  const res = useApi<ElderFile>(`/eldercare/elders/${personId}`);
  const [, setTick] = useState(0);
  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  const f = res.data;
  if (!f) return <Card loading />;
  const reload = (): void => { res.reload(); setTick((x) => x + 1); };
  const canWrite = me.permissions.includes('eldercare.write');
  return (
    <div data-testid="elder-file">
      <Typography.Title level={3}>{f.name} <Tag color={f.riskTier === 'high' ? 'red' : undefined}>{t('eldercare.elder.risk')}：{t(`eldercare.tier.${f.riskTier}`)}</Tag>{f.bedBound ? <Tag>{t('eldercare.elder.bedBound')}</Tag> : null}</Typography.Title>
      <Row gutter={12}>
        <Col xs={24} lg={12}>
          <Card size="small" title={t('eldercare.elder.consent')}>
            <Descriptions size="small" column={1} items={[
              { key: 'c', label: t('eldercare.elder.community'), children: f.communityName ?? '—' },
              { key: 'p', label: t('eldercare.elder.phone'), children: f.phone ?? '—' },
              { key: 's', label: t('eldercare.elder.source'), children: f.candidateSource === 'policy' ? t('eldercare.elder.policy') : `${t('eldercare.elder.staff')}：${f.staffReason ?? ''}` },
              { key: 'by', label: t('eldercare.elder.consentBy'), children: `${f.consent.by} · ${t(`eldercare.consentMethod.${f.consent.method}`)}${f.consent.witness ? ` · ${f.consent.witness}` : ''} · ${bj(f.consent.at)}` },
              { key: 'h', label: t('eldercare.elder.health'), children: f.healthNotes || '—' },
              { key: 'r', label: t('eldercare.elder.rules'), children: <Typography.Text code>{JSON.stringify(f.ruleParams.effective)}</Typography.Text> },
            ]} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card size="small" title={t('eldercare.elder.contacts')}>
            <Table size="small" rowKey="id" pagination={false} dataSource={f.contacts} columns={[
              { title: t('eldercare.elder.priority'), dataIndex: 'priority' }, { title: t('eldercare.elder.name'), dataIndex: 'name' },
              { title: t('eldercare.elder.relation'), dataIndex: 'relation' }, { title: t('eldercare.elder.phone'), dataIndex: 'phone' }]} />
          </Card>
          <Card size="small" title={`${t('eldercare.elder.visitPlan')}：${t('eldercare.elder.every', { n: f.visitPlan.everyDays })}`} style={{ marginTop: 12 }}
            extra={f.visitPlan.overdue ? <Tag color="red">{t('eldercare.elder.overdue')}</Tag> : null}>
            <Typography.Paragraph>{t('eldercare.elder.nextDue')}：{bj(f.visitPlan.nextDueAt)}</Typography.Paragraph>
            <VisitForm personId={personId} onDone={reload} />
            <Table size="small" rowKey="id" pagination={{ pageSize: 5 }} dataSource={f.visits} columns={[
              { title: t('eldercare.elder.visits'), key: 'a', render: (_, v) => bj(v.visitedAt) }, { title: t('eldercare.elder.kind'), key: 'k', render: (_, v) => t(`eldercare.visitKind.${v.kind}`) },
              { title: '', dataIndex: 'visitor' }, { title: t('eldercare.seat.note'), dataIndex: 'note' }]} />
          </Card>
        </Col>
      </Row>
      <Card size="small" title={t('eldercare.elder.absences')} style={{ marginTop: 12 }}>
        {canWrite ? <AbsenceForm personId={personId} onDone={reload} /> : null}
        <Space wrap style={{ marginTop: 8 }}>{f.absences.map((a) => <Tag key={a.id} color={a.current ? 'orange' : undefined}>{t(`eldercare.absence.${a.kind}`)} {bj(a.startsAt)} → {bj(a.endsAt)}</Tag>)}</Space>
      </Card>
      <Card size="small" title={t('eldercare.elder.devices')} style={{ marginTop: 12 }}><DevicesTable items={f.devices} /></Card>
      <Card size="small" title={t('eldercare.elder.alarms')} style={{ marginTop: 12 }}>
        <Table size="small" rowKey="id" pagination={{ pageSize: 10 }} dataSource={f.alarms} columns={[
          { title: t('eldercare.seat.opened'), key: 'o', render: (_, a) => bj(a.openedAt) }, { title: '', key: 'r', render: (_, a) => t(`eldercare.rule.${a.rule}`, { defaultValue: a.ruleLabel }) },
          { title: '', key: 's', render: (_, a) => t(`eldercare.status.${a.status}`) }, { title: t('eldercare.seat.outcome'), key: 'u', render: (_, a) => (a.outcome ? t(`eldercare.outcome.${a.outcome}`) : '') }]} />
      </Card>
    </div>
  );
}
