/** Loading and error states, announced to screen readers. */
import type { ReactNode } from 'react';
import type { ApiError, Loaded } from '../api.ts';
import { useT } from '../i18n.ts';

export function Loading() {
  const { t } = useT();
  return <p role="status" className="hint">{t.loading}</p>;
}

export function ErrorBox({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useT();
  const text = error.code === 'network' ? t.network : error.code === 'rate_limited' ? t.rateLimited : error.message;
  return (
    <div role="alert" className="error-summary">
      <p><strong>{t.error}</strong>{t.colon}{text}</p>
      {onRetry && <button type="button" className="secondary" onClick={onRetry}>{t.retry}</button>}
    </div>
  );
}

/** Renders `children(data)` once loaded; otherwise the loading or error state. */
export function Load<T>({ state, children }: { state: Loaded<T>; children(data: T): ReactNode }) {
  if (state.error) return <ErrorBox error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return <Loading />;
  return <>{children(state.data)}</>;
}

/** A labelled progress bar: the number is always written next to it, never colour alone. */
export function Progress({ value, label }: { value: number; label: string }) {
  const pct = Math.round(value * 100);
  return (
    <div className="progress-row">
      <div className="bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <span style={{ width: `${pct}%` }} />
      </div>
      <span className="pct">{pct}%</span>
    </div>
  );
}
