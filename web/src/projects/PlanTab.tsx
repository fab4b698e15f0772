/** The plan with progress and flags (city office: all tasks; a department: its own), export/import and the printable report. */
import { useState, type ReactNode } from 'react';
import { usePt as useTranslation } from './i18n.ts';
import { Alert, App, Button, Card, Progress, Space, Typography, Upload } from 'antd';
import { DownloadOutlined, PrinterOutlined, UploadOutlined } from '@ant-design/icons';
import type { CategoryOverview, TrackerOverview } from '@minsheng/contracts';
import { ApiError, uploadForm, useApi } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import TaskTable from './TaskTable.tsx';
import type { StaffTaskList } from './types.ts';

interface ImportResult { created: number; updated: number; unchanged: number }
interface RowError { row: number; field: string; message: string }

export default function PlanTab({ mine }: { mine: boolean }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const list = useApi<StaffTaskList>(mine ? '/projects/my-tasks' : '/projects/tasks');
  const overview = useApi<TrackerOverview>('/public/tracker');
  const [importErrors, setImportErrors] = useState<RowError[]>([]);
  if (list.error) return <ErrorAlert error={list.error} onRetry={list.reload} />;
  const plan = list.data?.plan;
  const categories: Record<string, string> = Object.fromEntries((overview.data?.categories ?? []).map((c: CategoryOverview) => [c.code, c.title]));
  const dept = mine ? list.data?.items[0]?.leadDepartment.code : undefined;

  const doImport = async (file: File): Promise<void> => {
    const fd = new FormData();
    fd.append('file', file);
    try {
      const r = await uploadForm<ImportResult>('/projects/import', fd);
      setImportErrors([]);
      void message.success(t('projects.plan.imported', { ...r }));
      list.reload();
    } catch (e) {
      const errs = e instanceof ApiError ? (e.details.errors as RowError[] | undefined) ?? [] : [];
      setImportErrors(errs.length ? errs : [{ row: 0, field: e instanceof ApiError ? e.field ?? '' : '', message: e instanceof Error ? e.message : String(e) }]);
    }
  };

  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {plan ? (
        <Card size="small" data-testid="plan-headline">
          <Typography.Text strong>{t('projects.plan.headline', { year: plan.year, projects: plan.headline.projects, tasks: plan.headline.tasks, depts: plan.headline.leadDepartments, suggestions: plan.headline.suggestionsCollected })}</Typography.Text>
          {' · '}<Typography.Text>{t('projects.plan.listed', { listed: plan.listedTasks })}</Typography.Text>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>{plan.coverageNote}</Typography.Paragraph>
          {overview.data && !mine ? <Space><span>{t('projects.plan.overall')}</span><Progress percent={Math.round(overview.data.progress * 100)} style={{ width: 240 }} /></Space> : null}
          <Space wrap style={{ marginTop: 8 }}>
            <Button icon={<PrinterOutlined />} href={`/api/public/report${dept ? `?department=${dept}` : ''}`} target="_blank">{t('projects.plan.publicReport')}</Button>
            {!mine ? <>
              <Button icon={<DownloadOutlined />} href="/api/projects/export?format=xlsx">{t('projects.plan.export')} XLSX</Button>
              <Button icon={<DownloadOutlined />} href="/api/projects/export?format=csv">CSV</Button>
              <Upload accept=".csv,.xlsx" showUploadList={false} beforeUpload={(f) => { void doImport(f); return false; }}>
                <Button icon={<UploadOutlined />}>{t('projects.plan.import')}</Button>
              </Upload>
            </> : null}
          </Space>
        </Card>
      ) : null}
      {importErrors.length > 0 ? (
        <Alert type="error" showIcon title={t('projects.plan.importFailed')} data-testid="import-errors"
          description={<ul style={{ margin: 0 }}>{importErrors.slice(0, 20).map((e, i) => <li key={i}>{e.row ? `row ${e.row}, ` : ''}{e.field}: {e.message}</li>)}</ul>} />
      ) : null}
      <TaskTable items={list.data?.items} loading={list.loading} categories={categories} />
    </Space>
  );
}
