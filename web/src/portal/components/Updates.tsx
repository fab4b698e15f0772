/**
 * Published progress: each reviewed status with who reported it, who reviewed it and its evidence
 * (photos with their title as alt text, documents, links, figures). Only reviewed updates ever
 * reach the portal; demo updates carry the 示例 flag.
 */
import type { Evidence, PublishedUpdate, TaskTarget } from '@minsheng/contracts';
import { useT } from '../i18n.ts';
import { chinaDay } from '../format.ts';

const kb = (bytes: number | null): string => (bytes === null ? '' : bytes > 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

export function EvidenceList({ items, targets }: { items: Evidence[]; targets?: TaskTarget[] }) {
  const { t } = useT();
  if (!items.length) return null;
  const photos = items.filter((e) => e.kind === 'photo' && e.fileUrl);
  const others = items.filter((e) => !(e.kind === 'photo' && e.fileUrl));
  return (
    <div className="evidence-block" data-testid="evidence">
      <h4>{t.tr.evidence}</h4>
      {photos.length > 0 && (
        <ul className="evidence">
          {photos.map((e) => (
            <li key={e.id}>
              <figure>
                <a href={e.fileUrl ?? undefined}><img src={e.fileUrl ?? undefined} alt={e.title} loading="lazy" /></a>
                <figcaption>{e.title}</figcaption>
              </figure>
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <ul className="plain">
          {others.map((e) => (
            <li key={e.id}>
              {e.kind === 'document' && e.fileUrl && <a href={e.fileUrl}>{e.title}<span className="hint"> ({t.tr.document}{e.bytes ? `, ${kb(e.bytes)}` : ''})</span></a>}
              {e.kind === 'link' && e.url && <a href={e.url} rel="noreferrer noopener" target="_blank">{e.title} ↗</a>}
              {e.kind === 'figures' && (
                <span>{e.title}：{Object.entries(e.figures ?? {}).map(([k, v]) => {
                  const target = targets?.find((x) => x.key === k);
                  return `${target?.label ?? k} ${v.toLocaleString()}${target ? ` ${target.unit}` : ''}`;
                }).join('；')}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function UpdateTimeline({ updates, targets, showTask }: { updates: (PublishedUpdate & { taskTitle?: string })[]; targets?: TaskTarget[]; showTask?: boolean }) {
  const { t } = useT();
  if (!updates.length) return <p className="hint">{t.tr.noEvidence}</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {updates.map((u) => (
        <li key={u.id}>
          <p className="tl-head">
            <time dateTime={u.publishedAt}>{chinaDay(u.reportedAt)}</time>
            {' · '}<strong>{t.status[u.status]}</strong>
            {u.progress !== null && <> · {Math.round(u.progress * 100)}%</>}
            {u.example && <> · <span className="example-flag">{t.tr.example}</span></>}
          </p>
          {showTask && u.taskTitle && <p className="hint">{u.taskTitle}</p>}
          <p>{u.note}</p>
          {Object.keys(u.figures).length > 0 && (
            <p>{Object.entries(u.figures).map(([k, v]) => {
              const target = targets?.find((x) => x.key === k);
              return `${target?.label ?? k}：${v.toLocaleString()}${target ? ` ${target.unit}` : ''}`;
            }).join('；')}</p>
          )}
          <p className="hint">{t.tr.reportedBy(`${u.reportedBy.department}（${u.reportedBy.role}）`)} · {t.tr.reviewedBy(u.reviewedBy)}</p>
          <EvidenceList items={u.evidence} targets={targets} />
        </li>
      ))}
    </ol>
  );
}
