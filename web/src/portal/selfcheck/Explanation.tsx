/**
 * The decision in plain words: the verdict (and amount), then every condition with what the
 * resident answered, what the policy requires and the document it comes from. Values marked
 * `example` in the policy file (no official figure at hand) are flagged as such.
 */
import { useT } from '../i18n.ts';
import { EXAMPLE_CITATION, type Decision } from './engine.ts';
import { describeActual, plainExpected, type FormDef } from './forms.ts';

export default function Explanation({ form, decision, titleId }: { form: FormDef; decision: Decision; titleId: string }) {
  const { t, lang } = useT();
  const { trace } = decision;
  const amountParams = trace.parameters.filter((p) => trace.outcome.amountFormula?.includes(`params.${p.name}`));
  const unit = amountParams.find((p) => p.unit)?.unit;
  const amountIsExample = amountParams.some((p) => p.example) && !amountParams.some((p) => !p.example && p.unit);
  const amountText = decision.amount === null ? null
    : unit && lang === 'zh' ? t.sc.amount(decision.amount.toFixed(2), unit) : t.sc.amountPlain(decision.amount.toFixed(2));

  return (
    <>
      <h2 id={titleId} className={decision.eligible ? 'verdict ok' : 'verdict no'} data-testid="verdict" data-eligible={decision.eligible}>
        <span aria-hidden="true">{decision.eligible ? '✓ ' : '✗ '}</span>{decision.eligible ? t.sc.eligible : t.sc.ineligible}
      </h2>
      {amountText && <p className="amount" data-testid="amount">{amountText}{amountIsExample && <span className="example-flag block">{t.sc.example}</span>}</p>}
      <p className="hint">{t.sc.on(decision.on)}</p>
      <h3>{t.sc.whyTitle}</h3>
      <ol className="reasons">
        {trace.conditions.map((c) => {
          const example = c.source === EXAMPLE_CITATION;
          const notes = trace.parameters.filter((p) => c.params.includes(p.name) && p.note);
          return (
            <li key={c.rule} className={c.passed ? 'reason ok' : 'reason no'} data-testid={`reason-${c.rule}`} data-passed={c.passed}>
              <p className="reason-head">
                <span className="badge">{c.passed ? `✓ ${t.sc.passed}` : `✗ ${t.sc.failed}`}</span>
                <span>{lang === 'en' ? c.reason.en ?? c.reason.zh : c.reason.zh}</span>
              </p>
              <dl>
                <dt>{t.sc.yours}</dt>
                <dd>
                  <ul className="actuals">
                    {Object.entries(c.actual).map(([k, v]) => {
                      const a = describeActual(form, k, v, t, lang);
                      return <li key={k}>{a.label}{t.colon}<strong>{a.value}</strong></li>;
                    })}
                  </ul>
                </dd>
                <dt>{t.sc.needed}</dt>
                <dd>{plainExpected(form, c.expected, t)}</dd>
                <dt>{t.sc.basis}</dt>
                <dd>{example ? <span className="example-flag">{t.sc.example}</span> : c.source}
                  {notes.map((p) => <span key={p.name} className="note"> {p.note}</span>)}
                </dd>
              </dl>
            </li>
          );
        })}
      </ol>
      <h3>{t.sc.next}</h3>
      <p>{form.kind === 'trade-in' ? t.sc.nextTradeIn : decision.eligible ? t.sc.nextEligible : t.sc.nextIneligible}</p>
    </>
  );
}
