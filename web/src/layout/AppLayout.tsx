import { Suspense, useState, type ReactNode } from 'react';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Button, Layout, Menu, Spin, Tag, Typography, theme } from 'antd';
import type { MenuProps } from 'antd';
import {
  AlertOutlined, ApartmentOutlined, AuditOutlined, CloudUploadOutlined, FundProjectionScreenOutlined,
  HomeOutlined, SolutionOutlined, TranslationOutlined, UserSwitchOutlined,
} from '@ant-design/icons';
import type { Messages } from '../i18n/zh.ts';

const { Header, Sider, Content, Footer } = Layout;

type NavKey = keyof Messages['nav'];

interface NavEntry { key: NavKey; path?: string; icon: ReactNode }

/** Modules in the left menu; entries without a path are future modules, shown disabled. */
const NAV: NavEntry[] = [
  { key: 'overview', path: '/', icon: <HomeOutlined /> },
  { key: 'regions', path: '/regions', icon: <ApartmentOutlined /> },
  { key: 'persons', path: '/persons', icon: <SolutionOutlined /> },
  { key: 'imports', path: '/imports', icon: <CloudUploadOutlined /> },
  { key: 'assistance', icon: <AuditOutlined /> },
  { key: 'monitoring', icon: <AlertOutlined /> },
  { key: 'eldercare', icon: <UserSwitchOutlined /> },
  { key: 'projects', icon: <FundProjectionScreenOutlined /> },
];

function selectedKey(pathname: string): NavKey {
  if (pathname.startsWith('/regions')) return 'regions';
  if (pathname.startsWith('/persons') || pathname.startsWith('/households')) return 'persons';
  if (pathname.startsWith('/imports')) return 'imports';
  return 'overview';
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
  const [collapsed, setCollapsed] = useState(false);
  const { token } = theme.useToken();

  const items: MenuProps['items'] = NAV.map((n) => ({
    key: n.key,
    icon: n.icon,
    disabled: !n.path,
    label: n.path
      ? <Link to={n.path} data-testid={`nav-${n.key}`}>{t(`nav.${n.key}`)}</Link>
      : (
        <span
          data-testid={`nav-${n.key}`}
          title={t('app.comingSoon')}
          style={{ display: 'inline-flex', alignItems: 'center', justifyContent: 'space-between', gap: 6, width: '100%' }}
        >
          <span style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>{t(`nav.${n.key}`)}</span>
          {!collapsed && (
            <Tag variant="filled" style={{ marginInlineEnd: 0, fontSize: 11, lineHeight: '18px', paddingInline: 5 }}>
              {t('app.comingSoon')}
            </Tag>
          )}
        </span>
      ),
  }));

  const toggleLang = (): void => {
    void i18n.changeLanguage(i18n.language === 'en' ? 'zh' : 'en');
  };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Header
        style={{
          display: 'flex', alignItems: 'center', gap: 16, paddingInline: 24,
          background: '#a61d24', position: 'sticky', top: 0, zIndex: 10,
        }}
      >
        <Link to="/" style={{ display: 'flex', alignItems: 'baseline', gap: 12, color: '#fff' }}>
          <Typography.Text strong style={{ color: '#fff', fontSize: 20, whiteSpace: 'nowrap' }}>
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
          {t('app.langSwitch')}
        </Button>
      </Header>
      <Layout>
        <Sider
          width={244}
          collapsible
          collapsed={collapsed}
          onCollapse={setCollapsed}
          breakpoint="lg"
          theme="light"
          style={{
            borderInlineEnd: `1px solid ${token.colorBorderSecondary}`,
            position: 'sticky', top: 64, height: 'calc(100vh - 64px)', overflowY: 'auto',
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
