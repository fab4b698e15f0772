/** One task's facts: departments, districts, quantified targets with the published actuals, dates, flags. */
import { Link } from 'react-router-dom';
import type { TaskSummary } from '@minsheng/contracts';
import { useT } from '../i18n.ts';
import { Progress } from './Status.tsx';

export function TaskFacts({ task }: { task: TaskSummary }) {
  const { t } = useT();
  return (
    <>
      <p>
        <span className="tag">{t.status[task.status]}</span>
        {task.flags.overdue && <> <span className="flag overdue">{t.tr.overdue}</span></>}
        {task.flags.offTrack && <> <span className="flag off">{t.tr.offTrack}</span></>}
        {task.flags.unreported && <> <span className="flag">{t.tr.unreported}</span></>}
      </p>
      <Progress value={task.progress} label={`${task.title} ${t.tr.progress}`} />
      <dl className="facts">
        <dt>{t.tr.leadDept}</dt><dd>{task.leadDepartment.fullName}</dd>
        {task.coLeadDepartments.length > 0 && <><dt>{t.tr.coLead}</dt><dd>{task.coLeadDepartments.map((d) => d.name).join('、')}</dd></>}
        <dt>{t.tr.district}</dt><dd>{task.districts.length ? task.districts.map((d) => d.name).join('、') : t.tr.citywide}</dd>
        {task.targets.map((x) => (
          <div key={x.key} className="target" data-testid={`target-${x.key}`}>
            <dt>{x.label}</dt>
            <dd>{t.tr.targetLine(x.atLeast, x.target.toLocaleString(), x.unit, x.actual === null ? null : x.actual.toLocaleString())}</dd>
          </div>
        ))}
        {(task.plannedStart || task.plannedEnd) && <><dt>{t.tr.planned}</dt><dd>{task.plannedStart ?? '…'} – {task.plannedEnd ?? '…'}</dd></>}
      </dl>
    </>
  );
}

export function TaskCard({ task }: { task: TaskSummary }) {
  const { t } = useT();
  return (
    <li className="card" data-testid={`task-${task.code}`}>
      <h3><Link to={`/tasks/${task.id}`}>{task.title}</Link></h3>
      <TaskFacts task={task} />
      <p><Link to={`/tasks/${task.id}`} className="secondary">{t.tr.openTask}<span className="sr-only">：{task.title}</span></Link></p>
    </li>
  );
}
