import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Badge, Button, List, Popover, Typography } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { apiGet, request, type StaffNotification } from '../api.ts';
import { formatDateTime } from '../format.ts';

/** How often the bell asks for new notifications (a new or escalated order shows within this). */
const POLL_MS = 30_000;

/** The bell in the header: unread count, the latest notifications, a click opens the work order. */
export default function NotificationBell(): ReactNode {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [data, setData] = useState<{ items: StaffNotification[]; unread: number }>({ items: [], unread: 0 });

  const load = useCallback(async (): Promise<void> => {
    try {
      setData(await apiGet<{ items: StaffNotification[]; unread: number }>('/notifications', { limit: 20 }));
    } catch {
      // the bell stays as it was; the pages show their own errors
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => { if (document.visibilityState === 'visible') void load(); }, POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

  const markRead = async (body: { ids: number[] } | { all: true }): Promise<void> => {
    await request('/notifications/read', { method: 'POST', body }).catch(() => undefined);
    await load();
  };

  const openItem = (n: StaffNotification): void => {
    setOpen(false);
    if (!n.readAt) void markRead({ ids: [n.id] });
    if (n.workOrderId !== null) navigate(`/workorders/${n.workOrderId}`);
  };

  const content = (
    <div style={{ width: 'min(360px, 90vw)' }} data-testid="notification-list">
      <List
        size="small"
        dataSource={data.items}
        locale={{ emptyText: t('workorders.bell.empty') }}
        renderItem={(n) => (
          <List.Item
            onClick={() => openItem(n)}
            style={{ cursor: n.workOrderId !== null ? 'pointer' : 'default', background: n.readAt ? undefined : '#fff7e6', paddingInline: 8 }}
            data-testid="notification-item"
          >
            <List.Item.Meta
              title={<Typography.Text strong={!n.readAt}>{n.title}</Typography.Text>}
              description={<span style={{ fontSize: 12 }}>{formatDateTime(n.createdAt)}{n.body ? ` · ${n.body}` : ''}</span>}
            />
          </List.Item>
        )}
      />
      {data.unread > 0 && (
        <Button type="link" size="small" onClick={() => void markRead({ all: true })} data-testid="notification-mark-all">
          {t('workorders.bell.markAll')}
        </Button>
      )}
    </div>
  );

  return (
    <Popover
      content={content}
      title={`${t('workorders.bell.title')}${data.unread > 0 ? ` · ${t('workorders.bell.unread', { n: data.unread })}` : ''}`}
      trigger="click"
      placement="bottomRight"
      open={open}
      onOpenChange={(o) => { setOpen(o); if (o) void load(); }}
    >
      <Badge count={data.unread} size="small" offset={[-4, 4]}>
        <Button type="text" icon={<BellOutlined style={{ color: '#fff', fontSize: 18 }} />} aria-label={t('workorders.bell.title')} data-testid="notification-bell" />
      </Badge>
    </Popover>
  );
}
