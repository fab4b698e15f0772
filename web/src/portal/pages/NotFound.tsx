import { Link } from 'react-router-dom';
import { useT } from '../i18n.ts';

export default function NotFound() {
  const { t } = useT();
  return (
    <section className="page" data-testid="not-found">
      <h1>{t.notFound}</h1>
      <p><Link className="button" to="/">{t.back}</Link></p>
    </section>
  );
}
