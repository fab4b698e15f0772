/** The complaints inbox of the caller's region: accept, add notes, reply; contacts masked unless revealed with a reason. */
import { useRef, useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import { usePt as useTranslation } from './i18n.ts';
import { App, Button, Checkbox, Descriptions, Drawer, Empty, Input, Space, Table, Tag, Timeline, Typography } from 'antd';
import { request, useApi, ApiError } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import type { StaffComplaint } from './types.ts';

function ComplaintDrawer({ id, onClose, onChanged }: { id: number; onClose: () => void; onChanged: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const res = useApi<StaffComplaint>(`/complaints/${id}`);
  const [text, setText] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [contact, setContact] = useState<string | null>(null);
  // One key per action being prepared: a double click sends the same key and is stored once.
  const newKey = (): string => `web-${id}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const actionKey = useRef(newKey());
  const act = async (kind: 'accept' | 'note' | 'reply'): Promise<void> => {
    try {
      await request(`/complaints/${id}/actions`, { method: 'POST', body: { kind, text: kind === 'accept' ? undefined : text, public: isPublic, clientKey: `${actionKey.current}-${kind}` } });
      actionKey.current = newKey();
      if (kind !== 'accept') setText(''); // what is being typed stays while an accept completes
      res.reload();
      onChanged();
    } catch (e) {
      void message.error(e instanceof ApiError ? e.message : String(e));
    }
  };
  const reveal = (): void => {
    let reason = '';
    modal.confirm({
      title: t('projects.complaint.reveal'),
      content: <Input aria-label={t('projects.complaint.revealReason')} placeholder={t('projects.complaint.revealReason')} onChange={(e) => { reason = e.target.value; }} />,
      onOk: async () => {
        try {
          const r = await request<{ contactName: string | null; contactPhone: string | null }>(`/complaints/${id}/reveal`, { method: 'POST', body: { reason } });
          setContact([r.contactName, r.contactPhone].filter(Boolean).join(' '));
        } catch (e) {
          void message.error(e instanceof ApiError ? e.message : String(e));
          throw e;
        }
      },
    });
  };
  const c = res.data;
  return (
    <Drawer open width={560} onClose={onClose} title={c ? `#${c.id} ${c.regionName}` : ''}>
      {res.error ? <ErrorAlert error={res.error} /> : null}
      {c ? (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Descriptions size="small" column={1} items={[
            { key: 'status', label: t('projects.complaint.status'), children: <Tag>{t(`projects.complaintStatus.${c.status}`)}</Tag> },
            { key: 'place', label: t('projects.complaint.place'), children: c.place },
            { key: 'desc', label: t('projects.complaint.description'), children: <span style={{ whiteSpace: 'pre-wrap' }}>{c.description}</span> },
            { key: 'office', label: t('projects.complaint.office'), children: c.office },
            { key: 'due', label: t('projects.complaint.due'), children: <>{formatDateTime(c.dueAt)} {c.overdue ? <Tag color="red">{t('projects.complaint.overdue')}</Tag> : null}</> },
            { key: 'contact', label: t('projects.complaint.contact'), children: <Space>{contact ?? ([c.contactName, c.contactPhone].filter(Boolean).join(' ') || '—')}
              {c.contactPhone && !contact ? <Button size="small" onClick={reveal}>{t('projects.complaint.reveal')}</Button> : null}</Space> },
            { key: 'wo', label: t('projects.complaint.workOrder'), children: c.workOrderId ? `#${c.workOrderId}` : '—' },
          ]} />
          <Typography.Title level={5}>{t('projects.complaint.timeline')}</Typography.Title>
          <Timeline items={(c.events ?? []).map((e) => ({ key: `${e.at}${e.kind}`, content: <>
            <b>{e.label}</b> {e.public ? null : <Tag>{t('projects.complaint.internal')}</Tag>} <Typography.Text type="secondary">{formatDateTime(e.at)} {e.office ?? e.actor}</Typography.Text>
            {e.note ? <div style={{ whiteSpace: 'pre-wrap' }}>{e.note}</div> : null}{e.score ? <div>{'★'.repeat(e.score)}</div> : null}
          </> }))} />
          {c.status !== 'closed' ? (
            <Space orientation="vertical" style={{ width: '100%' }}>
              {c.status === 'received' ? <Button onClick={() => void act('accept')} data-testid="complaint-accept">{t('projects.complaint.accept')}</Button> : null}
              <Input.TextArea rows={3} value={text} onChange={(e) => setText(e.target.value)} aria-label={t('projects.complaint.replyText')} placeholder={t('projects.complaint.replyText')} />
              <Space>
                <Button type="primary" onClick={() => void act('reply')} data-testid="complaint-reply">{t('projects.complaint.reply')}</Button>
                <Button onClick={() => void act('note')}>{t('projects.complaint.note')}</Button>
                <Checkbox checked={isPublic} onChange={(e) => setPublic(e.target.checked)}>{t('projects.complaint.notePublic')}</Checkbox>
              </Space>
            </Space>
          ) : null}
        </Space>
      ) : null}
    </Drawer>
  );
}

export default function ComplaintsTab(): ReactNode {
  const { t, i18n } = useTranslation();
  const res = useApi<{ total: number; items: StaffComplaint[] }>('/complaints', { limit: 200 });
  const cats = useApi<{ items: Array<{ code: string; label: string; labelEn: string }> }>('/public/complaint-categories');
  const catLabel = (code: string): string => { const c = cats.data?.items.find((x) => x.code === code); return c ? (i18n.language === 'en' ? c.labelEn : c.label) : code; };
  // A work order links here with ?complaint=ID (its payload.console).
  const [params] = useSearchParams();
  const [open, setOpen] = useState<number | null>(Number(params.get('complaint')) || null);
  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  if (!res.loading && (res.data?.items.length ?? 0) === 0) return <Empty description={t('projects.complaint.empty')} />;
  return (
    <>
      <Table<StaffComplaint> size="small" rowKey="id" loading={res.loading} dataSource={res.data?.items} data-testid="complaints-table"
        onRow={(c) => ({ onClick: () => setOpen(c.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: '#', dataIndex: 'id' },
          { title: t('projects.complaint.category'), key: 'category', render: (_, c) => catLabel(c.category) },
          { title: t('projects.complaint.place'), key: 'place', render: (_, c) => `${c.regionName} ${c.place}` },
          { title: t('projects.complaint.description'), dataIndex: 'description', ellipsis: true },
          { title: t('projects.complaint.status'), key: 'status', render: (_, c) => <Tag>{t(`projects.complaintStatus.${c.status}`)}</Tag> },
          { title: t('projects.complaint.due'), key: 'due', render: (_, c) => <>{formatDateTime(c.dueAt)} {c.overdue ? <Tag color="red">{t('projects.complaint.overdue')}</Tag> : null}</> },
          { title: t('projects.complaint.contact'), key: 'contact', render: (_, c) => [c.contactName, c.contactPhone].filter(Boolean).join(' ') || '—' },
        ]} />
      {open !== null ? <ComplaintDrawer id={open} onClose={() => setOpen(null)} onChanged={res.reload} /> : null}
    </>
  );
}
