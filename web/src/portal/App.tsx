/** The portal's shell: skip link, header with the large-type and language switches, routes. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, NavLink, Route, Routes, useLocation } from 'react-router-dom';
import { LangContext, STRINGS, type Lang } from './i18n.ts';
import { applyElder, applyLang, initialElder, initialLang } from './prefs.ts';
import Home from './pages/Home.tsx';
import SelfCheck from './pages/SelfCheck.tsx';
import SelfCheckForm from './pages/SelfCheckForm.tsx';
import Tracker from './pages/Tracker.tsx';
import Project from './pages/Project.tsx';
import Task from './pages/Task.tsx';
import Suggestions from './pages/Suggestions.tsx';
import ComplaintNew from './pages/ComplaintNew.tsx';
import ComplaintTrack from './pages/ComplaintTrack.tsx';
import Report from './pages/Report.tsx';
import NotFound from './pages/NotFound.tsx';

export default function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [elder, setElder] = useState<boolean>(initialElder);
  const value = useMemo(() => ({ lang, t: STRINGS[lang], setLang: setLangState }), [lang]);
  const { t } = value;
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => applyLang(lang), [lang]);
  useEffect(() => applyElder(elder), [elder]);
  useEffect(() => { document.title = `${t.site}`; }, [t]);
  // A new page moves focus to its content, so screen-reader and keyboard users start there.
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    main.current?.focus();
    window.scrollTo(0, 0);
  }, [location.pathname]);

  return (
    <LangContext.Provider value={value}>
      <a className="skip" href="#main">{t.skip}</a>
      <header className="top">
        <div className="top-row">
          <Link to="/" className="brand">
            <span className="logo" aria-hidden="true">民</span>
            <span>{t.site}</span>
          </Link>
          <div className="tools">
            <button type="button" className="tool" aria-pressed={elder} onClick={() => setElder(!elder)} title={t.elderHint} data-testid="elder-toggle">
              <span aria-hidden="true">{elder ? 'A' : 'A+'}</span> {t.elderOn}
            </button>
            <button type="button" className="tool" lang={lang === 'zh' ? 'en' : 'zh-CN'} title={t.langLabel} onClick={() => setLangState(lang === 'zh' ? 'en' : 'zh')} data-testid="lang-toggle">
              {t.lang}
            </button>
          </div>
        </div>
        <nav aria-label={t.nav.label} className="nav">
          <ul>
            <li><NavLink to="/" end>{t.nav.home}</NavLink></li>
            <li><NavLink to="/self-check">{t.nav.selfCheck}</NavLink></li>
            <li><NavLink to="/tracker">{t.nav.tracker}</NavLink></li>
            <li><NavLink to="/suggestions">{t.nav.suggestions}</NavLink></li>
            <li><NavLink to="/complaints/new">{t.nav.complaints}</NavLink></li>
            <li><NavLink to="/complaints/track">{t.nav.track}</NavLink></li>
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/self-check" element={<SelfCheck />} />
          <Route path="/self-check/:ns/:name" element={<SelfCheckForm />} />
          <Route path="/tracker" element={<Tracker />} />
          <Route path="/projects/:id" element={<Project />} />
          <Route path="/tasks/:id" element={<Task />} />
          <Route path="/suggestions" element={<Suggestions />} />
          <Route path="/complaints/new" element={<ComplaintNew />} />
          <Route path="/complaints/track" element={<ComplaintTrack />} />
          <Route path="/report" element={<Report />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
      <footer className="foot"><p>{t.footer}</p></footer>
    </LangContext.Provider>
  );
}
