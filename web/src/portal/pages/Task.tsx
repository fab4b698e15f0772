/** One task: facts, milestones, the published history with evidence, and suggestions that led to it. */
import { Link, useParams } from 'react-router-dom';
import type { TaskDetail } from '@minsheng/contracts';
import { useGet } from '../api.ts';
import { useT } from '../i18n.ts';
import { Load } from '../components/Status.tsx';
import { TaskFacts } from '../components/TaskCard.tsx';
import { UpdateTimeline } from '../components/Updates.tsx';
import { Source } from './Tracker.tsx';

export default function Task() {
  const { t } = useT();
  const { id = '' } = useParams();
  const state = useGet<TaskDetail>(/^\d+$/.test(id) ? `/api/public/tasks/${id}` : null);
  return (
    <section className="page" data-testid="task">
      <Load state={state}>{(x) => (
        <>
          <p className="crumb"><Link to={`/projects/${x.project.id}`}>← {x.project.title}</Link></p>
          <p className="hint">{x.category.title}</p>
          <h1>{x.title}</h1>
          {x.description && <p className="lead">{x.description}</p>}
          <TaskFacts task={x} />
          <p className="hint"><Source title={x.source.title} url={x.source.url} />{x.source.quote && <>：“{x.source.quote}”</>}</p>
          {x.milestones.length > 0 && (
            <>
              <h2>{t.tr.milestones}</h2>
              <ol className="plain">
                {x.milestones.map((m) => (
                  <li key={m.id}>{m.done ? '✓' : '○'} {m.title} <span className="hint">{m.actualDate ?? m.plannedDate ?? ''}{m.done ? ` · ${t.status.completed}` : ''}</span></li>
                ))}
              </ol>
            </>
          )}
          <h2>{t.tr.timeline}</h2>
          <UpdateTimeline updates={x.history} targets={x.targets} />
          {x.suggestions.length > 0 && (
            <>
              <h2>{t.tr.fromSuggestions}</h2>
              <ul className="plain">{x.suggestions.map((s) => <li key={s.id}><Link to={`/suggestions#s-${s.id}`}>{s.title}</Link></li>)}</ul>
            </>
          )}
        </>
      )}</Load>
    </section>
  );
}
