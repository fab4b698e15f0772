/**
 * The printable progress report (进度报告), whole plan or one lead department, as departments
 * present it to the public: one row per task with targets, progress, flags and the latest reviewed
 * update. Screen and paper: the print stylesheet drops the portal's header and navigation.
 */
import { Link, useSearchParams } from 'react-router-dom';
import type { Department, PublishedUpdate, TaskSummary, TrackerOverview } from '@minsheng/contracts';
import { useGet } from '../api.ts';
import { useT } from '../i18n.ts';
import { chinaDay } from '../format.ts';
import { Load } from '../components/Status.tsx';

interface ReportData { generatedAt: string; department: Department | null; tasks: (TaskSummary & { latestUpdate: PublishedUpdate | null })[] }

export default function Report() {
  const { t, lang } = useT();
  const [params, setParams] = useSearchParams();
  const department = params.get('department') ?? '';
  const overview = useGet<TrackerOverview>('/api/public/tracker');
  const data = useGet<ReportData>(`/api/public/tracker.json${department ? `?department=${encodeURIComponent(department)}` : ''}`);
  const categories = new Map(overview.data?.categories.map((c) => [c.code, `${c.no}. ${c.title}`]) ?? []);
  return (
    <section className="page report" data-testid="report">
      <p className="crumb no-print"><Link to="/tracker">← {t.tr.title}</Link></p>
      <Load state={data}>{(d) => (
        <>
          <h1>{overview.data?.plan.title ?? t.rp.title} · {t.rp.title}</h1>
          <p className="lead">{d.department ? d.department.fullName : t.rp.allDepts} · {t.rp.generated(chinaDay(d.generatedAt))} · {t.rp.onlyReviewed}</p>
          <div className="no-print report-tools">
            {overview.data && (
              <div className="field">
                <label htmlFor="rp-dept" className="label">{t.tr.leadDept}</label>
                <select id="rp-dept" value={department} onChange={(e) => setParams(e.target.value ? { department: e.target.value } : {})}>
                  <option value="">{t.rp.allDepts}</option>
                  {overview.data.departments.map((x) => <option key={x.code} value={x.code}>{x.name}</option>)}
                </select>
              </div>
            )}
            <p><button type="button" className="primary" onClick={() => window.print()} data-testid="print">{t.rp.print}</button>
              {' '}<a href={`/api/public/report?lang=${lang}${department ? `&department=${encodeURIComponent(department)}` : ''}`}>{t.rp.serverVersion}</a></p>
          </div>
          <div className="table-wrap">
            <table data-testid="report-table">
              <caption className="sr-only">{t.rp.title}</caption>
              <thead>
                <tr><th scope="col">{t.rp.task}</th><th scope="col">{t.rp.targets}</th><th scope="col">{t.tr.progress}</th><th scope="col">{t.rp.latest}</th></tr>
              </thead>
              <tbody>
                {d.tasks.map((x) => (
                  <tr key={x.id}>
                    <th scope="row">
                      <Link to={`/tasks/${x.id}`}>{x.title}</Link>
                      <span className="hint block">{categories.get(x.categoryCode) ?? ''}{!d.department ? ` · ${x.leadDepartment.name}` : ''}</span>
                    </th>
                    <td>{x.targets.map((g) => <span key={g.key} className="block">{g.label}：{g.actual === null ? '—' : g.actual.toLocaleString()} / {g.target.toLocaleString()} {g.unit}</span>)}</td>
                    <td>
                      <strong>{Math.round(x.progress * 100)}%</strong> <span className="block">{t.status[x.status]}</span>
                      {x.flags.overdue && <span className="flag overdue">{t.tr.overdue}</span>}
                      {x.flags.offTrack && <span className="flag off">{t.tr.offTrack}</span>}
                    </td>
                    <td>{x.latestUpdate
                      ? <>{chinaDay(x.latestUpdate.reportedAt)}：{x.latestUpdate.note}{x.latestUpdate.example && <span className="example-flag"> （{t.tr.example}）</span>}</>
                      : t.tr.unreported}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}</Load>
    </section>
  );
}
