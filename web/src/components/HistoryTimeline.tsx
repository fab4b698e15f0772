import type { ReactNode } from 'react';
import { Empty, Space, Tag, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { HistoryEntry } from '@minsheng/contracts';
import { fieldLabel, formatChangeValue } from '../labels.ts';
import { formatDateTime } from '../format.ts';

/** Who changed what, when and why: one timeline item per version, newest first. */
export default function HistoryTimeline({ items }: { items: HistoryEntry[] }): ReactNode {
  const { t } = useTranslation();
  if (items.length === 0) {
    return <div data-testid="history-timeline"><Empty description={t('history.empty')} /></div>;
  }
  const sorted = [...items].sort((a, b) => b.version - a.version);
  return (
    <div data-testid="history-timeline">
      <Timeline
        items={sorted.map((h) => ({
          key: h.version,
          color: h.version === 1 ? 'green' : 'blue',
          content: (
            <div data-testid="history-entry">
              <Space size={8} wrap>
                <Tag color={h.version === 1 ? 'green' : 'blue'}>{t('history.version', { version: h.version })}</Tag>
                <Typography.Text>{formatDateTime(h.changedAt)}</Typography.Text>
                <Typography.Text type="secondary">{t('history.by')}: {h.changedBy}</Typography.Text>
              </Space>
              <div style={{ marginTop: 4 }}>
                <Typography.Text type="secondary">{t('history.reason')}: </Typography.Text>
                <Typography.Text>{h.reason || (h.version === 1 ? t('history.created') : t('common.none'))}</Typography.Text>
              </div>
              {h.changes.length === 0 ? (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {h.version === 1 ? t('history.created') : t('history.noFieldChanges')}
                </Typography.Text>
              ) : (
                <ul style={{ margin: '4px 0 0', paddingInlineStart: 18 }}>
                  {h.changes.map((c) => (
                    <li key={c.field} data-testid="history-change">
                      <Typography.Text strong>{fieldLabel(t, c.field)}</Typography.Text>
                      {': '}
                      <Typography.Text delete type="secondary">{formatChangeValue(t, c.field, c.before)}</Typography.Text>
                      {' → '}
                      <Typography.Text>{formatChangeValue(t, c.field, c.after)}</Typography.Text>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ),
        }))}
      />
    </div>
  );
}
