/**
 * The 24-hour call seat: open alarms pushed by the server (server-sent events), a sound when a new
 * one arrives (Web Audio; browsers allow it after the operator's first click, hence the switch),
 * the chosen alarm with the elder's file beside it, the escalation timeline and the seat's actions.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { bj, useEt as useTranslation } from './i18n.ts';
import { Link } from 'react-router-dom';
import { App, Badge, Button, Card, Col, Descriptions, Empty, Input, List, Row, Select, Space, Switch, Tag, Timeline, Typography } from 'antd';
import { ApiError, request, useApi } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import type { Alarm, ElderFile } from './types.ts';

const SEVERITY_COLOR: Record<string, string> = { critical: 'red', high: 'orange', normal: 'blue' };
const OUTCOMES = ['false-alarm', 'helped-at-home', 'to-hospital', 'deceased', 'no-answer-resolved', 'other'] as const;

function beep(ctx: AudioContext): void {
  // Two short tones: distinct from a notification chime, audible over a phone call.
  for (const [i, freq] of [880, 660].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = freq;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(ctx.destination);
    const start = ctx.currentTime + i * 0.25;
    osc.start(start);
    osc.stop(start + 0.2);
  }
}

/** The open alarms, live. */
function useAlarmStream(): { items: Alarm[]; online: boolean } {
  const [items, setItems] = useState<Alarm[]>([]);
  const [online, setOnline] = useState(false);
  useEffect(() => {
    const es = new EventSource('/api/eldercare/alarms/stream');
    es.addEventListener('alarms', (e) => {
      setOnline(true);
      setItems((JSON.parse((e as MessageEvent<string>).data) as { items: Alarm[] }).items);
    });
    es.onerror = () => setOnline(false);
    return () => es.close();
  }, []);
  return { items, online };
}

function ElderBeside({ personId }: { personId: number }): ReactNode {
  const { t } = useTranslation();
  const file = useApi<ElderFile>(`/eldercare/elders/${personId}`);
  if (file.error) return <ErrorAlert error={file.error} />;
  const f = file.data;
  if (!f) return <Card loading size="small" />;
  return (
    <Card size="small" title={t('eldercare.seat.elder')} extra={<Link to={`/eldercare/elders/${personId}`}>{t('eldercare.elder.open')}</Link>} data-testid="seat-elder">
      <Descriptions size="small" column={1} items={[
        { key: 'n', label: t('eldercare.elder.name'), children: `${f.name}（${f.birthDate}）` },
        { key: 'c', label: t('eldercare.elder.community'), children: f.communityName ?? '—' },
        { key: 'p', label: t('eldercare.elder.phone'), children: f.phone ?? '—' },
        { key: 'r', label: t('eldercare.elder.risk'), children: <Tag>{t(`eldercare.tier.${f.riskTier}`)}</Tag> },
        { key: 'h', label: t('eldercare.elder.health'), children: f.healthNotes || '—' },
        { key: 'ab', label: t('eldercare.elder.absences'), children: f.absences.filter((a) => a.current).map((a) => `${t(`eldercare.absence.${a.kind}`)} → ${bj(a.endsAt)}`).join('；') || '—' },
      ]} />
      <Typography.Text strong>{t('eldercare.elder.contacts')}</Typography.Text>
      <List size="small" dataSource={f.contacts} renderItem={(c) => <List.Item>{c.priority}. {c.name}（{c.relation}） <Typography.Text copyable>{c.phone}</Typography.Text></List.Item>} />
    </Card>
  );
}

