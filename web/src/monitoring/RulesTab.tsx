import type { ReactNode } from 'react';
import { Alert, Card, List, Space, Tag, Typography } from 'antd';
import { useApi } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { useMt } from './i18n.ts';
import { SEVERITY_COLOR, type Severity } from './types.ts';

interface RuleInfo {
  id: string; version: number; title: { zh: string; en: string }; severity: Severity; suppressionDays: number; reason: string;
  sla: { verificationDays: number; decisionDays: number; followUpDays: number }; reevaluate: string[];
  conditions: Array<{ id: string; expr: string; reason: { zh: string } }>;
}
interface LoadError { file: string; line: number; column: number; message: string }

/** The warning rules as loaded (policies/monitoring), and the files that did not load, with their line. */
export default function RulesTab(): ReactNode {
  const mt = useMt();
  const { data, error, loading, reload } = useApi<{ items: RuleInfo[]; errors: LoadError[] }>('/monitoring/rules');
  if (error) return <ErrorAlert error={error} onRetry={reload} />;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {(data?.errors.length ?? 0) > 0 && (
        <Alert type="error" showIcon title={mt('rules.errors')} data-testid="rule-errors"
          description={<ul style={{ margin: 0, paddingInlineStart: 18 }}>{data!.errors.map((e) => <li key={`${e.file}:${e.line}:${e.message}`}><Typography.Text code>{e.file}:{e.line}:{e.column}</Typography.Text> {e.message}</li>)}</ul>} />
      )}
      <List loading={loading} dataSource={data?.items ?? []} renderItem={(r) => (
        <List.Item style={{ paddingInline: 0 }}>
          <Card size="small" style={{ width: '100%' }} title={<Space wrap><Tag color={SEVERITY_COLOR[r.severity]}>{mt(`severities.${r.severity}`)}</Tag>{r.title.zh}<Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.id} v{r.version}</Typography.Text></Space>}>
            <Typography.Paragraph type="secondary" style={{ marginBottom: 6 }}>{r.reason}</Typography.Paragraph>
            <Space wrap style={{ marginBottom: 6 }}>
              <Tag>{mt('rules.suppression', { n: r.suppressionDays })}</Tag>
              <Tag>{mt('rules.sla', { v: r.sla.verificationDays, d: r.sla.decisionDays })}</Tag>
            </Space>
            <div>{mt('rules.conditions')}：{r.conditions.map((c) => <div key={c.id}>· {c.reason.zh} <Typography.Text code style={{ fontSize: 12 }}>{c.expr}</Typography.Text></div>)}</div>
          </Card>
        </List.Item>
      )} />
    </Space>
  );
}
