import { Suspense, useEffect, useState, type ReactNode } from 'react';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { App, Button, Descriptions, Layout, Menu, Popover, Space, Spin, Tag, Typography, theme } from 'antd';
import type { MenuProps } from 'antd';
import {
  AlertOutlined, ApartmentOutlined, AuditOutlined, BookOutlined, CalendarOutlined, CarryOutOutlined, CloudUploadOutlined, FileSearchOutlined,
  FundProjectionScreenOutlined, HomeOutlined, LogoutOutlined, SolutionOutlined, TeamOutlined,
  MenuOutlined, TranslationOutlined, UserOutlined, UserSwitchOutlined,
} from '@ant-design/icons';
import type { Messages } from '../i18n/zh.ts';
import type { Me, Permission } from '../access.ts';
import { useAuth, useMe } from '../auth.tsx';
import { enumLabel } from '../labels.ts';
import NotificationBell from '../components/NotificationBell.tsx';

const { Header, Sider, Content, Footer } = Layout;

type NavKey = keyof Messages['nav'] | 'workorders' | 'calendar';
/** Module entries whose label lives in the module's own strings. */
const MODULE_LABELS = { workorders: 'workorders.nav', calendar: 'workorders.calendarNav' } as const;

/** A menu entry is shown only when the user has `perm`. */
interface NavEntry { key: NavKey; path?: string; icon: ReactNode; perm?: Permission }

/** Modules in the left menu; entries without a path are future modules, shown disabled. */
const NAV: NavEntry[] = [
  { key: 'overview', path: '/', icon: <HomeOutlined /> },
  { key: 'regions', path: '/regions', icon: <ApartmentOutlined />, perm: 'regions.read' },
  { key: 'persons', path: '/persons', icon: <SolutionOutlined />, perm: 'registry.read' },
  { key: 'imports', path: '/imports', icon: <CloudUploadOutlined />, perm: 'imports.run' },
  { key: 'workorders', path: '/workorders', icon: <CarryOutOutlined />, perm: 'workorders.read' },
  { key: 'policies', path: '/policies', icon: <BookOutlined /> },
  { key: 'assistance', icon: <AuditOutlined /> },
  { key: 'monitoring', path: '/monitoring', icon: <AlertOutlined />, perm: 'monitoring.read' },
  { key: 'eldercare', path: '/eldercare', icon: <UserSwitchOutlined />, perm: 'alarms.handle' },
  { key: 'projects', path: '/projects', icon: <FundProjectionScreenOutlined /> },
];

/** The administration group, under its own heading. */
const ADMIN_NAV: NavEntry[] = [
  { key: 'users', path: '/admin/users', icon: <TeamOutlined />, perm: 'users.admin' },
  { key: 'audit', path: '/admin/audit', icon: <FileSearchOutlined />, perm: 'audit.read' },
  { key: 'calendar', path: '/admin/calendar', icon: <CalendarOutlined />, perm: 'calendar.admin' },
];

function selectedKey(pathname: string): NavKey {
  if (pathname.startsWith('/regions')) return 'regions';
  if (pathname.startsWith('/persons') || pathname.startsWith('/households')) return 'persons';
  if (pathname.startsWith('/imports')) return 'imports';
  if (pathname.startsWith('/policies')) return 'policies';
  if (pathname.startsWith('/eldercare')) return 'eldercare';
  if (pathname.startsWith('/projects')) return 'projects';
  if (pathname.startsWith('/monitoring')) return 'monitoring';
  if (pathname.startsWith('/admin/users')) return 'users';
  if (pathname.startsWith('/admin/audit')) return 'audit';
  if (pathname.startsWith('/workorders')) return 'workorders';
  if (pathname.startsWith('/admin/calendar')) return 'calendar';
  return 'overview';
}

/** Role labels of the user, without repeats (someone may hold one role in two regions). */
export function roleLabels(t: ReturnType<typeof useTranslation>['t'], me: Me): string[] {
  return [...new Set(me.roles.map((r) => enumLabel(t, 'role', r.role)))];
}

