/**
 * Form fields that are accessible by construction: every control has a visible label, hints and
 * errors are tied to it with aria-describedby, groups of radios are a fieldset with a legend, and
 * required fields say so in words (not only with a colour or a star).
 */
import type { ReactNode } from 'react';
import { useT } from '../i18n.ts';

interface Common { id: string; label: string; hint?: string; error?: string; optional?: boolean }

const describedBy = (id: string, hint?: string, error?: string): string | undefined =>
  [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

function Label({ id, label, optional }: { id: string; label: string; optional?: boolean }) {
  const { t } = useT();
  return (
    <label htmlFor={id} className="label">
      {label} <span className="req">（{optional ? t.optional : t.required}）</span>
    </label>
  );
}

function Notes({ id, hint, error }: { id: string; hint?: string; error?: string }) {
  return (
    <>
      {hint && <p id={`${id}-hint`} className="hint">{hint}</p>}
      {error && <p id={`${id}-error`} className="field-error"><span aria-hidden="true">⚠ </span>{error}</p>}
    </>
  );
}

export function TextField(p: Common & { value: string; onChange(v: string): void; type?: 'text' | 'date' | 'datetime-local' | 'tel'; inputMode?: 'numeric' | 'decimal' | 'tel' | 'text'; autoComplete?: string; unit?: string; multiline?: boolean; maxLength?: number }) {
  const common = {
    id: p.id, name: p.id, value: p.value, 'aria-invalid': p.error ? true : undefined, 'aria-required': p.optional ? undefined : true,
    'aria-describedby': describedBy(p.id, p.hint, p.error), maxLength: p.maxLength,
  };
  return (
    <div className={`field${p.error ? ' has-error' : ''}`}>
      <Label id={p.id} label={p.label} optional={p.optional} />
      <Notes id={p.id} hint={p.hint} error={p.error} />
      <div className="control-row">
        {p.multiline
          ? <textarea {...common} rows={5} onChange={(e) => p.onChange(e.target.value)} />
          : <input {...common} type={p.type ?? 'text'} inputMode={p.inputMode} autoComplete={p.autoComplete ?? 'off'} onChange={(e) => p.onChange(e.target.value)} />}
        {p.unit && <span className="unit">{p.unit}</span>}
      </div>
    </div>
  );
}

export function SelectField(p: Common & { value: string; onChange(v: string): void; options: { value: string; label: string }[] }) {
  const { t } = useT();
  return (
    <div className={`field${p.error ? ' has-error' : ''}`}>
      <Label id={p.id} label={p.label} optional={p.optional} />
      <Notes id={p.id} hint={p.hint} error={p.error} />
      <select id={p.id} name={p.id} value={p.value} onChange={(e) => p.onChange(e.target.value)} aria-invalid={p.error ? true : undefined}
        aria-required={p.optional ? undefined : true} aria-describedby={describedBy(p.id, p.hint, p.error)}>
        <option value="">{t.choose}</option>
        {p.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </div>
  );
}

export function RadioGroup(p: Common & { value: string; onChange(v: string): void; options: { value: string; label: string }[] }) {
  const { t } = useT();
  return (
    <fieldset id={p.id} className={`field radios${p.error ? ' has-error' : ''}`} aria-describedby={describedBy(p.id, p.hint, p.error)} tabIndex={-1}>
      <legend className="label">{p.label} <span className="req">（{p.optional ? t.optional : t.required}）</span></legend>
      <Notes id={p.id} hint={p.hint} error={p.error} />
      <div className="radio-list">
        {p.options.map((o) => (
          <label key={o.value} className="choice">
            <input type="radio" name={p.id} value={o.value} checked={p.value === o.value} onChange={() => p.onChange(o.value)} />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function YesNo(p: Common & { value: string; onChange(v: string): void }) {
  const { t } = useT();
  return <RadioGroup {...p} options={[{ value: 'yes', label: t.yes }, { value: 'no', label: t.no }]} />;
}

/** Lists the problems at the top of a form; the form moves focus here when it refuses to submit. */
export function ErrorSummary({ errors, labels, id }: { errors: Record<string, string>; labels: Record<string, string>; id: string }): ReactNode {
  const { t } = useT();
  const keys = Object.keys(errors);
  if (!keys.length) return null;
  return (
    <div className="error-summary" role="alert" id={id} tabIndex={-1}>
      <p>{t.fixErrors(keys.length)}</p>
      <ul>{keys.map((k) => <li key={k}><a href={`#${k}`}>{labels[k] ?? k}{t.colon}{errors[k]}</a></li>)}</ul>
    </div>
  );
}
