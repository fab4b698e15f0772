/** One task for staff: plan, targets, milestones, every report (also unpublished) with its review, and the department's report form. */
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { usePt as useTranslation } from '../projects/i18n.ts';
import { Card, Col, Descriptions, Progress, Row, Space, Tag, Timeline, Typography } from 'antd';
import { useApi } from '../api.ts';
import { useAuth } from '../auth.tsx';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { FlagTags, TargetsText } from '../projects/TaskTable.tsx';
import { EvidenceList } from '../projects/ReviewTab.tsx';
import ReportForm from '../projects/ReportForm.tsx';
import type { StaffTaskDetail } from '../projects/types.ts';

const STATE_COLOR = { submitted: 'blue', returned: 'volcano', published: 'green' } as const;

export default function ProjectTaskPage(): ReactNode {
  const { t } = useTranslation();
  const { id } = useParams();
  const { can } = useAuth();
  const reviewer = can('projects.review');
  const res = useApi<StaffTaskDetail>(`${reviewer ? '/projects/tasks' : '/projects/my-tasks'}/${id}`);
  if (res.error) return <ErrorAlert error={res.error} onRetry={res.reload} />;
  const task = res.data;
  if (!task) return <Card loading />;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3}><Link to={`/projects?tab=${reviewer ? 'plan' : 'mine'}`}>{t('projects.title')}</Link> / {task.title}</Typography.Title>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card size="small">
            <Descriptions size="small" column={1} items={[
              { key: 'cat', label: t('projects.task.category'), children: `${task.category.title} · ${task.project.title}${task.project.officialName ? '' : ' *'}` },
              { key: 'dept', label: t('projects.task.department'), children: task.leadDepartment.fullName },
              { key: 'co', label: t('projects.task.coLead'), children: task.coLeadDepartments.map((d) => d.name).join('、') || '—' },
              { key: 'd', label: t('projects.task.districts'), children: task.districts.map((d) => d.name).join('、') || t('projects.task.citywide') },
              { key: 'targets', label: t('projects.task.targets'), children: <TargetsText task={task} /> },
              { key: 'progress', label: t('projects.task.progress'), children: <Progress percent={Math.round(task.progress * 100)} size="small" style={{ width: 220 }} /> },
              { key: 'status', label: t('projects.task.status'), children: <Space>{t(`projects.status.${task.status}`)}<FlagTags t={task} /></Space> },
              { key: 'planned', label: t('projects.task.planned'), children: `${task.plannedStart ?? '—'} ~ ${task.plannedEnd ?? '—'}` },
              { key: 'actual', label: t('projects.task.actual'), children: `${task.actualStart ?? '—'} ~ ${task.actualEnd ?? '—'}` },
              { key: 'w', label: t('projects.task.weight'), children: task.weight },
              { key: 'ms', label: t('projects.task.milestones'), children: task.milestones.length ? task.milestones.map((m) => <div key={m.id}>{m.done ? '✅' : '⬜'} {m.title}（{m.weight}）</div>) : '—' },
              { key: 'src', label: t('projects.task.source'), children: <>{task.source.quote}<br /><Typography.Text type="secondary">{task.source.title}</Typography.Text></> },
            ]} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          {can('projects.report') && !reviewer ? <ReportForm task={task} onDone={res.reload} /> : null}
        </Col>
      </Row>
      <Card size="small" title={t('projects.task.history')} data-testid="task-reports">
        <Timeline items={task.reports.map((r) => ({
          key: String(r.id), color: STATE_COLOR[r.state],
          content: (
            <Space orientation="vertical" size={4}>
              <Space wrap><Tag color={STATE_COLOR[r.state]}>{t(`projects.state.${r.state}`)}</Tag><b>{t(`projects.status.${r.status}`)}</b>
                <Typography.Text type="secondary">{formatDateTime(r.reportedAt)} · {r.department} · {r.reporter}</Typography.Text>{r.example ? <Tag color="gold">{t('projects.review.example')}</Tag> : null}</Space>
              <span style={{ whiteSpace: 'pre-wrap' }}>{r.note}</span>
              <EvidenceList report={r} />
              {r.review ? <Typography.Text type={r.review.decision === 'return' ? 'danger' : 'secondary'}>{r.review.office}：{r.review.comment || '—'}（{formatDateTime(r.review.at)}）</Typography.Text> : null}
            </Space>
          ),
        }))} />
      </Card>
    </Space>
  );
}
