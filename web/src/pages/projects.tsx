/** 民心工程 in the console: the plan and flags, a department's tasks, the review queue, suggestions and complaints, as tabs by permission. */
import type { ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import { usePt as useTranslation } from '../projects/i18n.ts';
import { Alert, Tabs, Typography } from 'antd';
import { useAuth } from '../auth.tsx';
import PlanTab from '../projects/PlanTab.tsx';
import ReviewTab from '../projects/ReviewTab.tsx';
import SuggestionsTab from '../projects/SuggestionsTab.tsx';
import ComplaintsTab from '../projects/ComplaintsTab.tsx';

export default function ProjectsPage(): ReactNode {
  const { t } = useTranslation();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const tabs = [
    can('projects.review') ? { key: 'plan', label: t('projects.tabs.plan'), children: <PlanTab mine={false} /> } : null,
    can('projects.report') ? { key: 'mine', label: t('projects.tabs.mine'), children: <PlanTab mine /> } : null,
    can('projects.review') ? { key: 'review', label: t('projects.tabs.review'), children: <ReviewTab /> } : null,
    can('suggestions.moderate') ? { key: 'suggestions', label: t('projects.tabs.suggestions'), children: <SuggestionsTab /> } : null,
    can('complaints.handle') ? { key: 'complaints', label: t('projects.tabs.complaints'), children: <ComplaintsTab /> } : null,
  ].filter((x): x is NonNullable<typeof x> => x !== null);
  const active = tabs.some((x) => x.key === params.get('tab')) ? params.get('tab')! : tabs[0]?.key;
  return (
    <>
      <Typography.Title level={3}>{t('projects.title')}</Typography.Title>
      {tabs.length === 0 ? <Alert type="info" title={t('projects.noAccess')} /> : (
        <Tabs activeKey={active} onChange={(k) => setParams({ tab: k })} items={tabs} destroyOnHidden />
      )}
    </>
  );
}
