import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { App, Button, Card, DatePicker, Descriptions, Flex, Input, InputNumber, Popconfirm, Select, Space, Table, Tag, Timeline, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { request, useApi, type ApiError } from '../api.ts';
import { useAuth } from '../auth.tsx';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { SEVERITY_COLOR, type ChainLink, type ChainView, type PolicyResult } from '../monitoring/types.ts';
import { useMt } from '../monitoring/i18n.ts';

const KIND_COLOR: Record<string, string> = { warning: 'red', task: 'orange', visit: 'blue', reevaluated: 'purple', decision: 'cyan', aid: 'green', 'follow-up': 'geekblue', closed: 'gray' };

function SlaTag({ link }: { link: ChainLink }): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  if (!link.sla) return null;
  const { dueAt, metAt, overdue } = link.sla;
  return (
    <Tag color={overdue ? 'red' : metAt ? 'green' : 'gold'} data-testid="sla">
      {mt('chain.due')} {formatDateTime(dueAt)}{metAt ? ` · ${mt('chain.met')} ${formatDateTime(metAt)}` : ''}{overdue ? ` · ${mt('chain.overdue')}` : ''}
    </Tag>
  );
}

function Results({ results }: { results: PolicyResult[] }): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  return (
    <Table<PolicyResult> size="small" rowKey={(r) => `${r.policy}:${r.entityId}`} dataSource={results} pagination={false} data-testid="reevaluation"
      columns={[
        { key: 'policy', title: mt('rule'), render: (_, r) => <span>{r.title}{r.name ? ` · ${r.name}` : ''}</span> },
        { key: 'result', title: mt('status'), render: (_, r) => (r.error ? <Typography.Text type="warning">{r.error}</Typography.Text>
          : <Tag color={r.eligible ? 'green' : 'default'}>{r.eligible ? mt('chain.eligible') : mt('chain.ineligible')}{r.amount !== null ? ` ¥${r.amount}` : ''}</Tag>) },
        { key: 'failed', title: mt('chain.failed'), render: (_, r) => r.failed.map((f) => f.reason).join('；') },
      ]} />
  );
}

function LinkBody({ link }: { link: ChainLink }): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  const d = link.data;
  if (link.kind === 'reevaluated') {
    const rec = (d.recommended as Array<{ title: string; name: string | null }>) ?? [];
    return (
      <Space orientation="vertical" style={{ width: '100%' }}>
        <div>{mt('chain.recommended')}：{rec.length ? rec.map((r) => <Tag color="green" key={`${r.title}${r.name ?? ''}`} data-testid="recommended">{r.title}{r.name ? ` · ${r.name}` : ''}</Tag>) : mt('chain.noRecommendation')}</div>
        <Results results={(d.results as PolicyResult[]) ?? []} />
      </Space>
    );
  }
  const extra: string[] = [];
  if (link.kind === 'visit') extra.push(d.outcome === 'rejected' ? mt('tasks.rejected') : mt('tasks.confirmed'));
  if (link.kind === 'task') extra.push(mt('chain.task', { id: String(d.workOrderId) }));
  if (link.kind === 'decision') extra.push(mt(`chain.decisions.${d.decision as 'approved'}`));
  if (link.kind === 'aid') extra.push(`${String(d.aid)}${d.amount !== undefined ? ` ¥${String(d.amount)}` : ''}`);
  if (link.kind === 'follow-up') extra.push(String(d.date));
  const photos = (d.photoIds as number[] | undefined) ?? [];
  return (
    <Space orientation="vertical" size={2}>
      {extra.length > 0 && <Typography.Text strong>{extra.join(' · ')}</Typography.Text>}
      {link.note && <span>{link.note}</span>}
      {photos.length > 0 && <Space>{photos.map((p) => <a key={p} href={`/api/monitoring/photos/${p}`} target="_blank" rel="noreferrer"><img src={`/api/monitoring/photos/${p}`} alt="" style={{ height: 64, borderRadius: 4 }} /></a>)}</Space>}
    </Space>
  );
}

