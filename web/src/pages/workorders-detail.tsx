import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { App, Button, Card, Result, Descriptions, Flex, Form, Input, Modal, Radio, Select, Space, Table, Tag, Timeline, Typography } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { ApiError, bareMessage, request, useApi, type WorkOrderAction, type WorkOrderAssignee, type WorkOrderDetail } from '../api.ts';
import { useAuth } from '../auth.tsx';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { enumLabel } from '../labels.ts';
import { assigneeLabel, PriorityTag, SlaClock, StatusTag, typeLabel, useNow } from './workorders-common.tsx';

type ConsoleKind = 'accepted' | 'note' | 'visit' | 'resolved' | 'closed' | 'assigned' | 'reopened';
const NEEDS_NOTE: ReadonlySet<ConsoleKind> = new Set(['note', 'visit', 'resolved']);
const REASSIGN_ROLES = ['grid-worker', 'community-worker', 'street-staff', 'responder'];
const TIMELINE_COLORS: Partial<Record<WorkOrderAction['kind'], string>> = {
  created: 'blue', escalated: 'red', timeout: 'red', acknowledged: 'green', resolved: 'green', closed: 'gray', notified: 'gray',
};

/** Which console actions fit the order's status (the server refuses the rest anyway). */
function actionsFor(status: WorkOrderDetail['status']): ConsoleKind[] {
  if (status === 'open') return ['accepted', 'note', 'visit', 'resolved', 'assigned', 'closed'];
  if (status === 'accepted') return ['note', 'visit', 'resolved', 'assigned', 'closed'];
  if (status === 'resolved') return ['closed', 'note', 'reopened'];
  return ['reopened'];
}

function ActionText({ a, order }: { a: WorkOrderAction; order: WorkOrderDetail }): ReactNode {
  const { t } = useTranslation();
  const data = a.data ?? {};
  const from = data.from as WorkOrderAssignee | undefined;
  const to = (data.to as WorkOrderAssignee | undefined) ?? a.assignee ?? undefined;
  return (
    <div>
      <Space wrap size={6}>
        <Typography.Text strong>{t(`workorders.actions.${a.kind}`)}</Typography.Text>
        <Typography.Text type="secondary" data-testid="action-time">{formatDateTime(a.at)}</Typography.Text>
        <Typography.Text type="secondary">{t('workorders.detail.by')} {a.actor}</Typography.Text>
      </Space>
      {(a.kind === 'escalated' || a.kind === 'assigned') && to && (
        <div>{from ? `${t('workorders.detail.from')} ${assigneeLabel(t, from, order)} ` : ''}{t('workorders.detail.to')} {assigneeLabel(t, to, order)}</div>
      )}
      {typeof data.via === 'string' && <div>{t('workorders.detail.via')}: {data.via}{typeof data.method === 'string' ? ` (${data.method})` : ''}{typeof data.name === 'string' ? ` · ${data.name}` : ''}</div>}
      {typeof data.finding === 'string' && <Tag color={data.finding === 'confirmed' ? 'orange' : 'default'}>{t(`workorders.act.${data.finding === 'confirmed' ? 'confirmed' : 'rejected'}`)}</Tag>}
      {a.note && <div style={{ whiteSpace: 'pre-wrap' }}>{a.note}</div>}
    </div>
  );
}

interface ActFormValues { note?: string; finding?: 'confirmed' | 'rejected'; role?: string; gridId?: string }

