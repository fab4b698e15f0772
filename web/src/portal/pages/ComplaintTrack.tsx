/** Follow a complaint by its ticket code: status, deadline, timeline, the office's reply, and a rating once answered. */
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { PublicComplaint } from '@minsheng/contracts';
import { ApiError, postJson, useGet } from '../api.ts';
import { useT } from '../i18n.ts';
import { ErrorSummary, RadioGroup, TextField } from '../components/fields.tsx';
import { ErrorBox, Load } from '../components/Status.tsx';
import { chinaDay, chinaMinute } from '../format.ts';

const CODE = /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/;

export default function ComplaintTrack() {
  const { t } = useT();
  const [params, setParams] = useSearchParams();
  const code = params.get('code') ?? '';
  const [input, setInput] = useState(code);
  const [error, setError] = useState<string | undefined>();
  const state = useGet<PublicComplaint>(CODE.test(code) ? `/api/public/complaints/${encodeURIComponent(code)}` : null);
  useEffect(() => setInput(code), [code]);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const c = input.trim().toUpperCase();
    if (!CODE.test(c)) { setError(c ? t.cp.err.codeFormat : t.cp.err.code); requestAnimationFrame(() => document.getElementById('tk-code')?.focus()); return; }
    setError(undefined);
    if (c === code) state.reload(); else setParams({ code: c });
  };

  return (
    <section className="page">
      <h1>{t.cp.trackTitle}</h1>
      <form onSubmit={submit} noValidate role="search" data-testid="track-form">
        <TextField id="tk-code" label={t.cp.code} hint={t.cp.codeHint} value={input} onChange={setInput} error={error} maxLength={19} />
        <p><button type="submit" className="primary" data-testid="track-submit">{t.cp.find}</button></p>
      </form>
      {CODE.test(code) && (
        state.error?.status === 404 ? <p role="alert" className="field-error">{t.cp.notFound}</p>
          : <Load state={state}>{(c) => <ComplaintView c={c} onRated={state.reload} />}</Load>
      )}
    </section>
  );
}

function ComplaintView({ c, onRated }: { c: PublicComplaint; onRated(): void }) {
  const { t, lang } = useT();
  return (
    <article className="card" data-testid="complaint" data-status={c.status} aria-labelledby="cp-view-title">
      <h2 id="cp-view-title">{t.cp.code} <span className="ticket">{c.ticket}</span></h2>
      <dl className="facts">
        <dt>{t.cp.status}</dt><dd><span className="tag" data-testid="complaint-status">{t.cpStatus[c.status]}</span>{c.overdue && <> <span className="flag overdue">{t.tr.overdue}</span></>}</dd>
        <dt>{t.cp.category}</dt><dd>{lang === 'en' ? c.category.labelEn : c.category.label}</dd>
        <dt>{t.cp.place}</dt><dd>{c.regionName} {c.place}</dd>
        <dt>{t.cp.office}</dt><dd>{c.office}</dd>
        {c.dueAt && <><dt>{t.cp.due}</dt><dd>{chinaDay(c.dueAt)}</dd></>}
        <dt>{t.cp.text}</dt><dd className="pre">{c.description}</dd>
      </dl>
      <h3>{t.cp.reply}</h3>
      {c.reply
        ? <div className="reply" data-testid="complaint-reply"><p className="pre">{c.reply.text}</p><p className="hint">{c.reply.office} · {chinaDay(c.reply.at)}</p></div>
        : <p>{t.cp.noReply}</p>}
      {c.timeline.length > 0 && (
        <>
          <h3>{t.cp.progress}</h3>
          <ol className="timeline">
            {c.timeline.map((e, i) => <li key={i}><time dateTime={e.at}>{chinaMinute(e.at)}</time> · {e.label}{e.note && <p className="hint">{e.note}</p>}</li>)}
          </ol>
        </>
      )}
      {c.rating && <p data-testid="complaint-rating">{t.cp.rating}{t.colon}{'★'.repeat(c.rating.score)}{'☆'.repeat(5 - c.rating.score)} <span className="sr-only">{t.cp.stars(c.rating.score)}</span>{c.rating.comment && ` — ${c.rating.comment}`} <span className="hint">{t.cp.rated}</span></p>}
      {c.canRate && <RateForm ticket={c.ticket} onRated={onRated} />}
    </article>
  );
}

function RateForm({ ticket, onRated }: { ticket: string; onRated(): void }) {
  const { t } = useT();
  const [score, setScore] = useState('');
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!score) { setErrors({ 'rt-score': t.cp.err.score }); requestAnimationFrame(() => document.getElementById('rt-errors')?.focus()); return; }
    setErrors({});
    try {
      await postJson(`/api/public/complaints/${encodeURIComponent(ticket)}/rating`, { score: Number(score), comment: comment.trim() || null });
      onRated();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  return (
    <form onSubmit={submit} noValidate data-testid="rate-form" aria-labelledby="rt-title">
      <h3 id="rt-title">{t.cp.rate}</h3>
      {failure && <ErrorBox error={failure} />}
      <ErrorSummary id="rt-errors" errors={errors} labels={{ 'rt-score': t.cp.rating }} />
      <RadioGroup id="rt-score" label={t.cp.rating} value={score} onChange={setScore} error={errors['rt-score']}
        options={[5, 4, 3, 2, 1].map((n) => ({ value: String(n), label: `${'★'.repeat(n)} ${t.cp.stars(n)}` }))} />
      <TextField id="rt-comment" label={t.cp.comment} optional value={comment} onChange={setComment} multiline maxLength={500} />
      <p><button type="submit" className="primary" data-testid="rate-submit">{t.submit}</button></p>
    </form>
  );
}
