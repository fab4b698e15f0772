/** One project: its tasks with targets and progress, and the published timeline with evidence. */
import { Link, useParams } from 'react-router-dom';
import type { ProjectDetail } from '@minsheng/contracts';
import { useGet } from '../api.ts';
import { useT } from '../i18n.ts';
import { Load, Progress } from '../components/Status.tsx';
import { TaskCard } from '../components/TaskCard.tsx';
import { UpdateTimeline } from '../components/Updates.tsx';

export default function Project() {
  const { t } = useT();
  const { id = '' } = useParams();
  const state = useGet<ProjectDetail>(/^\d+$/.test(id) ? `/api/public/projects/${id}` : null);
  return (
    <section className="page" data-testid="project">
      <p className="crumb"><Link to="/tracker">← {t.tr.title}</Link></p>
      <Load state={state}>{(p) => (
        <>
          <p className="hint">{p.category.title}</p>
          <h1>{p.title}{!p.officialName && <span className="hint"> （{t.tr.grouping}）</span>}</h1>
          {p.description && <p className="lead">{p.description}</p>}
          <Progress value={p.progress} label={`${p.title} ${t.tr.progress}`} />
          <h2>{t.tr.tasksOf(p.tasks.length)}</h2>
          <ul className="cards one-col">{p.tasks.map((x) => <TaskCard key={x.id} task={x} />)}</ul>
          <h2>{t.tr.timeline}</h2>
          <UpdateTimeline updates={p.timeline} showTask />
          {p.suggestions.length > 0 && (
            <>
              <h2>{t.tr.fromSuggestions}</h2>
              <ul className="plain">{p.suggestions.map((s) => <li key={s.id}><Link to={`/suggestions#s-${s.id}`}>{s.title}</Link></li>)}</ul>
            </>
          )}
        </>
      )}</Load>
    </section>
  );
}
