/** The self-check's first page: which policies can be checked, with a promise about privacy. */
import { Link } from 'react-router-dom';
import { useT } from '../i18n.ts';
import { POLICIES } from '../selfcheck/engine.ts';

export default function SelfCheck() {
  const { t, lang } = useT();
  return (
    <section className="page">
      <h1>{t.sc.title}</h1>
      <p className="lead">{t.sc.lead}</p>
      <p className="privacy" data-testid="privacy-note">{t.sc.privacy}</p>
      <h2>{t.sc.choose}</h2>
      <ul className="cards">
        {POLICIES.map(({ id, policy }) => (
          <li key={id} className="card">
            <h3>{lang === 'en' ? policy.title.en ?? policy.title.zh : policy.title.zh}</h3>
            {policy.description && <p>{lang === 'en' ? policy.description.en ?? policy.description.zh : policy.description.zh}</p>}
            <p><Link className="button" to={`/self-check/${id}`} data-testid={`self-check-${id.split('/')[1]}`}>{t.sc.start}<span className="sr-only">：{policy.title[lang] ?? policy.title.zh}</span></Link></p>
          </li>
        ))}
      </ul>
    </section>
  );
}