/** `/workorders/:id`: the order, its SLA clock, the action timeline and the buttons to act. */
export default function WorkOrderDetailPage(): ReactNode {
  const { t } = useTranslation();
  const { id } = useParams();
  const { can } = useAuth();
  const { message } = App.useApp();
  const { data, error, loading, reload } = useApi<WorkOrderDetail>(`/workorders/${id ?? ''}`);
  const now = useNow(1000, data?.serverTime);
  const [acting, setActing] = useState<ConsoleKind | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<ActFormValues>();

  if (error?.status === 404) return <Result status="404" title={t('workorders.detail.notFound')} extra={<Link to="/workorders">{t('workorders.detail.back')}</Link>} data-testid="not-found" />;
  if (error) return <ErrorAlert error={error} onRetry={reload} />;
  if (!data) return <Card loading={loading} />;

  const submit = async (kind: ConsoleKind, values: ActFormValues): Promise<void> => {
    setBusy(true);
    try {
      await request(`/workorders/${data.id}/actions`, {
        method: 'POST',
        body: {
          kind, clientActionId: crypto.randomUUID(),
          ...(values.note ? { note: values.note } : {}),
          ...(values.finding ? { data: { finding: values.finding } } : {}),
          ...(kind === 'assigned' ? { assignee: { role: values.role, ...(values.gridId ? { gridId: values.gridId } : {}) } } : {}),
        },
      });
      void message.success(t('workorders.act.done'));
      setActing(null);
      form.resetFields();
      reload();
    } catch (e) {
      void message.error(e instanceof ApiError ? bareMessage(e) : String(e));
    } finally {
      setBusy(false);
    }
  };

  const start = (kind: ConsoleKind): void => {
    if (kind === 'accepted' || kind === 'reopened') void submit(kind, {});
    else { form.resetFields(); setActing(kind); }
  };

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Link to="/workorders"><ArrowLeftOutlined /> {t('workorders.detail.back')}</Link>
      <Card>
        <Flex wrap gap={8} align="center" style={{ marginBottom: 8 }}>
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="wo-title">{data.title}</Typography.Title>
          <StatusTag status={data.status} />
          <PriorityTag priority={data.priority} />
          {data.overdue && <Tag color="red">{t('workorders.overdue')}</Tag>}
        </Flex>
        <Flex wrap gap={8} align="center" style={{ marginBottom: 12 }}>
          <SlaClock order={data} now={now} />
          {data.dueAt && <Typography.Text type="secondary">{t('workorders.sla.dueAt', { at: new Date(data.dueAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) })}</Typography.Text>}
        </Flex>
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 2, lg: 3 }}
          items={[
            { key: 'type', label: t('workorders.type'), children: typeLabel(t, data.type) },
            { key: 'assignee', label: t('workorders.assignee'), children: <span data-testid="wo-assignee">{assigneeLabel(t, data.assignee, data)}</span> },
            { key: 'subject', label: t('workorders.subject'), children: data.subject.kind === 'person' ? <Link to={`/persons/${data.subject.id}`}>{`#${data.subject.id}`}</Link> : data.subject.kind === 'household' ? <Link to={`/households/${data.subject.id}`}>{`#${data.subject.id}`}</Link> : data.subject.kind === 'task' ? '—' : `${data.subject.kind} ${data.subject.id}` },
            { key: 'created', label: t('workorders.created'), children: formatDateTime(data.createdAt) },
            { key: 'region', label: t('workorders.region'), children: `${data.regionName ?? data.regionCode}${data.gridId ? ` · ${data.gridName ?? data.gridId}` : ''}` },
            ...(data.escalationLevel > 0 ? [{ key: 'esc', label: t('workorders.actions.escalated'), children: t('workorders.escalationLevel', { n: data.escalationLevel }) }] : []),
          ]}
        />
        {can('workorders.act') && (
          <Flex wrap gap={8} style={{ marginTop: 12 }}>
            {actionsFor(data.status).map((k) => (
              <Button key={k} type={k === 'accepted' || k === 'resolved' ? 'primary' : 'default'} size="large" loading={busy && acting === null} onClick={() => start(k)} data-testid={`wo-act-${k}`}>
                {t(`workorders.act.${k}`)}
              </Button>
            ))}
          </Flex>
        )}
      </Card>
      <Card title={t('workorders.detail.timeline')}>
        <Timeline
          data-testid="wo-timeline"
          items={data.actions.map((a) => ({ key: a.seq, color: TIMELINE_COLORS[a.kind] ?? 'blue', content: <ActionText a={a} order={data} /> }))}
        />
      </Card>
      {data.deliveries.length > 0 && (
        <Card title={t('workorders.detail.deliveries')}>
          <Table
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={data.deliveries}
            scroll={{ x: true }}
            columns={[
              { title: '#', dataIndex: 'id' },
              { title: 'SMS/voice', dataIndex: 'channel' },
              { title: t('workorders.assignee'), dataIndex: 'contactRef' },
              { title: t('workorders.status'), dataIndex: 'status', render: (s: string) => (s === 'pending' ? t('workorders.detail.dsPending') : s === 'sent' ? t('workorders.detail.dsSent') : s === 'failed' ? t('workorders.detail.dsFailed') : s === 'skipped' ? t('workorders.detail.dsSkipped') : s) },
              { title: t('workorders.actions.notified'), dataIndex: 'sentAt', render: (v: string | null) => formatDateTime(v) },
              { title: t('workorders.actions.acknowledged'), dataIndex: 'acknowledgedAt', render: (v: string | null) => formatDateTime(v) },
            ]}
          />
        </Card>
      )}
      <Modal
        open={acting !== null}
        title={acting ? t(`workorders.act.${acting}`) : ''}
        onCancel={() => setActing(null)}
        onOk={() => form.submit()}
        confirmLoading={busy}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" onFinish={(v) => { if (acting) void submit(acting, v); }}>
          {acting === 'visit' && (
            <Form.Item name="finding" label={t('workorders.act.finding')}>
              <Radio.Group options={[{ value: 'confirmed', label: t('workorders.act.confirmed') }, { value: 'rejected', label: t('workorders.act.rejected') }]} />
            </Form.Item>
          )}
          {acting === 'assigned' && (
            <>
              <Form.Item name="role" label={t('workorders.act.assignRole')} rules={[{ required: true }]}>
                <Select options={REASSIGN_ROLES.map((r) => ({ value: r, label: enumLabel(t, 'role', r) }))} />
              </Form.Item>
              <Form.Item name="gridId" label={t('workorders.act.assignGrid')}><Input /></Form.Item>
            </>
          )}
          <Form.Item
            name="note"
            label={t('workorders.act.noteLabel')}
            rules={acting && NEEDS_NOTE.has(acting) ? [{ required: true, whitespace: true, message: t('workorders.act.required') }] : []}
          >
            <Input.TextArea rows={4} placeholder={t('workorders.act.notePlaceholder')} data-testid="wo-note" />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