function AlarmDetail({ id, version }: { id: number; version: string }): ReactNode {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const en = i18n.language === 'en';
  const alarm = useApi<Alarm>(`/eldercare/alarms/${id}`, { v: version });
  const [note, setNote] = useState('');
  const [outcome, setOutcome] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const act = async (action: string, extra: Record<string, unknown> = {}): Promise<void> => {
    setBusy(action);
    try {
      await request(`/eldercare/alarms/${id}/actions/${action}`, { method: 'POST', body: { note, ...extra } });
      void message.success(t('eldercare.seat.done'));
      setNote('');
      alarm.reload();
    } catch (e) {
      void message.error(e instanceof ApiError ? e.message : String(e));
    } finally { setBusy(undefined); }
  };
  if (alarm.error) return <ErrorAlert error={alarm.error} onRetry={alarm.reload} />;
  const a = alarm.data;
  if (!a) return <Card loading />;
  const finished = a.status === 'resolved' || a.status === 'closed';
  return (
    <Row gutter={12}>
      <Col xs={24} xl={14}>
        <Card size="small" data-testid="alarm-detail"
          title={<Space><Tag color={SEVERITY_COLOR[a.severity]}>{t(`eldercare.severity.${a.severity}`)}</Tag>{t(`eldercare.rule.${a.rule}`, { defaultValue: a.ruleLabel })} — {a.elderName}</Space>}
          extra={<Tag data-testid="alarm-status">{t(`eldercare.status.${a.status}`)}</Tag>}>
          <Typography.Text type="secondary">{t('eldercare.seat.beijingTime')}</Typography.Text>
          <Descriptions size="small" column={2} items={[
            { key: 'o', label: t('eldercare.seat.opened'), children: bj(a.openedAt) },
            { key: 'r', label: t('eldercare.seat.received'), children: bj(a.receivedAt) },
            { key: 'w', label: t('eldercare.seat.workday'), children: a.workday ? t('eldercare.seat.workday') : t('eldercare.seat.nonWorkday') },
            { key: 's', label: t('eldercare.seat.currentStep'), children: `${t('eldercare.seat.step', { n: a.currentStep })} ${t(`eldercare.responder.${a.plan.steps[a.currentStep - 1]?.responder ?? 'call-seat'}`)}` },
          ]} />
          <Typography.Title level={5}>{t('eldercare.seat.evidence')}</Typography.Title>
          <ul>{a.evidence.map((e) => <li key={e.seq}>{bj(e.at)} · {(en ? e.explanation.en : e.explanation.zh) ?? e.rule} <Typography.Text type="secondary">{e.eventIds.join(', ')}</Typography.Text></li>)}</ul>
          <Typography.Title level={5}>{t('eldercare.seat.plan')}</Typography.Title>
          <Space wrap>{a.plan.steps.map((s) => (
            <Tag key={s.order} color={s.order === a.currentStep && !finished ? 'processing' : undefined}>
              {s.order}. {t(`eldercare.responder.${s.responder}`)} {s.contacts.map((c) => c.name).join('、')} ({s.timeoutSeconds}s)
            </Tag>))}</Space>
          <Typography.Title level={5} style={{ marginTop: 12 }}>{t('eldercare.seat.timeline')}</Typography.Title>
          <Timeline data-testid="alarm-timeline" items={a.timeline.map((x) => ({
            key: x.seq, color: x.kind === 'acknowledged' || x.kind === 'resolved' ? 'green' : x.kind === 'timeout' ? 'red' : x.kind === 'escalated' ? 'orange' : 'blue',
            children: <span><Typography.Text code>{bj(x.at)}</Typography.Text> <Tag>{t(`eldercare.action.${x.kind}`, { defaultValue: x.kind })}</Tag>{x.note ?? (x.kind === 'notified' && x.data?.name ? `${String(x.data.channel ?? '')} → ${String(x.data.name)}` : x.assignee?.label ?? '')} <Typography.Text type="secondary">{x.actor}</Typography.Text></span>,
          }))} />
          {!finished ? (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Input.TextArea rows={2} placeholder={t('eldercare.seat.note')} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
              <Space wrap>
                <Button onClick={() => void act('call', { to: a.plan.steps[0]?.contacts[0]?.name })} loading={busy === 'call'}>{t('eldercare.seat.call')}</Button>
                <Button type="primary" danger={!a.acknowledgedAt} onClick={() => void act('acknowledge')} loading={busy === 'acknowledge'} data-testid="seat-ack">{t('eldercare.seat.acknowledge')}</Button>
                <Button onClick={() => void act('dispatch')} loading={busy === 'dispatch'}>{t('eldercare.seat.dispatch')}</Button>
                <Button onClick={() => void act('on-site')} loading={busy === 'on-site'} data-testid="seat-onsite">{t('eldercare.seat.onSite')}</Button>
                <Select style={{ width: 180 }} placeholder={t('eldercare.seat.outcome')} value={outcome} onChange={setOutcome} data-testid="seat-outcome"
                  options={OUTCOMES.map((o) => ({ value: o, label: t(`eldercare.outcome.${o}`) }))} />
                <Button type="primary" disabled={!outcome} onClick={() => void act('resolve', { outcome })} loading={busy === 'resolve'} data-testid="seat-resolve">{t('eldercare.seat.resolve')}</Button>
              </Space>
            </Space>
          ) : <Tag color="green">{t(`eldercare.outcome.${a.outcome ?? 'other'}`)}</Tag>}
        </Card>
      </Col>
      <Col xs={24} xl={10}><ElderBeside personId={a.personId} /></Col>
    </Row>
  );
}

