import { useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { App, Button, Form, Input, InputNumber, Modal, Select } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { ApiError, bareMessage, request, type WorkOrderSummary } from '../api.ts';
import { useMe } from '../auth.tsx';
import { RegionPicker } from '../components/RegionPicker.tsx';
import { enumLabel } from '../labels.ts';

const ROLES = ['grid-worker', 'community-worker', 'street-staff', 'responder'];

interface Values { title: string; regionCode: string; role: string; gridId?: string; workingDays: number; note?: string }

/** "派单": staff hand out a task in their region to a role (a grid worker of a grid, the community…), with a deadline in working days. */
export default function NewTaskButton(): ReactNode {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<Values>();
  const [key, setKey] = useState(() => crypto.randomUUID());

  const submit = async (v: Values): Promise<void> => {
    setBusy(true);
    try {
      const order = await request<WorkOrderSummary>('/workorders', {
        method: 'POST',
        body: {
          title: v.title, regionCode: v.regionCode, due: { workingDays: v.workingDays }, clientKey: key,
          assignee: { role: v.role, ...(v.gridId ? { gridId: v.gridId } : {}) }, ...(v.gridId ? { gridId: v.gridId } : {}), ...(v.note ? { note: v.note } : {}),
        },
      });
      setOpen(false);
      setKey(crypto.randomUUID());
      form.resetFields();
      navigate(`/workorders/${order.id}`);
    } catch (e) {
      void message.error(e instanceof ApiError ? bareMessage(e) : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button icon={<PlusOutlined />} onClick={() => setOpen(true)} data-testid="wo-new">{t('workorders.create.button')}</Button>
      <Modal open={open} title={t('workorders.create.title')} onCancel={() => setOpen(false)} onOk={() => form.submit()} confirmLoading={busy} destroyOnHidden>
        <Form form={form} layout="vertical" initialValues={{ workingDays: 3, role: 'grid-worker', regionCode: me.roles[0]?.regionCode }} onFinish={(v) => void submit(v)}>
          <Form.Item name="title" label={t('workorders.create.taskTitle')} rules={[{ required: true, min: 2 }]}><Input maxLength={300} /></Form.Item>
          <Form.Item name="regionCode" label={t('workorders.region')} rules={[{ required: true }]}><RegionPicker /></Form.Item>
          <Form.Item name="role" label={t('workorders.act.assignRole')} rules={[{ required: true }]}>
            <Select options={ROLES.map((r) => ({ value: r, label: enumLabel(t, 'role', r) }))} />
          </Form.Item>
          <Form.Item name="gridId" label={t('workorders.act.assignGrid')}><Input maxLength={80} /></Form.Item>
          <Form.Item name="workingDays" label={t('workorders.create.workingDays')} rules={[{ required: true }]}><InputNumber min={0} max={60} /></Form.Item>
          <Form.Item name="note" label={t('workorders.act.noteLabel')}><Input.TextArea rows={3} maxLength={2000} /></Form.Item>
        </Form>
      </Modal>
    </>
  );
}
