/**
 * 民心工程 tracker overview: the plan's headline and honest coverage, progress by category (bars
 * and a small hand-drawn SVG chart), by district, by lead department (with the printable report),
 * and a task search over the open-data list.
 */
import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import type { TaskSummary, TrackerOverview } from '@minsheng/contracts';
import { useGet } from '../api.ts';
import { useT } from '../i18n.ts';
import { Load, Progress } from '../components/Status.tsx';
import { CategoryChart } from '../components/CategoryChart.tsx';

export default function Tracker() {
  const { t, lang } = useT();
  const state = useGet<TrackerOverview>('/api/public/tracker');
  return (
    <section className="page" data-testid="tracker">
      <Load state={state}>{(d) => (
        <>
          <h1>{d.plan.title}</h1>
          <p className="lead">{t.tr.lead}</p>
          <p className="note-box" data-testid="coverage">{lang === 'en' ? d.plan.coverageNoteEn : d.plan.coverageNote}</p>
          <div className="stat-grid">
            <div className="stat"><strong>{Math.round(d.progress * 100)}%</strong>{t.tr.overall}</div>
            <div className="stat"><strong>{d.taskCounts.listed}/{d.plan.headline.tasks}</strong>{t.tr.listedTasks}</div>
            <div className="stat"><strong>{d.taskCounts.completed}</strong>{t.tr.completed}</div>
            <div className="stat"><strong>{d.taskCounts.overdue + d.taskCounts.offTrack}</strong>{t.tr.flagged}</div>
          </div>
          <p className="hint">{t.tr.headline(d.plan.headline.projects, d.plan.headline.tasks, d.plan.headline.leadDepartments, d.plan.headline.suggestionsCollected)}
            {' '}<Source title={d.plan.headline.source.title} url={d.plan.headline.source.url} /></p>

          <TaskSearch />

          <h2>{t.tr.chart}</h2>
          <CategoryChart categories={d.categories.map((c) => ({ label: `${c.no}. ${c.title}`, value: c.progress }))} />

          <h2>{t.tr.categories}</h2>
          <ul className="cards one-col">
            {d.categories.map((c) => (
              <li key={c.code} className="card" data-testid={`category-${c.code}`}>
                <h3>{c.no}. {c.title}</h3>
                <Progress value={c.progress} label={`${c.title} ${t.tr.progress}`} />
                <p className="hint">{t.tr.categoryCounts(c.listedTaskCount, c.officialTaskCount)}
                  {c.overdue > 0 && <> · <span className="flag overdue">{t.tr.overdue} {c.overdue}</span></>}
                  {c.offTrack > 0 && <> · <span className="flag off">{t.tr.offTrack} {c.offTrack}</span></>}
                </p>
                <ul className="plain">
                  {c.projects.map((p) => (
                    <li key={p.id}>
                      <Link to={`/projects/${p.id}`} data-testid={`project-link-${p.code}`}>{p.title}</Link>
                      <span className="hint"> · {t.tr.taskCount(p.taskCount)} · {Math.round(p.progress * 100)}%{p.flagged > 0 ? ` · ${t.tr.flaggedN(p.flagged)}` : ''}</span>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>

          <h2>{t.tr.districts}</h2>
          <div className="table-wrap">
            <table data-testid="districts">
              <caption className="sr-only">{t.tr.districts}</caption>
              <thead><tr><th scope="col">{t.tr.district}</th><th scope="col">{t.tr.tasks}</th><th scope="col">{t.tr.progress}</th></tr></thead>
              <tbody>
                {d.districts.map((x) => (
                  <tr key={x.code}>
                    <th scope="row">{x.code === 'citywide' ? t.tr.citywide : x.name}</th>
                    <td>{x.taskCount}</td>
                    <td><Progress value={x.progress} label={`${x.code === 'citywide' ? t.tr.citywide : x.name} ${t.tr.progress}`} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

          <h2>{t.tr.byDept}</h2>
          <p><Link className="button" to="/report" data-testid="report-all">{t.tr.printable}</Link></p>
          <div className="table-wrap">
            <table>
              <caption className="sr-only">{t.tr.byDept}</caption>
              <thead><tr><th scope="col">{t.tr.leadDept}</th><th scope="col">{t.tr.tasks}</th><th scope="col">{t.tr.progress}</th><th scope="col">{t.tr.report}</th></tr></thead>
              <tbody>
                {d.departments.map((x) => (
                  <tr key={x.code}>
                    <th scope="row">{x.name}</th>
                    <td>{x.taskCount}</td>
                    <td>{Math.round(x.progress * 100)}%</td>
                    <td><Link to={`/report?department=${encodeURIComponent(x.code)}`}>{t.tr.report}<span className="sr-only"> {x.name}</span></Link></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="hint">{t.tr.openData} <a href="/api/public/tracker.csv">CSV</a> · <a href="/api/public/tracker.json">JSON</a> · <a href="/api/public/updates.atom">Atom</a></p>
        </>
      )}</Load>
    </section>
  );
}

export function Source({ title, url }: { title: string; url: string | null }) {
  const { t } = useT();
  return url ? <a href={url} rel="noreferrer noopener" target="_blank">{t.tr.source}{t.colon}{title}</a> : <span>{t.tr.source}{t.colon}{title}</span>;
}

/** Finds a task by words of its title; loads the open-data list on first use only. */
function TaskSearch() {
  const { t } = useT();
  const [q, setQ] = useState('');
  const [asked, setAsked] = useState(false);
  const state = useGet<{ tasks: TaskSummary[] }>(asked ? '/api/public/tracker.json' : null);
  const hits = useMemo(() => {
    const words = q.trim().toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length || !state.data) return [];
    return state.data.tasks.filter((x) => words.every((w) => `${x.title} ${x.code} ${x.leadDepartment.name}`.toLowerCase().includes(w))).slice(0, 20);
  }, [q, state.data]);
  return (
    <form role="search" className="search" onSubmit={(e) => e.preventDefault()}>
      <label htmlFor="task-search" className="label">{t.tr.search}</label>
      <input id="task-search" type="search" value={q} placeholder={t.tr.searchPh} onChange={(e) => { setQ(e.target.value); setAsked(true); }} data-testid="task-search" />
      {q.trim() && state.data && (
        <>
          <p role="status" className="hint">{t.tr.found(hits.length)}</p>
          <ul className="plain" data-testid="task-hits">
            {hits.map((x) => <li key={x.id}><Link to={`/tasks/${x.id}`}>{x.title}</Link> <span className="hint">· {x.leadDepartment.name}</span></li>)}
          </ul>
        </>
      )}
    </form>
  );
}
