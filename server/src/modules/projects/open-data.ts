/**
 * Open data (公开数据) from the public read model: the tracker as JSON and CSV, an Atom feed of
 * published updates, and a printable progress report (HTML with a print stylesheet) per department
 * or for the whole plan, as departments use when they report to the public (百姓问政).
 * Only published facts are in any of them; every text is escaped for its format.
 */
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import type { TaskStatus, TaskSummary } from '@minsheng/contracts';
import { notFound } from '../../platform/errors.ts';
import { trackerOverview, type YearView } from './tracker.ts';

export const STATUS_ZH: Record<TaskStatus, string> = { 'not-started': '未开始', 'in-progress': '推进中', completed: '已完成', suspended: '暂缓' };

const latest = (v: YearView, t: TaskSummary) => v.history.get(t.id)?.[0] ?? null;

/** The published tracker as JSON: the whole plan, or one department's tasks (the report's data). */
export function trackerJson(v: YearView, department?: string) {
  if (department && !v.departments.has(department)) throw notFound('department');
  return {
    plan: v.plan, generatedAt: new Date().toISOString(), department: department ? v.departments.get(department)! : null,
    notes: 'Only progress reviewed and published by the city office. Updates with example=true are demo data, not official figures.',
    tasks: v.tasks.filter((t) => !department || t.leadDepartment.code === department).map((t) => ({ ...t, latestUpdate: latest(v, t) })),
  };
}

const pct = (x: number): string => String(Math.round(x * 1000) / 10);

export const CSV_COLUMNS = ['year', 'category', 'project', 'task_code', 'task', 'lead_department', 'co_lead_departments', 'districts', 'status', 'progress_percent',
  'overdue', 'off_track', 'unreported', 'targets', 'planned_start', 'planned_end', 'actual_start', 'actual_end', 'last_published_at', 'example_data', 'source_url'] as const;

export function trackerCsv(v: YearView): string {
  const project = new Map(v.projects.map((p) => [p.id, p.title]));
  const category = new Map(v.categories.map((c) => [c.code, c.title]));
  const rows = v.tasks.map((t) => [
    String(v.year), category.get(t.categoryCode) ?? '', project.get(t.projectId) ?? '', t.code, t.title, t.leadDepartment.name,
    t.coLeadDepartments.map((d) => d.name).join('、'), t.districts.length ? t.districts.map((d) => d.name).join('、') : '全市', STATUS_ZH[t.status], pct(t.progress),
    t.flags.overdue ? 'yes' : 'no', t.flags.offTrack ? 'yes' : 'no', t.flags.unreported ? 'yes' : 'no',
    t.targets.map((x) => `${x.label}: ${x.actual ?? ''}/${x.target}${x.unit}${x.atLeast ? '（不少于）' : ''}`).join('; '),
    t.plannedStart ?? '', t.plannedEnd ?? '', t.actualStart ?? '', t.actualEnd ?? '', t.lastPublishedAt ?? '',
    latest(v, t)?.example ? 'yes' : 'no', t.source.url ?? '',
  ]);
  return `\uFEFF${stringifyCsv([[...CSV_COLUMNS], ...rows], { record_delimiter: '\r\n' })}`;
}

const xml = (s: string): string => s.replace(/[<>&'"\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' }[c] ?? ''));

