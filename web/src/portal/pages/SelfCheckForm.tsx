/**
 * One self-check: friendly questions, then the decision of the policy engine run in this browser,
 * explained condition by condition. The answers live in component state only: no request, no
 * storage. The one request on this page asks the public policy list (without any answer) for the
 * version and dated values in force, to warn when this page's copy of the policy is out of date.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useT } from '../i18n.ts';
import { check, chinaToday, findPolicy, type CheckResult } from '../selfcheck/engine.ts';
import { formFor, validate, type Child, type Values } from '../selfcheck/forms.ts';
import { ErrorSummary, RadioGroup, SelectField, TextField, YesNo } from '../components/fields.tsx';
import Explanation from '../selfcheck/Explanation.tsx';
import NotFound from './NotFound.tsx';
import type { Policy } from '../../../../packages/rules/src/types.ts';

/** What the public policy list says of a policy: enough to see that this page's copy is outdated. */
interface ServerPolicy { id: string; version: number; effective: { from: string; to: string | null }; parameters: { name: string; values: { from: string; display: string }[] }[] }
const shippedSummary = (p: Policy): Omit<ServerPolicy, 'id'> => ({
  version: p.version, effective: p.effective,
  parameters: Object.values(p.parameters).map((x) => ({ name: x.name, values: x.values.map((v) => ({ from: v.from, display: v.display })) })),
});
/** Version, period and every dated parameter value: a new yearly standard changes it even without a new version. */
const fingerprint = (p: Omit<ServerPolicy, 'id'>): string => [
  p.version, p.effective.from, p.effective.to ?? '',
  ...p.parameters.map((x) => `${x.name}:${x.values.map((v) => `${v.from}=${v.display}`).join(',')}`).sort(),
].join('|');

