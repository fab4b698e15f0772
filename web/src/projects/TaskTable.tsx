/** The task list with progress, flags and waiting reports; used for the whole plan and for one department. */
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { usePt as useTranslation } from './i18n.ts';
import { Progress, Space, Table, Tag, Tooltip } from 'antd';
import type { TaskSummary } from '@minsheng/contracts';
import type { StaffTask } from './types.ts';
import { pct } from './types.ts';

export function FlagTags({ t: task }: { t: TaskSummary }): ReactNode {
  const { t } = useTranslation();
  const f = task.flags;
  return (
    <Space size={2} wrap>
      {f.overdue ? <Tag color="red">{t('projects.flag.overdue')}</Tag> : null}
      {f.offTrack ? <Tag color="orange">{t('projects.flag.offTrack')}</Tag> : null}
      {f.unreported ? <Tag>{t('projects.flag.unreported')}</Tag> : null}
      {!f.overdue && !f.offTrack && !f.unreported ? <Tag color="green">{t('projects.flag.ok')}</Tag> : null}
    </Space>
  );
}

export function TargetsText({ task }: { task: TaskSummary }): ReactNode {
  if (task.targets.length === 0) return '—';
  return (
    <Space orientation="vertical" size={0}>
      {task.targets.map((x) => <span key={x.key}>{x.label}：{x.actual ?? '—'} / {x.target}{x.unit}</span>)}
    </Space>
  );
}

export default function TaskTable({ items, loading, categories }: { items: StaffTask[] | undefined; loading: boolean; categories: Record<string, string> }): ReactNode {
  const { t } = useTranslation();
  return (
    <Table<StaffTask> size="small" rowKey="id" loading={loading} dataSource={items} pagination={{ pageSize: 50 }} data-testid="projects-tasks"
      columns={[
        { title: t('projects.task.title'), key: 'title', render: (_, x) => <Link to={`/projects/tasks/${x.id}`}>{x.title}</Link> },
        { title: t('projects.task.category'), key: 'cat', render: (_, x) => categories[x.categoryCode] ?? x.categoryCode,
          filters: Object.entries(categories).map(([value, text]) => ({ value, text })), onFilter: (v, x) => x.categoryCode === v },
        { title: t('projects.task.department'), key: 'dept', render: (_, x) => x.leadDepartment.name },
        { title: t('projects.task.targets'), key: 'targets', render: (_, x) => <TargetsText task={x} /> },
        { title: t('projects.task.progress'), key: 'progress', sorter: (a, b) => a.progress - b.progress, render: (_, x) => (
          <Tooltip title={t('projects.task.expected', { pct: pct(x.flags.expectedProgress) })}>
            <Progress percent={Math.round(x.progress * 100)} size="small" status={x.flags.offTrack || x.flags.overdue ? 'exception' : 'normal'} style={{ minWidth: 120 }} />
          </Tooltip>
        ) },
        { title: t('projects.task.status'), key: 'status', render: (_, x) => t(`projects.status.${x.status}`) },
        { title: t('projects.task.flags'), key: 'flags', render: (_, x) => <FlagTags t={x} /> },
        { title: t('projects.task.pending'), key: 'pending', render: (_, x) => (
          <Space size={2}>
            {x.pending > 0 ? <Tag color="blue">{t('projects.task.pending')} {x.pending}</Tag> : null}
            {x.returned > 0 ? <Tag color="volcano">{t('projects.task.returned')} {x.returned}</Tag> : null}
          </Space>
        ) },
      ]} />
  );
}
