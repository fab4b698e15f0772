import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { App, Button, Card, Empty, List, Space, Tag, Typography } from 'antd';
import { request, useApi, type ApiError } from '../api.ts';
import { useAuth } from '../auth.tsx';
import ErrorAlert from '../components/ErrorAlert.tsx';
import type { ReviewItem } from './types.ts';
import { useMt } from './i18n.ts';

/** Feed records matched only by name + birth date + region: staff confirm one candidate or reject. */
export default function ReviewsTab(): ReactNode {
  const { t } = useTranslation();
  const mt = useMt();
  const { can } = useAuth();
  const { message } = App.useApp();
  const { data, error, loading, reload } = useApi<{ items: ReviewItem[] }>('/monitoring/reviews', { status: 'open' });
  const [err, setErr] = useState<ApiError>();
  const decide = async (id: number, personId: number | null): Promise<void> => {
    setErr(undefined);
    try {
      await request(`/monitoring/reviews/${id}`, { method: 'POST', body: { personId } });
      void message.success(mt(personId === null ? 'reviews.rejected' : 'reviews.confirmed'));
      reload();
    } catch (e) { setErr(e as ApiError); }
  };
  if (error) return <ErrorAlert error={error} onRetry={reload} />;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {err && <ErrorAlert error={err} />}
      <List loading={loading} dataSource={data?.items ?? []} locale={{ emptyText: <Empty description={mt('reviews.empty')} /> }}
        renderItem={(r) => (
          <List.Item style={{ paddingInline: 0 }}>
            <Card size="small" style={{ width: '100%' }} title={<Space><Tag>{mt(`feedTypes.${r.feedType as 'medical'}`)}</Tag>{r.record.name} · {r.record.birthDate} · {r.record.eventDate}</Space>}
              extra={can('registry.write') && <Button size="small" onClick={() => void decide(r.id, null)}>{mt('reviews.reject')}</Button>}>
              <Typography.Text type="secondary">{mt('reviews.candidates')}</Typography.Text>
              <List size="small" dataSource={r.candidates} renderItem={(c) => (
                <List.Item actions={can('registry.write') ? [<Button key="ok" size="small" type="primary" onClick={() => void decide(r.id, c.personId)}>{mt('reviews.confirm')}</Button>] : []}>
                  {c.name} · {c.citizenId} · {c.birthDate} · {c.communityName ?? c.residenceCommunity}
                </List.Item>
              )} />
            </Card>
          </List.Item>
        )} />
    </Space>
  );
}