export function updatesAtom(v: YearView, baseUrl: string): string {
  const title = new Map(v.tasks.map((t) => [t.id, t.title]));
  const entries = [...v.history.values()].flat().sort((a, b) => b.publishedAt.localeCompare(a.publishedAt) || b.id - a.id).slice(0, 50);
  const updated = entries[0]?.publishedAt ?? new Date(0).toISOString();
  const body = entries.map((u) => {
    const figures = Object.entries(u.figures).map(([k, n]) => `${k}=${n}`).join(', ');
    return `  <entry>
    <id>tag:minsheng,${v.year}:update/${u.id}</id>
    <title>${xml(`${title.get(u.taskId) ?? ''}：${STATUS_ZH[u.status]}${u.example ? '（演示数据）' : ''}`)}</title>
    <updated>${u.publishedAt}</updated>
    <author><name>${xml(u.reportedBy.department)}</name></author>
    <link rel="alternate" type="application/json" href="${xml(`${baseUrl}/api/public/tasks/${u.taskId}`)}"/>
    <content type="text">${xml(`${u.note}${figures ? `（${figures}）` : ''}`)}</content>
  </entry>`;
  }).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">
  <id>tag:minsheng,${v.year}:updates</id>
  <title>${xml(`${v.plan.title} 进展发布`)}</title>
  <updated>${updated}</updated>
  <link rel="self" href="${xml(`${baseUrl}/api/public/updates.atom`)}"/>
${body}
</feed>
`;
}

const html = (s: string): string => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' }[c] ?? c));

/** A printable progress report (zh-CN), whole plan or one department. */
export function progressReportHtml(v: YearView, department?: string): string {
  const dept = department ? v.departments.get(department) : undefined;
  if (department && !dept) throw notFound('department');
  const tasks = dept ? v.tasks.filter((t) => t.leadDepartment.code === dept.code) : v.tasks;
  const o = trackerOverview(v);
  const category = new Map(v.categories.map((c) => [c.code, c.title]));
  const today = new Date().toISOString().slice(0, 10);
  const rows = tasks.map((t, i) => {
    const u = latest(v, t);
    const flags = [t.flags.overdue ? '逾期' : '', t.flags.offTrack ? '滞后' : '', t.flags.unreported ? '尚无发布' : ''].filter(Boolean).join('、');
    return `<tr>
  <td>${i + 1}</td>
  <td><strong>${html(t.title)}</strong><br><small>${html(category.get(t.categoryCode) ?? '')}</small></td>
  <td>${html(t.leadDepartment.name)}${t.coLeadDepartments.length ? `<br><small>配合：${html(t.coLeadDepartments.map((d) => d.name).join('、'))}</small>` : ''}</td>
  <td>${t.targets.map((x) => `${html(x.label)}：${x.actual ?? '—'} / ${x.target}${html(x.unit)}`).join('<br>') || '—'}</td>
  <td><div class="bar" role="img" aria-label="进度 ${pct(t.progress)}%"><span style="width:${pct(t.progress)}%"></span></div>${pct(t.progress)}% · ${STATUS_ZH[t.status]}</td>
  <td>${flags ? `<span class="flag">${flags}</span>` : '正常'}</td>
  <td>${u ? `${html(u.note)}<br><small>${u.publishedAt.slice(0, 10)} 发布${u.example ? '（演示数据）' : ''}</small>` : '—'}</td>
</tr>`;
  }).join('\n');
  const heading = dept ? `${dept.name} 民心工程任务进展报告` : `${v.plan.title} 进展报告`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(heading)}</title>
<style>
  body { font-family: "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: #111; margin: 2rem; line-height: 1.5; }
  h1 { font-size: 1.6rem; margin: 0 0 .25rem; } .meta { color: #444; margin: 0 0 1rem; }
  table { border-collapse: collapse; width: 100%; font-size: .95rem; } th, td { border: 1px solid #999; padding: .4rem .5rem; vertical-align: top; text-align: left; }
  th { background: #eef2f7; } small { color: #444; }
  .bar { width: 8rem; height: .7rem; border: 1px solid #333; margin-bottom: .2rem; } .bar span { display: block; height: 100%; background: #1f5fa8; }
  .flag { color: #a40000; font-weight: bold; } .note { border-left: 4px solid #1f5fa8; padding: .5rem 1rem; background: #f5f8fc; }
  .actions { margin: 1rem 0; } button { font-size: 1rem; padding: .4rem 1rem; }
  @media print {
    body { margin: 0; font-size: 10.5pt; } .actions { display: none; } a { color: inherit; text-decoration: none; }
    th { background: #ddd !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    .bar span { background: #000 !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    tr { page-break-inside: avoid; } @page { size: A4 landscape; margin: 12mm; }
  }
</style></head>
<body>
<h1>${html(heading)}</h1>
<p class="meta">截至 ${today} · 已公开任务 ${tasks.length} 项 · ${dept ? `本部门平均进度 ${pct(o.departments.find((d) => d.code === dept.code)?.progress ?? 0)}%` : `总体进度 ${pct(o.progress)}%`} · 仅含经市民心工程办公室审核发布的进展</p>
<p class="note">${html(v.plan.coverageNote)}<br>全年计划：${v.plan.headline.projects}项民心工程、${v.plan.headline.tasks}项具体工作、${v.plan.headline.leadDepartments}个牵头部门（来源：${html(v.plan.headline.source.title)}）。</p>
<p class="actions">打印：使用浏览器的“打印”（Ctrl+P），已适配 A4 横向。</p>
<table>
<thead><tr><th>#</th><th>任务</th><th>牵头部门</th><th>量化目标（完成 / 目标）</th><th>进度</th><th>预警</th><th>最新发布进展</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