/** `/monitoring/chains/:id`: one household's closed-loop assistance chain, every link with its SLA clock, and the next steps. */
export default function MonitoringChainPage(): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  const { id } = useParams();
  const { can } = useAuth();
  const { message } = App.useApp();
  const { data: c, error, reload } = useApi<ChainView>(`/monitoring/chains/${id ?? ''}`);
  const [actionError, setActionError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [decision, setDecision] = useState<'approved' | 'refused' | 'no-assistance'>('approved');
  const [aid, setAid] = useState('');
  const [amount, setAmount] = useState<number | null>(null);
  const [followUp, setFollowUp] = useState<Dayjs | null>(dayjs().add(30, 'day'));
  const [note, setNote] = useState('');

  const act = async (path: string, body: unknown, done: string): Promise<void> => {
    setBusy(true);
    setActionError(undefined);
    try {
      await request(`/monitoring/chains/${id ?? ''}/${path}`, { method: 'POST', body });
      void message.success(done);
      reload();
    } catch (e) {
      setActionError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const cid = (k: string): string => `${k}-${Date.now()}`;

  if (error) return <ErrorAlert error={error} onRetry={reload} />;
  if (!c) return null;
  const open = c.state.status === 'open';
  const recommended = ((c.state.links.filter((l) => l.kind === 'reevaluated').at(-1)?.data.recommended as Array<{ policy: string; title: string }>) ?? []);
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={3} style={{ margin: 0 }}>{mt('chain.title')} · {c.household?.headName ?? c.members[0]?.name}</Typography.Title>
        <Tag color={open ? 'processing' : 'default'} style={{ fontSize: 14 }} data-testid="chain-stage">{mt(`chain.stages.${c.state.stage}`)}</Tag>
      </Flex>
      <Descriptions size="small" bordered column={{ xs: 1, md: 3 }} items={[
        { key: 'hh', label: mt('household'), children: c.householdId ? <Link to={`/households/${c.householdId}`}>{c.household?.householdNo}</Link> : '—' },
        { key: 'addr', label: mt('region'), children: `${c.household?.address ?? ''} ${c.regionName ?? c.regionCode}` },
        { key: 'members', label: mt('chain.members'), children: c.members.map((m) => <Link key={m.personId} to={`/persons/${m.personId}`} style={{ marginInlineEnd: 8 }}>{m.name}</Link>) },
      ]} />
      <Card size="small" title={mt('chain.warnings')}>
        {c.warnings.map((w) => <div key={w.id} style={{ marginBottom: 6 }}><Tag color={SEVERITY_COLOR[w.severity]}>{mt(`severities.${w.severity}`)}</Tag><span data-testid="chain-warning">{w.reason}</span></div>)}
      </Card>
      <Card size="small" title={mt('chain.timeline')}>
        <Timeline data-testid="chain-timeline" items={c.state.links.map((l) => ({
          color: KIND_COLOR[l.kind] ?? 'blue',
          children: (
            <Space orientation="vertical" size={2} style={{ width: '100%' }} data-testid={`link-${l.kind}`}>
              <Space wrap><Typography.Text strong>{mt(`chain.kinds.${l.kind}`)}</Typography.Text><Typography.Text type="secondary">{formatDateTime(l.at)} · {l.actor}</Typography.Text><SlaTag link={l} /></Space>
              <LinkBody link={l} />
            </Space>
          ),
        }))} />
      </Card>
      {open && can('registry.write') && (
        <Card size="small" title={mt('chain.next')}>
          <Space orientation="vertical" size={12} style={{ width: '100%' }}>
            {actionError && <ErrorAlert error={actionError} />}
            <Space wrap>
              <Button loading={busy} onClick={() => void act('reevaluate', {}, mt('chain.saved'))} data-testid="chain-reevaluate">{mt('chain.reevaluate')}</Button>
            </Space>
            <Space wrap>
              <Select value={decision} onChange={setDecision} style={{ width: 160 }} data-testid="decision-select"
                options={(['approved', 'refused', 'no-assistance'] as const).map((v) => ({ value: v, label: mt(`chain.decisions.${v}`) }))} />
              <Input placeholder={mt('chain.note')} value={note} onChange={(e) => setNote(e.target.value)} style={{ width: 240 }} />
              <Button loading={busy} onClick={() => void act('actions', { kind: 'decision', decision, policies: recommended.map((r) => r.policy), note: note || undefined, clientActionId: cid('decision') }, mt('chain.saved'))} data-testid="chain-decide">{mt('chain.decision')}</Button>
            </Space>
            <Space wrap>
              <Input placeholder={mt('chain.aidKind')} value={aid} onChange={(e) => setAid(e.target.value)} style={{ width: 240 }} data-testid="aid-kind" />
              <InputNumber placeholder={mt('chain.amount')} value={amount} onChange={setAmount} min={0} style={{ width: 140 }} />
              <Button loading={busy} disabled={aid.trim().length < 2} onClick={() => void act('actions', { kind: 'aid', aid, amount: amount ?? undefined, clientActionId: cid('aid') }, mt('chain.saved'))} data-testid="chain-aid">{mt('chain.aid')}</Button>
            </Space>
            <Space wrap>
              <DatePicker value={followUp} onChange={setFollowUp} aria-label={mt('chain.followUpDate')} />
              <Button loading={busy} disabled={!followUp} onClick={() => void act('actions', { kind: 'follow-up', date: followUp?.format('YYYY-MM-DD'), clientActionId: cid('follow') }, mt('chain.saved'))} data-testid="chain-follow-up">{mt('chain.followUp')}</Button>
              <Popconfirm title={mt('chain.closeConfirm')} onConfirm={() => void act('close', { note: note || undefined }, mt('chain.closed'))}>
                <Button danger loading={busy} data-testid="chain-close">{mt('chain.close')}</Button>
              </Popconfirm>
            </Space>
          </Space>
        </Card>
      )}
    </Space>
  );
}