/** Name, office and roles in the header; a click shows the role bindings; plus the sign-out button. */
function UserMenu(): ReactNode {
  const { t } = useTranslation();
  const me = useMe();
  const { signOut } = useAuth();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const labels = roleLabels(t, me);

  const details = (
    <Descriptions
      size="small"
      column={1}
      style={{ maxWidth: 380 }}
      items={[
        { key: 'username', label: t('auth.username'), children: <Typography.Text code>{me.username}</Typography.Text> },
        { key: 'office', label: t('auth.office'), children: me.office },
        {
          key: 'roles', label: t('auth.roles'),
          children: (
            <Space orientation="vertical" size={2}>
              {me.roles.map((r) => (
                <span key={`${r.role}|${r.regionCode}|${r.gridId ?? ''}`} data-testid="user-role">
                  <Tag color="red">{enumLabel(t, 'role', r.role)}</Tag>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {r.regionCode}{r.gridId ? ` · ${t('auth.grid', { grid: r.gridId })}` : ''}
                  </Typography.Text>
                </span>
              ))}
            </Space>
          ),
        },
      ]}
    />
  );

  const logout = async (): Promise<void> => {
    setBusy(true);
    try {
      await signOut();
      void message.success(t('auth.signedOut'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space size={12} align="center">
      <Popover content={details} title={t('auth.account')} trigger="click" placement="bottomRight">
        <button
          type="button"
          data-testid="user-menu"
          style={{
            display: 'flex', alignItems: 'center', gap: 8, background: 'transparent', border: 0, cursor: 'pointer',
            color: '#fff', padding: 0, lineHeight: 1.2, textAlign: 'start', maxWidth: 420,
          }}
        >
          <UserOutlined style={{ fontSize: 18 }} />
          <span style={{ display: 'flex', flexDirection: 'column', minWidth: 0 }}>
            <span className="ms-user-name" style={{ fontWeight: 600, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }} data-testid="header-user-name">{me.displayName}</span>
            <span
              className="ms-subtitle"
              style={{ fontSize: 12, color: 'rgba(255,255,255,0.8)', whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}
              data-testid="header-user-office"
            >
              {me.office} · {labels.join('、')}
            </span>
          </span>
        </button>
      </Popover>
      <Button
        data-testid="logout"
        icon={<LogoutOutlined />}
        onClick={() => void logout()}
        loading={busy}
        ghost
        aria-label={t('auth.signOut')}
      >
        <span className="ms-subtitle">{t('auth.signOut')}</span>
      </Button>
    </Space>
  );
}

/** A phone-sized screen: the menu then folds away completely (a grid worker's list needs the width). */
function usePhone(): boolean {
  const query = '(max-width: 575px)';
  const [phone, setPhone] = useState(() => typeof window !== 'undefined' && window.matchMedia(query).matches);
  useEffect(() => {
    const mq = window.matchMedia(query);
    const on = (): void => setPhone(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return phone;
}

export function PageFallback(): ReactNode {
  const { t } = useTranslation();
  return (
    <div style={{ padding: 48, textAlign: 'center' }}>
      <Spin description={t('app.loading')} />
    </div>
  );
}

export default function AppLayout(): ReactNode {
  const { t, i18n } = useTranslation();
  const location = useLocation();
  const phone = usePhone();
  const [collapsed, setCollapsed] = useState(phone);
  // A phone's menu closes once a page is chosen.
  useEffect(() => { if (phone) setCollapsed(true); }, [phone, location.pathname]);
  const { token } = theme.useToken();
  const { can } = useAuth();
  const visible = (n: NavEntry): boolean => n.perm === undefined || can(n.perm);

  const toItem = (n: NavEntry): NonNullable<MenuProps['items']>[number] => ({
    key: n.key,
    icon: n.icon,
    disabled: !n.path,
    label: n.path
      ? <Link to={n.path} data-testid={`nav-${n.key}`}>{n.key === 'workorders' || n.key === 'calendar' ? t(MODULE_LABELS[n.key]) : t(`nav.${n.key}`)}</Link>
      : (
        <span
          data-testid={`nav-${n.key}`}
          title={t('app.comingSoon')}
          style={{ display: 'inline-flex', alignItems: 'center', justifyContent: 'space-between', gap: 6, width: '100%' }}
        >
          <span style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>{n.key === 'workorders' || n.key === 'calendar' ? t(MODULE_LABELS[n.key]) : t(`nav.${n.key}`)}</span>
          {!collapsed && (
            <Tag variant="filled" style={{ marginInlineEnd: 0, fontSize: 11, lineHeight: '18px', paddingInline: 5 }}>
              {t('app.comingSoon')}
            </Tag>
          )}
        </span>
      ),
  });
  const adminItems = ADMIN_NAV.filter(visible).map(toItem);
  const items: MenuProps['items'] = [
    ...NAV.filter(visible).map(toItem),
    ...(adminItems.length > 0
      ? [{ type: 'group' as const, key: 'admin', label: collapsed ? null : t('nav.admin'), children: adminItems }]
      : []),
  ];

  const toggleLang = (): void => {
    void i18n.changeLanguage(i18n.language === 'en' ? 'zh' : 'en');
  };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Header
        className="ms-header"
        style={{
          display: 'flex', alignItems: 'center', gap: 16, paddingInline: 24,
          background: '#a61d24', position: 'sticky', top: 0, zIndex: 10,
        }}
      >
        {phone && (
          <Button
            type="text"
            icon={<MenuOutlined style={{ color: '#fff', fontSize: 18 }} />}
            onClick={() => setCollapsed((c) => !c)}
            aria-label={t('app.menu')}
            aria-expanded={!collapsed}
            data-testid="menu-toggle"
          />
        )}
        <Link to="/" style={{ display: 'flex', alignItems: 'baseline', gap: 12, color: '#fff' }}>
          <Typography.Text strong className="ms-brand" style={{ color: '#fff', fontSize: 20, whiteSpace: 'nowrap' }}>
            {t('app.name')}
          </Typography.Text>
          <Typography.Text style={{ color: 'rgba(255,255,255,0.75)', whiteSpace: 'nowrap' }} className="ms-subtitle">
            {t('app.subtitle')}
          </Typography.Text>
        </Link>
        <div style={{ flex: 1 }} />
        <Button
          data-testid="lang-switch"
          icon={<TranslationOutlined />}
          onClick={toggleLang}
          ghost
          aria-label="Switch language / 切换语言"
        >
          <span className="ms-hide-phone">{t('app.langSwitch')}</span>
        </Button>
        <NotificationBell />
        <UserMenu />
      </Header>
      <Layout>
        <Sider
          width={244}
          collapsedWidth={phone ? 0 : 80}
          trigger={phone ? null : undefined}
          collapsible
          collapsed={collapsed}
          onCollapse={setCollapsed}
          breakpoint="lg"
          theme="light"
          style={{
            borderInlineEnd: `1px solid ${token.colorBorderSecondary}`,
            // On a phone the open menu lies over the page instead of squeezing it.
            position: phone ? 'fixed' : 'sticky', top: 64, height: 'calc(100vh - 64px)', overflowY: 'auto', zIndex: phone ? 20 : undefined,
          }}
        >
          <Menu
            mode="inline"
            selectedKeys={[selectedKey(location.pathname)]}
            items={items}
            style={{ borderInlineEnd: 0, paddingTop: 8 }}
          />
        </Sider>
        <Layout>
          <Content style={{ padding: 24, minWidth: 0 }}>
            <Suspense fallback={<PageFallback />}>
              <Outlet />
            </Suspense>
          </Content>
          <Footer style={{ textAlign: 'center', color: token.colorTextTertiary, paddingBlock: 16 }}>
            {t('app.footer')}
          </Footer>
        </Layout>
      </Layout>
    </Layout>
  );
}
