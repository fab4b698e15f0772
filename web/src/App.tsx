import { lazy, type ReactNode } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import AppLayout from './layout/AppLayout.tsx';

// One chunk per page, loaded on first visit.
const OverviewPage = lazy(() => import('./pages/overview.tsx'));
const RegionsPage = lazy(() => import('./pages/regions.tsx'));
const PersonsPage = lazy(() => import('./pages/persons.tsx'));
const PersonPage = lazy(() => import('./pages/person.tsx'));
const HouseholdPage = lazy(() => import('./pages/household.tsx'));
const ImportsPage = lazy(() => import('./pages/imports.tsx'));
const NotFoundPage = lazy(() => import('./pages/notfound.tsx'));

export default function App(): ReactNode {
  const { i18n } = useTranslation();
  const en = i18n.language === 'en';

  // Idempotent; done during render so date pickers never render with the previous locale.
  dayjs.locale(en ? 'en' : 'zh-cn');

  return (
    <ConfigProvider locale={en ? enUS : zhCN} theme={{ token: { borderRadius: 4 } }}>
      <AntApp>
        <BrowserRouter>
          <Routes>
            <Route element={<AppLayout />}>
              <Route index element={<OverviewPage />} />
              <Route path="regions" element={<RegionsPage />} />
              <Route path="regions/:code" element={<RegionsPage />} />
              <Route path="persons" element={<PersonsPage />} />
              <Route path="persons/:id" element={<PersonPage />} />
              <Route path="households/:id" element={<HouseholdPage />} />
              <Route path="imports" element={<ImportsPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
