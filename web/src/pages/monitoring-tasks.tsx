import { useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { App, Button, Card, Drawer, Empty, Flex, Form, Input, List, Radio, Segmented, Select, Space, Tag, Typography } from 'antd';
import { request, uploadForm, useApi, type ApiError } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { abilityLevels, enumLabel, fieldLabel, livingArrangements } from '../labels.ts';
import type { ChainView, TaskItem } from '../monitoring/types.ts';
import { useMt } from '../monitoring/i18n.ts';

const FIELDS = { livingArrangement: livingArrangements, abilityLevel: abilityLevels } as const;
const GROUP = { livingArrangement: 'living', abilityLevel: 'ability' } as const;
type Field = keyof typeof FIELDS;

/** The visit form: finding, notes, an optional photo and an optional correction of one member's file. */
function VisitDrawer({ task, onClose, onSaved }: { task: TaskItem; onClose: () => void; onSaved: () => void }): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  const { message } = App.useApp();
  const chain = useApi<ChainView>(task.chainId ? `/monitoring/chains/${task.chainId}` : null);
  const [outcome, setOutcome] = useState<'confirmed' | 'rejected'>('confirmed');
  const [notes, setNotes] = useState('');
  const [photo, setPhoto] = useState<File | null>(null);
  const [person, setPerson] = useState<number>();
  const [field, setField] = useState<Field>('livingArrangement');
  const [value, setValue] = useState<string>();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [clientActionId] = useState(() => `visit-${task.workOrderId}-${Date.now()}`);

  const submit = async (): Promise<void> => {
    if (!task.chainId) return;
    setBusy(true);
    setError(undefined);
    try {
      const photoIds: number[] = [];
      if (photo) {
        const form = new FormData();
        form.append('file', photo);
        photoIds.push((await uploadForm<{ id: number }>(`/monitoring/chains/${task.chainId}/photos`, form)).id);
      }
      const corrections = person && value ? [{ personId: person, patch: { [field]: value, reason } }] : [];
      await request(`/monitoring/chains/${task.chainId}/visit`, { method: 'POST', body: { workOrderId: task.workOrderId, outcome, notes, photoIds, corrections, clientActionId } });
      void message.success(mt('tasks.saved'));
      onSaved();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Drawer open placement="bottom" size="90%" onClose={onClose} title={`${task.headName ?? ''} · ${mt('tasks.visit')}`} data-testid="visit-drawer">
      <Form layout="vertical" onFinish={() => void submit()} style={{ maxWidth: 560, margin: '0 auto' }}>
        {task.reason && <Typography.Paragraph type="secondary">{task.reason}</Typography.Paragraph>}
        <Form.Item label={mt('tasks.outcome')} required>
          <Radio.Group value={outcome} onChange={(e) => setOutcome(e.target.value as typeof outcome)} optionType="button" buttonStyle="solid" size="large"
            options={[{ value: 'confirmed', label: mt('tasks.confirmed') }, { value: 'rejected', label: mt('tasks.rejected') }]} data-testid="visit-outcome" />
        </Form.Item>
        <Form.Item label={mt('tasks.notes')} required>
          <Input.TextArea rows={4} value={notes} onChange={(e) => setNotes(e.target.value)} placeholder={mt('tasks.notesPlaceholder')} maxLength={4000} data-testid="visit-notes" />
        </Form.Item>
        <Form.Item label={mt('tasks.photo')}>
          <input type="file" accept="image/jpeg,image/png,image/webp" capture="environment" onChange={(e) => setPhoto(e.target.files?.[0] ?? null)} data-testid="visit-photo" />
        </Form.Item>
        <Card size="small" title={mt('tasks.correction')} style={{ marginBottom: 16 }}>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Select allowClear placeholder={mt('tasks.correctionPerson')} value={person} onChange={setPerson} style={{ width: '100%' }} data-testid="correction-person"
              options={(chain.data?.members ?? []).map((m) => ({ value: m.personId, label: m.name }))} />
            <Select value={field} onChange={(f) => { setField(f); setValue(undefined); }} style={{ width: '100%' }}
              options={(Object.keys(FIELDS) as Field[]).map((f) => ({ value: f, label: fieldLabel(t, f) }))} />
            <Select allowClear placeholder={mt('tasks.correctionValue')} value={value} onChange={setValue} style={{ width: '100%' }} data-testid="correction-value"
              options={FIELDS[field].map((v: string) => ({ value: v, label: enumLabel(t, GROUP[field], v) }))} />
            <Input placeholder={mt('tasks.correctionReason')} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} data-testid="correction-reason" />
          </Space>
        </Card>
        {error && <ErrorAlert error={error} />}
        <Button type="primary" htmlType="submit" size="large" block loading={busy} disabled={notes.trim().length < 2} data-testid="visit-submit">{mt('tasks.submit')}</Button>
      </Form>
    </Drawer>
  );
}

/** `/monitoring/tasks`: the grid worker's verification tasks, one large card each (usable on a phone). */
export default function MonitoringTasksPage(): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  const [status, setStatus] = useState<'open' | 'done'>('open');
  const { data, error, loading, reload } = useApi<{ items: TaskItem[] }>('/monitoring/tasks', { status });
  const [visiting, setVisiting] = useState<TaskItem>();
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%', maxWidth: 640 }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{mt('tasks.title')}</Typography.Title>
      <Segmented block value={status} onChange={(v) => setStatus(v as typeof status)} options={[{ value: 'open', label: mt('tasks.open') }, { value: 'done', label: mt('tasks.done') }]} />
      {error && <ErrorAlert error={error} onRetry={reload} />}
      <List loading={loading} dataSource={data?.items ?? []} locale={{ emptyText: <Empty description={mt('tasks.empty')} /> }}
        renderItem={(task) => (
          <List.Item style={{ paddingInline: 0 }} data-testid="task-card">
            <Card size="small" style={{ width: '100%', borderColor: task.overdue ? '#ff4d4f' : undefined }}>
              <Flex justify="space-between" align="start" gap={8}>
                <Typography.Text strong style={{ fontSize: 17 }}>{task.headName ?? '—'}{task.members ? ` · ${mt('tasks.members', { n: task.members })}` : ''}</Typography.Text>
                {task.overdue && <Tag color="red">{mt('tasks.overdue')}</Tag>}
              </Flex>
              <div style={{ color: '#666', margin: '4px 0' }}>{task.address} {task.regionName}</div>
              {task.reason && <Typography.Paragraph style={{ margin: '6px 0' }} data-testid="task-reason">{task.reason}</Typography.Paragraph>}
              <Flex justify="space-between" align="center" wrap gap={8}>
                <span style={{ color: task.overdue ? '#cf1322' : undefined }}>{mt('tasks.due')} {formatDateTime(task.dueAt)}</span>
                <Space>
                  {task.chainId && <Link to={`/monitoring/chains/${task.chainId}`}>{mt('open')}</Link>}
                  {status === 'open' && <Button type="primary" size="large" onClick={() => setVisiting(task)} data-testid="task-visit">{mt('tasks.visit')}</Button>}
                </Space>
              </Flex>
            </Card>
          </List.Item>
        )} />
      {visiting && <VisitDrawer task={visiting} onClose={() => setVisiting(undefined)} onSaved={() => { setVisiting(undefined); reload(); }} />}
    </Space>
  );
}
