/** Home: five big doors, one per thing a resident comes for. */
import { Link } from 'react-router-dom';
import { useT } from '../i18n.ts';

export default function Home() {
  const { t } = useT();
  const doors = [
    { to: '/self-check', title: t.home.selfCheck, text: t.home.selfCheckText, icon: '✓', id: 'self-check' },
    { to: '/tracker', title: t.home.tracker, text: t.home.trackerText, icon: '▤', id: 'tracker' },
    { to: '/suggestions', title: t.home.suggest, text: t.home.suggestText, icon: '✎', id: 'suggest' },
    { to: '/complaints/new', title: t.home.complain, text: t.home.complainText, icon: '☎', id: 'complain' },
    { to: '/complaints/track', title: t.home.track, text: t.home.trackText, icon: '⌕', id: 'track' },
  ];
  return (
    <section className="page">
      <h1>{t.home.title}</h1>
      <p className="lead">{t.home.lead}</p>
      <ul className="doors">
        {doors.map((d) => (
          <li key={d.to}>
            <Link to={d.to} className="door" data-testid={`door-${d.id}`}>
              <span className="door-icon" aria-hidden="true">{d.icon}</span>
              <span className="door-title">{d.title}</span>
              <span className="door-text">{d.text}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
