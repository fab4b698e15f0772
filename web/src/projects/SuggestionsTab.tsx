/** Suggestion moderation: publish or reject, change topic, merge duplicates, adopt with an answer and link to a task. */
import { useState, type ReactNode } from 'react';
import { usePt as useTranslation } from './i18n.ts';
import { App, Button, Form, Input, InputNumber, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { SuggestionStatus, SuggestionTopic } from '@minsheng/contracts';
import { request, useApi, ApiError } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import type { StaffSuggestion, StaffTaskList } from './types.ts';

type Kind = 'publish' | 'reject' | 'categorise' | 'merge' | 'adopt' | 'not-adopt' | 'link';
const NEEDS_FORM: Partial<Record<Kind, true>> = { reject: true, categorise: true, merge: true, adopt: true, 'not-adopt': true, link: true };

export default function SuggestionsTab(): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [status, setStatus] = useState<string | undefined>();
  const res = useApi<{ total: number; items: StaffSuggestion[] }>('/suggestions', { status, limit: 200 });
  const tasks = useApi<StaffTaskList>('/projects/tasks');
  const [open, setOpen] = useState<{ s: StaffSuggestion; kind: Kind } | null>(null);
  const [form] = Form.useForm();

  const act = async (s: StaffSuggestion, kind: Kind, values: Record<string, unknown> = {}): Promise<void> => {
    const body: Record<string, unknown> = { kind };
    if (kind === 'reject') body.reason = values.text;
    if (kind === 'adopt' || kind === 'not-adopt') body.response = values.text;
    if (kind === 'categorise') body.topic = values.topic;
    if (kind === 'merge') body.into = values.into;
    if (kind === 'link') { body.targetKind = 'task'; body.targetId = values.task; }
    try {
      await request(`/suggestions/${s.id}/actions`, { method: 'POST', body });
      void message.success(t('projects.suggestion.done'));
      setOpen(null);
      form.resetFields();
      res.reload();
    } catch (e) {
      void message.error(e instanceof ApiError ? e.message : String(e));
    }
  };
  const start = (s: StaffSuggestion, kind: Kind): void => { if (NEEDS_FORM[kind]) setOpen({ s, kind }); else void act(s, kind); };

  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  const label = (k: Kind): string => ({ publish: t('projects.suggestion.publish'), reject: t('projects.suggestion.reject'), categorise: t('projects.suggestion.categorise'),
    merge: t('projects.suggestion.merge'), adopt: t('projects.suggestion.adopt'), 'not-adopt': t('projects.suggestion.notAdopt'), link: t('projects.suggestion.link') })[k];
  const actionsFor = (s: StaffSuggestion): Kind[] => (s.status === 'pending' ? ['publish', 'reject', 'categorise']
    : s.status === 'published' ? ['adopt', 'not-adopt', 'merge', 'categorise']
      : s.status === 'adopted' ? ['link', 'categorise'] : s.status === 'not-adopted' ? ['adopt', 'merge'] : []);
  return (
    <>
      <Space style={{ marginBottom: 8 }}>
        <span>{t('projects.suggestion.filter')}</span>
        <Select allowClear style={{ width: 160 }} value={status} onChange={setStatus} aria-label={t('projects.suggestion.filter')}
          options={SuggestionStatus.map((v) => ({ value: v, label: t(`projects.suggestionStatus.${v}`) }))} />
      </Space>
      <Table<StaffSuggestion> size="small" rowKey="id" loading={res.loading} dataSource={res.data?.items} data-testid="suggestions-table"
        expandable={{ expandedRowRender: (s) => <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{s.body}{s.response ? `\n— ${s.response}` : ''}</Typography.Paragraph> }}
        columns={[
          { title: '#', dataIndex: 'id' },
          { title: t('projects.suggestion.title'), dataIndex: 'title' },
          { title: t('projects.suggestion.topic'), key: 'topic', render: (_, s) => t(`projects.topic.${s.topic as SuggestionTopic}`) },
          { title: t('projects.suggestion.status'), key: 'status', render: (_, s) => <Tag>{t(`projects.suggestionStatus.${s.status as SuggestionStatus}`)}{s.mergedInto ? ` → #${s.mergedInto}` : ''}</Tag> },
          { title: t('projects.suggestion.region'), dataIndex: 'regionName' },
          { title: t('projects.suggestion.contact'), key: 'contact', render: (_, s) => (s.anonymous ? t('projects.suggestion.anonymous') : [s.contactName, s.contactPhone].filter(Boolean).join(' ')) },
          { title: t('projects.suggestion.submittedAt'), key: 'at', render: (_, s) => formatDateTime(s.submittedAt) },
          { title: t('projects.suggestion.actions'), key: 'actions', render: (_, s) => (
            <Space size={4} wrap>{actionsFor(s).map((k) => <Button key={k} size="small" data-testid={`suggestion-${k}`} onClick={() => start(s, k)}>{label(k)}</Button>)}</Space>
          ) },
        ]} />
      <Modal open={open !== null} title={open ? `${label(open.kind)} #${open.s.id}` : ''} onCancel={() => setOpen(null)} onOk={() => form.submit()} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(v: Record<string, unknown>) => { if (open) void act(open.s, open.kind, v); }}>
          {open && ['reject', 'adopt', 'not-adopt'].includes(open.kind) ? (
            <Form.Item name="text" label={open.kind === 'reject' ? t('projects.suggestion.reason') : t('projects.suggestion.response')} rules={[{ required: open.kind !== 'adopt', min: 2 }]}>
              <Input.TextArea rows={3} />
            </Form.Item>
          ) : null}
          {open?.kind === 'categorise' ? (
            <Form.Item name="topic" label={t('projects.suggestion.topic')} rules={[{ required: true }]}>
              <Select options={SuggestionTopic.map((v) => ({ value: v, label: t(`projects.topic.${v}`) }))} />
            </Form.Item>
          ) : null}
          {open?.kind === 'merge' ? (
            <Form.Item name="into" label={t('projects.suggestion.into')} rules={[{ required: true }]}><InputNumber min={1} /></Form.Item>
          ) : null}
          {open?.kind === 'link' ? (
            <Form.Item name="task" label={t('projects.suggestion.target')} rules={[{ required: true }]}>
              <Select showSearch optionFilterProp="label" options={(tasks.data?.items ?? []).map((x) => ({ value: x.id, label: x.title }))} />
            </Form.Item>
          ) : null}
        </Form>
      </Modal>
    </>
  );
}