export default function CallSeat(): ReactNode {
  const { t } = useTranslation();
  const { items, online } = useAlarmStream();
  const [selected, setSelected] = useState<number>();
  const [sound, setSound] = useState(false);
  const audio = useRef<AudioContext | null>(null);
  const seen = useRef<Set<number> | null>(null);

  useEffect(() => {
    const ids = new Set(items.map((a) => a.id));
    if (seen.current !== null && sound && audio.current && items.some((a) => !seen.current!.has(a.id))) beep(audio.current);
    seen.current = ids;
    if (selected === undefined && items[0]) setSelected(items[0].id);
  }, [items, sound, selected]);

  const toggleSound = (on: boolean): void => {
    if (on && !audio.current) audio.current = new AudioContext();
    setSound(on);
  };
  const version = items.find((a) => a.id === selected);
  return (
    <Row gutter={12}>
      <Col xs={24} lg={7}>
        <Card size="small" title={<Space><Badge status={online ? 'processing' : 'error'} />{t('eldercare.seat.openAlarms')} ({items.length})</Space>}
          extra={<Space>{t('eldercare.seat.sound')}<Switch size="small" checked={sound} onChange={toggleSound} data-testid="seat-sound" /></Space>}>
          {!online ? <Typography.Text type="warning">{t('eldercare.seat.offline')}</Typography.Text> : null}
          {items.length === 0 ? <Empty description={t('eldercare.seat.none')} /> : (
            <List size="small" data-testid="seat-alarms" dataSource={items} renderItem={(a) => (
              <List.Item onClick={() => setSelected(a.id)} style={{ cursor: 'pointer', background: a.id === selected ? '#e6f4ff' : undefined }} data-testid={`seat-alarm-${a.id}`}>
                <Space direction="vertical" size={0}>
                  <Space><Tag color={SEVERITY_COLOR[a.severity]}>{t(`eldercare.rule.${a.rule}`, { defaultValue: a.ruleLabel })}</Tag><strong>{a.elderName}</strong></Space>
                  <Typography.Text type="secondary">{bj(a.openedAt)} · {a.communityName} · {t(`eldercare.status.${a.status}`)} · {t('eldercare.seat.step', { n: a.currentStep })}</Typography.Text>
                </Space>
              </List.Item>)} />
          )}
        </Card>
      </Col>
      <Col xs={24} lg={17}>
        {selected !== undefined ? <AlarmDetail id={selected} version={`${version?.status ?? ''}:${version?.currentStep ?? ''}:${version?.acknowledgedAt ?? ''}`} /> : <Empty description={t('eldercare.seat.select')} />}
      </Col>
    </Row>
  );
}
