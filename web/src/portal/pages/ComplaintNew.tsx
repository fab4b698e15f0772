/**
 * 一键直达: a resident reports a problem with a category and a place; the server turns it into a
 * work order for the responsible office and answers with the ticket code, the only key to follow it.
 */
import { useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import type { ComplaintCategory, ComplaintReceipt } from '@minsheng/contracts';
import { ApiError, postJson, useGet } from '../api.ts';
import { useT } from '../i18n.ts';
import { DISTRICTS } from '../districts.ts';
import { ErrorSummary, SelectField, TextField } from '../components/fields.tsx';
import { PlacePicker, placeCode, type Place } from '../components/PlacePicker.tsx';
import { ErrorBox, Load } from '../components/Status.tsx';
import { chinaDay } from '../format.ts';

const FIELD_OF: Record<string, string> = { category: 'cp-category', regionCode: 'cp-district', place: 'cp-place', description: 'cp-text', contactPhone: 'cp-phone' };

export default function ComplaintNew() {
  const { t, lang } = useT();
  const cats = useGet<{ items: ComplaintCategory[] }>('/api/public/complaint-categories');
  const [v, setV] = useState({ category: '', place: '', text: '', name: '', phone: '' });
  const [where, setWhere] = useState<Place>({ district: '', street: '', community: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [receipt, setReceipt] = useState<ComplaintReceipt | null>(null);
  const [busy, setBusy] = useState(false);
  const done = useRef<HTMLDivElement>(null);
  const set = (k: keyof typeof v) => (x: string) => setV((o) => ({ ...o, [k]: x }));
  const labels = { 'cp-category': t.cp.category, 'cp-district': t.cp.district, 'cp-place': t.cp.place, 'cp-text': t.cp.text, 'cp-phone': t.cp.contact };
  const focusErrors = () => requestAnimationFrame(() => document.getElementById('cp-errors')?.focus());

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!v.category) errs['cp-category'] = t.cp.err.category;
    if (!where.district) errs['cp-district'] = t.cp.err.place;
    if (v.place.trim().length < 2) errs['cp-place'] = t.cp.err.placeText;
    if (v.text.trim().length < 5) errs['cp-text'] = t.cp.err.text;
    if (v.phone.trim() && !/^1\d{10}$|^0\d{2,3}-?\d{7,8}$/.test(v.phone.trim())) errs['cp-phone'] = t.err.phone;
    setErrors(errs);
    setFailure(null);
    if (Object.keys(errs).length) { focusErrors(); return; }
    setBusy(true);
    try {
      const r = await postJson<ComplaintReceipt>('/api/public/complaints', {
        category: v.category, regionCode: placeCode(where), place: v.place.trim(), description: v.text.trim(),
        contactName: v.name.trim() || null, contactPhone: v.phone.trim() || null,
      });
      setReceipt(r);
      requestAnimationFrame(() => done.current?.focus());
    } catch (err) {
      const ae = err as ApiError;
      const field = ae.field ? FIELD_OF[ae.field] : undefined;
      if (field) { setErrors({ [field]: ae.message }); focusErrors(); } else setFailure(ae);
    } finally {
      setBusy(false);
    }
  };

  if (receipt) {
    return (
      <section className="page">
        <h1>{t.cp.title}</h1>
        <div className="ok-box" role="status" tabIndex={-1} ref={done} data-testid="complaint-receipt">
          <p>{t.cp.submitted}</p>
          <p className="ticket" data-testid="ticket">{receipt.ticket}</p>
          <p>{t.cp.keep}</p>
          <p>{t.cp.handledBy(receipt.office, receipt.slaWorkingDays)}{receipt.dueAt ? ` ${t.cp.dueOn(chinaDay(receipt.dueAt))}` : ''}</p>
        </div>
        <p><Link className="button" to={`/complaints/track?code=${encodeURIComponent(receipt.ticket)}`} data-testid="track-link">{t.cp.trackIt}</Link></p>
      </section>
    );
  }

  return (
    <section className="page">
      <h1>{t.cp.title}</h1>
      <p className="lead">{t.cp.lead}</p>
      <Load state={cats}>{(c) => (
        <form onSubmit={submit} noValidate data-testid="complaint-form">
          {failure && <ErrorBox error={failure} />}
          <ErrorSummary id="cp-errors" errors={errors} labels={labels} />
          <SelectField id="cp-category" label={t.cp.category} value={v.category} onChange={set('category')} error={errors['cp-category']}
            options={c.items.map((x) => ({ value: x.code, label: `${lang === 'en' ? x.labelEn : x.label}（${t.cp.sla(x.slaWorkingDays)}）` }))} />
          <PlacePicker value={where} onChange={setWhere} districts={DISTRICTS} error={errors['cp-district']} />
          <TextField id="cp-place" label={t.cp.place} hint={t.cp.placeHint} value={v.place} onChange={set('place')} error={errors['cp-place']} maxLength={200} />
          <TextField id="cp-text" label={t.cp.text} hint={t.cp.textHint} value={v.text} onChange={set('text')} error={errors['cp-text']} multiline maxLength={2000} />
          <TextField id="cp-name" label={t.sg.name} optional value={v.name} onChange={set('name')} maxLength={30} autoComplete="name" />
          <TextField id="cp-phone" label={t.cp.contact} optional type="tel" inputMode="tel" value={v.phone} onChange={set('phone')} error={errors['cp-phone']} maxLength={13} autoComplete="tel" />
          <p><button type="submit" className="primary" disabled={busy} data-testid="complaint-submit">{t.submit}</button></p>
        </form>
      )}</Load>
    </section>
  );
}
