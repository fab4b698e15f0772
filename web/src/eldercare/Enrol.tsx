/**
 * Enrolment: the candidates the latest tianjin/elder-alone-guard run found eligible, and the form
 * that records the elder's voluntary consent (who, when, how), risk tier and relatives. A person
 * who is not a candidate can be enrolled from here too, with a reason.
 */
import { useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { App, Button, Checkbox, DatePicker, Form, Input, InputNumber, Modal, Select, Space, Table, Typography } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { ApiError, request, useApi } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { useEt as useTranslation } from './i18n.ts';

interface Candidate { personId: number; name: string; birthDate: string; communityCode: string | null; runId: number; decidedOn: string }
interface EnrolForm {
  personId: number; consentBy: string; consentAt: Dayjs; method: string; witness?: string; riskTier: string; bedBound: boolean;
  healthNotes?: string; reason?: string; contacts?: { name: string; relation: string; phone: string }[];
}

function EnrolModal({ personId, candidate, onClose }: { personId: number | null; candidate: boolean; onClose: (done: boolean) => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<EnrolForm>();
  const [busy, setBusy] = useState(false);
  const method = Form.useWatch('method', form);
  const submit = async (v: EnrolForm): Promise<void> => {
    setBusy(true);
    try {
      await request('/eldercare/elders', { method: 'POST', body: {
        personId: v.personId, consent: { by: v.consentBy, at: v.consentAt.toISOString(), method: v.method, ...(v.witness ? { witness: v.witness } : {}) },
        riskTier: v.riskTier, bedBound: v.bedBound, healthNotes: v.healthNotes ?? '', ...(v.reason ? { reason: v.reason } : {}),
        contacts: (v.contacts ?? []).map((c, i) => ({ ...c, priority: i + 1 })),
      } });
      void message.success(t('eldercare.elder.saved'));
      onClose(true);
      navigate(`/eldercare/elders/${v.personId}`);
    } catch (e) {
      // The server names its own fields (consent.by, contacts.0.phone); show the message at the matching input.
      const FIELD: Record<string, keyof EnrolForm> = { 'consent.by': 'consentBy', 'consent.at': 'consentAt', 'consent.witness': 'witness', reason: 'reason', personId: 'personId' };
      const name = e instanceof ApiError && e.field ? FIELD[e.field] : undefined;
      if (name && e instanceof ApiError) form.setFields([{ name, errors: [e.message] }]);
      void message.error(e instanceof ApiError ? e.message : String(e));
    } finally { setBusy(false); }
  };
  return (
    <Modal open={personId !== null} title={t('eldercare.enrol.title')} onCancel={() => onClose(false)} onOk={() => form.submit()} confirmLoading={busy} destroyOnHidden width={640}>
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} data-testid="enrol-form"
        initialValues={{ personId, consentBy: '本人', consentAt: dayjs(), method: 'signed-paper', riskTier: 'medium', bedBound: false, contacts: [{ name: '', relation: '', phone: '' }] }}>
        <Form.Item name="personId" label={t('eldercare.enrol.personId')} rules={[{ required: true }]}><InputNumber min={1} disabled={candidate} /></Form.Item>
        <Space wrap>
          <Form.Item name="consentBy" label={t('eldercare.elder.consentBy')} rules={[{ required: true }]}><Input /></Form.Item>
          <Form.Item name="consentAt" label={t('eldercare.enrol.consentAt')} rules={[{ required: true }]}><DatePicker showTime /></Form.Item>
          <Form.Item name="method" label={t('eldercare.elder.method')}>
            <Select style={{ width: 180 }} options={['signed-paper', 'verbal-witnessed', 'app'].map((m) => ({ value: m, label: t(`eldercare.consentMethod.${m}`) }))} />
          </Form.Item>
          {method === 'verbal-witnessed' ? <Form.Item name="witness" label={t('eldercare.enrol.witness')} rules={[{ required: true }]}><Input /></Form.Item> : null}
        </Space>
        <Space wrap>
          <Form.Item name="riskTier" label={t('eldercare.elder.risk')}><Select style={{ width: 100 }} options={['low', 'medium', 'high'].map((r) => ({ value: r, label: t(`eldercare.tier.${r}`) }))} /></Form.Item>
          <Form.Item name="bedBound" valuePropName="checked" label=" "><Checkbox>{t('eldercare.elder.bedBound')}</Checkbox></Form.Item>
        </Space>
        <Form.Item name="healthNotes" label={t('eldercare.elder.health')}><Input.TextArea rows={2} /></Form.Item>
        {!candidate ? <Form.Item name="reason" label={t('eldercare.enrol.reason')} rules={[{ required: true, min: 4 }]}><Input /></Form.Item> : null}
        <Typography.Text strong>{t('eldercare.elder.contacts')}</Typography.Text>
        <Form.List name="contacts">{(fields, { add, remove }) => (
          <>
            {fields.map((f) => (
              <Space key={f.key} align="baseline">
                <Form.Item name={[f.name, 'name']} rules={[{ required: true }]}><Input placeholder={t('eldercare.elder.name')} /></Form.Item>
                <Form.Item name={[f.name, 'relation']} rules={[{ required: true }]}><Input placeholder={t('eldercare.elder.relation')} style={{ width: 90 }} /></Form.Item>
                <Form.Item name={[f.name, 'phone']} rules={[{ required: true }]}><Input placeholder={t('eldercare.elder.phone')} /></Form.Item>
                <MinusCircleOutlined onClick={() => remove(f.name)} />
              </Space>
            ))}
            <Button type="dashed" onClick={() => add({ name: '', relation: '', phone: '' })} icon={<PlusOutlined />}>{t('eldercare.enrol.addContact')}</Button>
          </>
        )}</Form.List>
      </Form>
    </Modal>
  );
}

export default function Candidates(): ReactNode {
  const { t } = useTranslation();
  const res = useApi<{ items: Candidate[] }>('/eldercare/candidates', { limit: 500 });
  const [open, setOpen] = useState<{ personId: number | null; candidate: boolean }>({ personId: null, candidate: true });
  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  return (
    <div>
      <Space style={{ marginBottom: 8 }}>
        <Typography.Text type="secondary">{t('eldercare.enrol.hint')}</Typography.Text>
        <Button onClick={() => setOpen({ personId: 0, candidate: false })}>{t('eldercare.enrol.other')}</Button>
      </Space>
      <Table size="small" rowKey="personId" loading={res.loading} dataSource={res.data?.items} data-testid="candidates-table" columns={[
        { title: t('eldercare.elder.name'), key: 'n', render: (_, c) => <Link to={`/persons/${c.personId}`}>{c.name}</Link> },
        { title: t('eldercare.enrol.birth'), dataIndex: 'birthDate' },
        { title: t('eldercare.elder.community'), dataIndex: 'communityCode' },
        { title: t('eldercare.enrol.decided'), key: 'd', render: (_, c) => `${c.decidedOn} #${c.runId}` },
        { title: '', key: 'a', render: (_, c) => <Button size="small" type="primary" onClick={() => setOpen({ personId: c.personId, candidate: true })}>{t('eldercare.enrol.enrol')}</Button> },
      ]} />
      <EnrolModal personId={open.personId} candidate={open.candidate} onClose={(done) => { setOpen({ personId: null, candidate: true }); if (done) res.reload(); }} />
    </div>
  );
}
