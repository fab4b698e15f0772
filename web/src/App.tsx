import { lazy, type ReactNode } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import AppLayout from './layout/AppLayout.tsx';
import { AuthProvider, RequireAuth, RequirePermission } from './auth.tsx';
import LoginPage from './pages/login.tsx';

// One chunk per page, loaded on first visit.
const OverviewPage = lazy(() => import('./pages/overview.tsx'));
const RegionsPage = lazy(() => import('./pages/regions.tsx'));
const PersonsPage = lazy(() => import('./pages/persons.tsx'));
const PersonPage = lazy(() => import('./pages/person.tsx'));
const HouseholdPage = lazy(() => import('./pages/household.tsx'));
const ImportsPage = lazy(() => import('./pages/imports.tsx'));
const NotFoundPage = lazy(() => import('./pages/notfound.tsx'));
const UsersPage = lazy(() => import('./pages/users.tsx'));
const AuditPage = lazy(() => import('./pages/audit.tsx'));
const PoliciesPage = lazy(() => import('./pages/policies.tsx'));
const WorkOrdersPage = lazy(() => import('./pages/workorders.tsx'));
const WorkOrderDetailPage = lazy(() => import('./pages/workorders-detail.tsx'));
const CalendarPage = lazy(() => import('./pages/calendar.tsx'));
const EldercarePage = lazy(() => import('./pages/eldercare.tsx'));
const ElderPage = lazy(() => import('./pages/eldercare-elder.tsx'));
const ProjectsPage = lazy(() => import('./pages/projects.tsx'));
const ProjectTaskPage = lazy(() => import('./pages/projects-task.tsx'));
const MonitoringPage = lazy(() => import('./pages/monitoring.tsx'));
const MonitoringTasksPage = lazy(() => import('./pages/monitoring-tasks.tsx'));
const MonitoringChainPage = lazy(() => import('./pages/monitoring-chain.tsx'));

export default function App(): ReactNode {
  const { i18n } = useTranslation();
  const en = i18n.language === 'en';

  // Idempotent; done during render so date pickers never render with the previous locale.
  dayjs.locale(en ? 'en' : 'zh-cn');

  return (
    <ConfigProvider locale={en ? enUS : zhCN} theme={{ token: { borderRadius: 4 } }}>
      <AntApp>
        <BrowserRouter>
          <AuthProvider>
            <Routes>
              <Route path="login" element={<LoginPage />} />
              <Route element={<RequireAuth><AppLayout /></RequireAuth>}>
                <Route index element={<OverviewPage />} />
                <Route path="regions" element={<RequirePermission perm="regions.read"><RegionsPage /></RequirePermission>} />
                <Route path="regions/:code" element={<RequirePermission perm="regions.read"><RegionsPage /></RequirePermission>} />
                <Route path="persons" element={<RequirePermission perm="registry.read"><PersonsPage /></RequirePermission>} />
                <Route path="persons/:id" element={<RequirePermission perm="registry.read"><PersonPage /></RequirePermission>} />
                <Route path="households/:id" element={<RequirePermission perm="registry.read"><HouseholdPage /></RequirePermission>} />
                <Route path="policies" element={<PoliciesPage />} />
                <Route path="eldercare" element={<EldercarePage />} />
                <Route path="eldercare/elders/:personId" element={<RequirePermission perm="eldercare.read"><ElderPage /></RequirePermission>} />
                <Route path="projects" element={<ProjectsPage />} />
                <Route path="projects/tasks/:id" element={<ProjectTaskPage />} />
                <Route path="monitoring" element={<RequirePermission perm="monitoring.read"><MonitoringPage /></RequirePermission>} />
                <Route path="monitoring/tasks" element={<RequirePermission perm="workorders.read"><MonitoringTasksPage /></RequirePermission>} />
                <Route path="monitoring/chains/:id" element={<RequirePermission perm="monitoring.read"><MonitoringChainPage /></RequirePermission>} />
                <Route path="imports" element={<RequirePermission perm="imports.run"><ImportsPage /></RequirePermission>} />
                <Route path="workorders" element={<RequirePermission perm="workorders.read"><WorkOrdersPage /></RequirePermission>} />
                <Route path="workorders/:id" element={<RequirePermission perm="workorders.read"><WorkOrderDetailPage /></RequirePermission>} />
                <Route path="admin/calendar" element={<RequirePermission perm="calendar.admin"><CalendarPage /></RequirePermission>} />
                <Route path="admin/users" element={<RequirePermission perm="users.admin"><UsersPage /></RequirePermission>} />
                <Route path="admin/audit" element={<RequirePermission perm="audit.read"><AuditPage /></RequirePermission>} />
                <Route path="*" element={<NotFoundPage />} />
              </Route>
            </Routes>
          </AuthProvider>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