export default function SelfCheckForm() {
  const { t, lang } = useT();
  const { ns = '', name = '' } = useParams();
  const id = `${ns}/${name}`;
  const shipped = findPolicy(id);
  const form = useMemo(() => formFor(id, t, lang), [id, t, lang]);
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<CheckResult | null>(null);
  const [stale, setStale] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const resultRef = useRef<HTMLElement>(null);
  const on = chinaToday();

  useEffect(() => {
    if (!shipped) return;
    let live = true;
    fetch('/api/policies').then((r) => (r.ok ? r.json() : null)).then((list: { items?: ServerPolicy[] } | null) => {
      const server = list?.items?.find((x) => x.id === id);
      if (live && server && fingerprint(server) !== fingerprint(shippedSummary(shipped.policy))) setStale(true);
    }).catch(() => undefined);
    return () => { live = false; };
  }, [id, shipped]);

  useEffect(() => { if (result) resultRef.current?.focus(); }, [result]);
  useEffect(() => { if (Object.keys(errors).length) (summary.current ?? document.getElementById('sc-errors'))?.focus(); }, [errors]);

  if (!shipped || !form) return <NotFound />;
  const { policy } = shipped;
  const title = lang === 'en' ? policy.title.en ?? policy.title.zh : policy.title.zh;
  const set = (key: string) => (v: string) => setValues((old) => ({ ...old, [key]: v }));
  const children: Child[] = Array.isArray(values.children) ? values.children : [];
  const setChildren = (c: Child[]) => setValues((old) => ({ ...old, children: c }));
  const fid = (key: string) => `sc-${key}`;

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const errs = validate(form, values, t);
    const prefixed = Object.fromEntries(Object.entries(errs).map(([k, v]) => [fid(k), v]));
    setErrors(prefixed);
    if (Object.keys(errs).length) { setResult(null); return; }
    setResult(check(shipped, form.toInput(values), on));
  };

  return (
    <section className="page">
      <p className="crumb"><Link to="/self-check">← {t.sc.title}</Link></p>
      <h1>{title}</h1>
      <p className="privacy">{t.sc.privacy}</p>
      {stale && <p className="warn" role="status" data-testid="stale-policy">{t.sc.stale}</p>}
      <form onSubmit={submit} noValidate data-testid="self-check-form" autoComplete="off">
        <ErrorSummary id="sc-errors" errors={errors} labels={Object.fromEntries(form.fields.map((f) => [fid(f.key), f.label]))} />
        {form.fields.map((f) => {
          const common = { id: fid(f.key), label: f.label, hint: f.hint, error: errors[fid(f.key)], optional: f.optional };
          const value = typeof values[f.key] === 'string' ? (values[f.key] as string) : '';
          switch (f.kind) {
            case 'date': return <TextField key={f.key} {...common} inputMode="numeric" value={value} onChange={set(f.key)} maxLength={12} />;
            case 'datetime': return <TextField key={f.key} {...common} type="datetime-local" value={value} onChange={set(f.key)} />;
            case 'int': return <TextField key={f.key} {...common} inputMode="numeric" unit={f.unit} value={value} onChange={set(f.key)} maxLength={6} />;
            case 'money': return <TextField key={f.key} {...common} inputMode="decimal" unit={t.sc.yuan} value={value} onChange={set(f.key)} maxLength={12} />;
            case 'yesno': return <YesNo key={f.key} {...common} value={value} onChange={set(f.key)} />;
            case 'radio': return <RadioGroup key={f.key} {...common} options={f.options ?? []} value={value} onChange={set(f.key)} />;
            case 'select': case 'district': return <SelectField key={f.key} {...common} options={f.options ?? []} value={value} onChange={set(f.key)} />;
            case 'children': return (
              <fieldset key={f.key} className="field" id={fid(f.key)}>
                <legend className="label">{f.label}</legend>
                {children.length === 0 && <p className="hint">{t.sc.f.noChildren}</p>}
                {children.map((c, i) => (
                  <fieldset key={i} className="child">
                    <legend>{t.sc.f.child(i + 1)}</legend>
                    <label className="choice"><input type="checkbox" checked={c.livesWithParent} onChange={(e) => setChildren(children.map((x, j) => (j === i ? { ...x, livesWithParent: e.target.checked } : x)))} /> <span>{t.sc.f.livesWithParent}</span></label>
                    <label className="choice"><input type="checkbox" checked={c.sameStreet} onChange={(e) => setChildren(children.map((x, j) => (j === i ? { ...x, sameStreet: e.target.checked } : x)))} /> <span>{t.sc.f.sameStreet}</span></label>
                    <button type="button" className="link-button" onClick={() => setChildren(children.filter((_, j) => j !== i))}>{t.sc.f.removeChild}<span className="sr-only"> {t.sc.f.child(i + 1)}</span></button>
                  </fieldset>
                ))}
                <button type="button" className="secondary" onClick={() => setChildren([...children, { livesWithParent: false, sameStreet: false }])}>+ {t.sc.f.addChild}</button>
              </fieldset>
            );
          }
        })}
        <p><button type="submit" className="primary" data-testid="self-check-submit">{t.sc.check}</button></p>
      </form>
      {result && (
        <section ref={resultRef} tabIndex={-1} aria-live="polite" className="result" data-testid="self-check-result" aria-labelledby="sc-result-title">
          {result.ok
            ? <Explanation form={form} decision={result.decision} titleId="sc-result-title" />
            : <><h2 id="sc-result-title">{t.error}</h2><p className="field-error">{t.sc.invalid}{result.message}</p></>}
          <p><button type="button" className="secondary" onClick={() => { setValues({}); setResult(null); setErrors({}); }}>{t.sc.again}</button></p>
        </section>
      )}
      <aside className="source" aria-label={t.sc.source}>
        <h2>{t.sc.source}</h2>
        <p>《{policy.source.document}》{policy.source.article ? ` ${policy.source.article}` : ''}{policy.source.url && <> · <a href={policy.source.url} rel="noreferrer noopener" target="_blank">{policy.source.url.replace(/^https?:\/\/([^/]+).*/, '$1')}</a></>}</p>
        <p>{t.sc.effective(policy.effective.from, policy.effective.to ?? t.sc.openEnded)}</p>
      </aside>
    </section>
  );
}
