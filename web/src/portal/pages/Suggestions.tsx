/**
 * 我为民心工程提建议: the form (anonymous by default) and the public list with counts, statuses,
 * staff answers and links to the projects suggestions led to. Nothing is public before moderation.
 */
import { useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import type { PublicSuggestionList, SuggestionReceipt, SuggestionTopic } from '@minsheng/contracts';
import { ApiError, postJson, useGet } from '../api.ts';
import { useT } from '../i18n.ts';
import { ErrorSummary, SelectField, TextField } from '../components/fields.tsx';
import { ErrorBox, Load } from '../components/Status.tsx';
import { chinaDay } from '../format.ts';

const TOPICS: SuggestionTopic[] = ['elderly-children', 'services', 'infrastructure', 'governance', 'other'];
const STATUSES = ['', 'published', 'adopted', 'not-adopted', 'merged'] as const;

export default function Suggestions() {
  const { t } = useT();
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('');
  const list = useGet<PublicSuggestionList>(`/api/public/suggestions?limit=50${status ? `&status=${status}` : ''}`);
  return (
    <section className="page">
      <h1>{t.sg.title}</h1>
      <p className="lead">{t.sg.lead}</p>
      <SuggestionForm />
      <h2 id="sg-list">{t.sg.list}</h2>
      <Load state={list}>{(d) => (
        <>
          <div className="stat-grid" data-testid="suggestion-counts">
            <div className="stat"><strong>{d.collectedBeforePlan.count.toLocaleString()}</strong>{t.sg.before}</div>
            <div className="stat"><strong>{d.counts.received.toLocaleString()}</strong>{t.sg.received}</div>
            {STATUSES.filter(Boolean).map((s) => <div className="stat" key={s}><strong>{d.counts.byStatus[s] ?? 0}</strong>{t.sgStatus[s as Exclude<typeof s, ''>]}</div>)}
          </div>
          <fieldset className="filter">
            <legend className="label">{t.sg.status}</legend>
            <div className="stars">
              {STATUSES.map((s) => (
                <label key={s || 'all'} className="choice"><input type="radio" name="sg-status" checked={status === s} onChange={() => setStatus(s)} /><span>{s ? t.sgStatus[s] : t.tr.all}</span></label>
              ))}
            </div>
          </fieldset>
          {d.items.length === 0 ? <p>{t.sg.none}</p> : (
            <ul className="cards one-col" data-testid="suggestion-list">
              {d.items.map((s) => (
                <li key={s.id} id={`s-${s.id}`} className="card">
                  <h3>{s.title}</h3>
                  <p><span className="tag">{t.sgStatus[s.status]}</span> <span className="hint">{t.topic[s.topic]} · {chinaDay(s.submittedAt)}{s.regionName ? ` · ${s.regionName}` : ''}{s.mergedCount > 0 ? ` · ${t.sg.supporters(s.mergedCount)}` : ''}</span></p>
                  <p className="pre">{s.body}</p>
                  {s.response && <p className="reply"><strong>{t.sg.response}{t.colon}</strong>{s.response}</p>}
                  {s.links.length > 0 && (
                    <p>{t.sg.linked}{t.colon}{s.links.map((l, i) => <span key={`${l.kind}${l.id}`}>{i > 0 && '、'}<Link to={l.kind === 'project' ? `/projects/${l.id}` : `/tasks/${l.id}`}>{l.title}</Link></span>)}</p>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}</Load>
    </section>
  );
}

function SuggestionForm() {
  const { t } = useT();
  const [v, setV] = useState({ title: '', body: '', topic: '', name: '', phone: '' });
  const [anonymous, setAnonymous] = useState(true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [receipt, setReceipt] = useState<SuggestionReceipt | null>(null);
  const [busy, setBusy] = useState(false);
  const done = useRef<HTMLDivElement>(null);
  const set = (k: keyof typeof v) => (x: string) => setV((o) => ({ ...o, [k]: x }));
  const labels = { 'sg-title': t.sg.titleField, 'sg-body': t.sg.text, 'sg-topic': t.sg.category, 'sg-phone': t.sg.contact };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (v.title.trim().length < 2) errs['sg-title'] = t.sg.err.title;
    if (v.body.trim().length < 5) errs['sg-body'] = t.sg.err.text;
    if (!v.topic) errs['sg-topic'] = t.sg.err.topic;
    if (!anonymous && v.phone.trim() && !/^1\d{10}$|^0\d{2,3}-?\d{7,8}$/.test(v.phone.trim())) errs['sg-phone'] = t.err.phone;
    setErrors(errs);
    setFailure(null);
    if (Object.keys(errs).length) { requestAnimationFrame(() => document.getElementById('sg-errors')?.focus()); return; }
    setBusy(true);
    try {
      const r = await postJson<SuggestionReceipt>('/api/public/suggestions', {
        title: v.title.trim(), body: v.body.trim(), topic: v.topic, anonymous,
        ...(anonymous ? {} : { contactName: v.name.trim() || null, contactPhone: v.phone.trim() || null }),
      });
      setReceipt(r);
      setV({ title: '', body: '', topic: '', name: '', phone: '' });
      requestAnimationFrame(() => done.current?.focus());
    } catch (err) {
      const ae = err as ApiError;
      const field = ae.field === 'title' ? 'sg-title' : ae.field === 'body' ? 'sg-body' : ae.field === 'topic' ? 'sg-topic' : ae.field === 'contactPhone' ? 'sg-phone' : null;
      if (field) { setErrors({ [field]: ae.message }); requestAnimationFrame(() => document.getElementById('sg-errors')?.focus()); } else setFailure(ae);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="card" data-testid="suggestion-form" aria-labelledby="sg-form-title">
      <h2 id="sg-form-title">{t.sg.form}</h2>
      {receipt && (
        <div className="ok-box" role="status" tabIndex={-1} ref={done} data-testid="suggestion-receipt">
          <p>{t.sg.thanks}</p>
          <p>{t.sg.receipt}{t.colon}<span className="ticket">{receipt.receipt}</span></p>
        </div>
      )}
      {failure && <ErrorBox error={failure} />}
      <ErrorSummary id="sg-errors" errors={errors} labels={labels} />
      <TextField id="sg-title" label={t.sg.titleField} value={v.title} onChange={set('title')} error={errors['sg-title']} maxLength={80} />
      <TextField id="sg-body" label={t.sg.text} hint={t.sg.textHint} value={v.body} onChange={set('body')} error={errors['sg-body']} multiline maxLength={2000} />
      <SelectField id="sg-topic" label={t.sg.category} value={v.topic} onChange={set('topic')} error={errors['sg-topic']} options={TOPICS.map((x) => ({ value: x, label: t.topic[x] }))} />
      <label className="choice"><input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} data-testid="sg-anonymous" /><span>{t.sg.anonymous}</span></label>
      {!anonymous && (
        <>
          <TextField id="sg-name" label={t.sg.name} optional value={v.name} onChange={set('name')} maxLength={30} autoComplete="name" />
          <TextField id="sg-phone" label={t.sg.contact} optional type="tel" inputMode="tel" value={v.phone} onChange={set('phone')} error={errors['sg-phone']} maxLength={13} autoComplete="tel" />
        </>
      )}
      <p><button type="submit" className="primary" disabled={busy} data-testid="suggestion-submit">{t.submit}</button></p>
    </form>
  );
}
