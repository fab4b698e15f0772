/** One elder's file (一人一档): consent, contacts, health, visit plan and log, absences, devices, alarms. */
import { useState, type ReactNode } from 'react';
import { bj, useEt as useTranslation } from '../eldercare/i18n.ts';
import { useParams } from 'react-router-dom';
import { App, Button, Card, Col, DatePicker, Descriptions, Form, Input, InputNumber, Modal, Row, Select, Space, Table, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
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

interface DeviceForm { id: string; kind: string; vendor: string; serial: string; room: string; mounting?: string; mountingHeightM?: number; installedAt: Dayjs; installedBy: string }

/** Registers a device; the server answers with the installation warnings of guard.params. */
function NewDevice({ personId, onDone }: { personId: number; onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<DeviceForm>();
  const submit = async (v: DeviceForm): Promise<void> => {
    try {
      const d = await request<{ warnings: { message: { zh: string } }[] }>('/eldercare/devices', { method: 'POST', body: { ...v, personId, installedAt: v.installedAt.toISOString() } });
      if (d.warnings.length > 0) void message.warning(d.warnings.map((w) => w.message.zh).join('；'));
      else void message.success(t('eldercare.elder.saved'));
      setOpen(false);
      form.resetFields();
      onDone();
    } catch (e) {
      if (e instanceof ApiError && e.field) form.setFields([{ name: e.field as keyof DeviceForm, errors: [e.message] }]);
      else void message.error(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)}>{t('eldercare.newDevice.add')}</Button>
      <Modal open={open} title={t('eldercare.newDevice.title')} onCancel={() => setOpen(false)} onOk={() => form.submit()} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} initialValues={{ kind: 'call-button', room: 'living-room', installedAt: dayjs() }}>
          <Form.Item name="id" label={t('eldercare.device.id')} rules={[{ required: true }]}><Input /></Form.Item>
          <Space wrap>
            <Form.Item name="kind" label={t('eldercare.device.kind')}><Select style={{ width: 160 }} options={['call-button', 'presence', 'fall-radar', 'door'].map((k) => ({ value: k, label: t(`eldercare.deviceKind.${k}`) }))} /></Form.Item>
            <Form.Item name="vendor" label={t('eldercare.device.vendor')} rules={[{ required: true }]}><Input /></Form.Item>
            <Form.Item name="serial" label={t('eldercare.device.serial')} rules={[{ required: true }]}><Input /></Form.Item>
          </Space>
          <Space wrap>
            <Form.Item name="room" label={t('eldercare.device.room')}><Select style={{ width: 130 }} options={['living-room', 'bedroom', 'bathroom', 'kitchen', 'entrance', 'worn'].map((k) => ({ value: k, label: t(`eldercare.room.${k}`) }))} /></Form.Item>
            <Form.Item name="mounting" label={t('eldercare.newDevice.mounting')}><Select allowClear style={{ width: 110 }} options={['ceiling', 'wall', 'door', 'table', 'worn'].map((k) => ({ value: k, label: t(`eldercare.mounting.${k}`) }))} /></Form.Item>
            <Form.Item name="mountingHeightM" label={t('eldercare.newDevice.height')}><InputNumber min={0} max={10} step={0.1} /></Form.Item>
          </Space>
          <Space wrap>
            <Form.Item name="installedAt" label={t('eldercare.newDevice.installedAt')} rules={[{ required: true }]}><DatePicker showTime /></Form.Item>
            <Form.Item name="installedBy" label={t('eldercare.newDevice.installedBy')} rules={[{ required: true }]}><Input /></Form.Item>
          </Space>
        </Form>
      </Modal>
    </>
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
      <Card size="small" title={t('eldercare.elder.devices')} style={{ marginTop: 12 }} extra={canWrite ? <NewDevice personId={personId} onDone={reload} /> : null}><DevicesTable items={f.devices} /></Card>
      <Card size="small" title={t('eldercare.elder.alarms')} style={{ marginTop: 12 }}>
        <Table size="small" rowKey="id" pagination={{ pageSize: 10 }} dataSource={f.alarms} columns={[
          { title: t('eldercare.seat.opened'), key: 'o', render: (_, a) => bj(a.openedAt) }, { title: '', key: 'r', render: (_, a) => t(`eldercare.rule.${a.rule}`, { defaultValue: a.ruleLabel }) },
          { title: '', key: 's', render: (_, a) => t(`eldercare.status.${a.status}`) }, { title: t('eldercare.seat.outcome'), key: 'u', render: (_, a) => (a.outcome ? t(`eldercare.outcome.${a.outcome}`) : '') }]} />
      </Card>
    </div>
  );
}
