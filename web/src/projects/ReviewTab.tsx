/** The city office's review queue: each waiting report with its evidence; approve (publish) or return with a comment. */
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { usePt as useTranslation } from './i18n.ts';
import { App, Button, Card, Empty, Image, Input, Space, Tag, Typography } from 'antd';
import { request, useApi, ApiError } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import type { StaffReport } from './types.ts';

export function EvidenceList({ report }: { report: StaffReport }): ReactNode {
  return (
    <Space wrap align="start">
      {report.evidence.map((e) => {
        if (e.kind === 'photo') return <Image key={e.id} width={140} src={`/api/projects/evidence/${e.id}`} alt={e.title} />;
        if (e.kind === 'document') return <a key={e.id} href={`/api/projects/evidence/${e.id}`} target="_blank" rel="noreferrer">📄 {e.title}</a>;
        if (e.kind === 'link') return <a key={e.id} href={e.url ?? '#'} target="_blank" rel="noreferrer noopener">🔗 {e.title}</a>;
        return <Tag key={e.id}>{Object.entries(e.figures ?? {}).map(([k, v]) => `${k}: ${v}`).join(' · ')}</Tag>;
      })}
    </Space>
  );
}

function ReviewCard({ report, onDone }: { report: StaffReport; onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const decide = async (decision: 'approve' | 'return'): Promise<void> => {
    if (decision === 'return' && comment.trim().length < 2) { void message.warning(t('projects.review.commentNeeded')); return; }
    setBusy(true);
    try {
      await request(`/projects/reports/${report.id}/review`, { method: 'POST', body: { decision, comment } });
      void message.success(decision === 'approve' ? t('projects.review.approved') : t('projects.review.returnedOk'));
      onDone();
    } catch (e) {
      void message.error(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card size="small" data-testid="review-card" title={<Link to={`/projects/tasks/${report.taskId}`}>{report.taskTitle}</Link>}
      extra={<Space>{report.example ? <Tag color="gold">{t('projects.review.example')}</Tag> : null}<Tag>{report.department}</Tag><Tag color="blue">{t(`projects.status.${report.status}`)}</Tag></Space>}>
      <Typography.Paragraph>{report.note}</Typography.Paragraph>
      <Typography.Paragraph type="secondary">{t('projects.review.reporter')}: {report.reporter} · {t('projects.review.reportedAt')}: {formatDateTime(report.reportedAt)}</Typography.Paragraph>
      <EvidenceList report={report} />
      <Space.Compact style={{ width: '100%', marginTop: 12 }}>
        <Input placeholder={t('projects.review.comment')} value={comment} onChange={(e) => setComment(e.target.value)} aria-label={t('projects.review.comment')} />
        <Button type="primary" loading={busy} onClick={() => void decide('approve')} data-testid="approve">{t('projects.review.approve')}</Button>
        <Button danger loading={busy} onClick={() => void decide('return')}>{t('projects.review.return')}</Button>
      </Space.Compact>
    </Card>
  );
}

export default function ReviewTab(): ReactNode {
  const { t } = useTranslation();
  const res = useApi<{ items: StaffReport[] }>('/projects/reports', { state: 'submitted' });
  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  if (!res.loading && (res.data?.items.length ?? 0) === 0) return <Empty description={t('projects.review.empty')} />;
  return <Space orientation="vertical" style={{ width: '100%' }}>{res.data?.items.map((r) => <ReviewCard key={r.id} report={r} onDone={res.reload} />)}</Space>;
}
