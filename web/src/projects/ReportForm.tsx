/** A department's progress report: status, figures per target, milestones, note and evidence (photos uploaded first, links). */
import { useState, type ReactNode } from 'react';
import { usePt as useTranslation } from './i18n.ts';
import { App, Button, Card, Checkbox, DatePicker, Form, Input, InputNumber, Select, Space, Upload, type UploadFile } from 'antd';
import type { Dayjs } from 'dayjs';
import { MinusCircleOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import { TaskStatus } from '@minsheng/contracts';
import { request, uploadForm, ApiError } from '../api.ts';
import type { StaffTaskDetail } from './types.ts';

interface Values {
  status: TaskStatus; progress?: number; note: string; figures?: Record<string, number | null>; milestonesDone?: number[];
  links?: Array<{ title: string; url: string }>;
  actualStart?: Dayjs | null; actualEnd?: Dayjs | null;
}

export default function ReportForm({ task, onDone }: { task: StaffTaskDetail; onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (v: Values): Promise<void> => {
    const figures = Object.fromEntries(Object.entries(v.figures ?? {}).filter(([, n]) => typeof n === 'number')) as Record<string, number>;
    const uploads = files.filter((f) => f.status === 'done').map((f) => ({ uploadId: (f.response as { uploadId: number }).uploadId, title: f.name.slice(0, 100) }));
    setBusy(true);
    try {
      await request(`/projects/tasks/${task.id}/updates`, { method: 'POST', body: {
        status: v.status, progress: typeof v.progress === 'number' ? v.progress / 100 : null, note: v.note, figures,
        actualStart: v.actualStart ? v.actualStart.format('YYYY-MM-DD') : null, actualEnd: v.actualEnd ? v.actualEnd.format('YYYY-MM-DD') : null,
        milestonesDone: v.milestonesDone ?? [], links: (v.links ?? []).filter((l) => l?.url), uploads, clientKey: `web-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      } });
      void message.success(t('projects.form.submitted'));
      form.resetFields();
      setFiles([]);
      onDone();
    } catch (e) {
      void message.error(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title={t('projects.task.report')} data-testid="report-form">
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} initialValues={{ status: task.status === 'not-started' ? 'in-progress' : task.status }}>
        <Form.Item name="status" label={t('projects.form.status')} rules={[{ required: true }]}>
          <Select options={TaskStatus.map((s) => ({ value: s, label: t(`projects.status.${s}`) }))} />
        </Form.Item>
        {task.targets.length > 0 ? (
          <Form.Item label={t('projects.form.figures')}>
            <Space wrap>
              {task.targets.map((x) => (
                <Form.Item key={x.key} name={['figures', x.key]} noStyle>
                  <InputNumber min={0} addonBefore={x.label} addonAfter={`/ ${x.target}${x.unit}`} aria-label={x.label} data-testid={`figure-${x.key}`} />
                </Form.Item>
              ))}
            </Space>
          </Form.Item>
        ) : (
          <Form.Item name="progress" label={t('projects.form.progress')}><InputNumber min={0} max={100} /></Form.Item>
        )}
        {task.milestones.length > 0 ? (
          <Form.Item name="milestonesDone" label={t('projects.form.milestones')}>
            <Checkbox.Group options={task.milestones.map((m) => ({ value: m.id, label: m.title, disabled: m.done }))} />
          </Form.Item>
        ) : null}
        <Space wrap>
          <Form.Item name="actualStart" label={t('projects.form.actualStart')}><DatePicker /></Form.Item>
          <Form.Item name="actualEnd" label={t('projects.form.actualEnd')}><DatePicker /></Form.Item>
        </Space>
        <Form.Item name="note" label={t('projects.form.note')} rules={[{ required: true, min: 2 }]}>
          <Input.TextArea rows={3} data-testid="report-note" />
        </Form.Item>
        <Form.Item label={t('projects.form.photos')} extra={t('projects.form.photoHint')}>
          <Upload accept="image/jpeg,image/png,image/webp,application/pdf" listType="picture" fileList={files} onChange={({ fileList }) => setFiles(fileList)}
            customRequest={({ file, onSuccess, onError }) => {
              const fd = new FormData();
              fd.append('file', file as Blob);
              uploadForm<{ uploadId: number }>('/projects/uploads', fd).then((r) => onSuccess?.(r)).catch((e: unknown) => {
                void message.error(`${t('projects.form.uploadFailed')}: ${e instanceof Error ? e.message : String(e)}`);
                onError?.(e instanceof Error ? e : new Error(String(e)));
              });
            }}>
            <Button icon={<UploadOutlined />} data-testid="photo-upload">{t('projects.form.photos')}</Button>
          </Upload>
        </Form.Item>
        <Form.List name="links">
          {(fields, { add, remove }) => (
            <Form.Item label={t('projects.form.links')}>
              {fields.map((f) => (
                <Space key={f.key} align="baseline">
                  <Form.Item name={[f.name, 'title']} rules={[{ required: true }]}><Input placeholder={t('projects.form.linkTitle')} /></Form.Item>
                  <Form.Item name={[f.name, 'url']} rules={[{ required: true, type: 'url' }]}><Input placeholder="https://" /></Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button type="dashed" onClick={() => add()} icon={<PlusOutlined />}>{t('projects.form.addLink')}</Button>
            </Form.Item>
          )}
        </Form.List>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="report-submit">{t('projects.form.submit')}</Button>
      </Form>
    </Card>
  );
}
