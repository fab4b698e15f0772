import { useState, type ReactNode } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { LockOutlined, SafetyCertificateOutlined, TranslationOutlined, UserOutlined } from '@ant-design/icons';
import type { TFunction } from 'i18next';
import { ApiError, useApi } from '../api.ts';
import { FullPageSpin, safeNext, useAuth } from '../auth.tsx';
import { enumLabel } from '../labels.ts';
import type { Role } from '../access.ts';

/** `GET /api/health`; `demo` is true on a demo installation (demo city and demo accounts). */
interface Health { status: string; demo?: boolean }

const DEMO_PASSWORD = 'minsheng-demo';
const DEMO_ACCOUNTS: Array<{ username: string; role: Role; where?: string }> = [
  { username: 'admin', role: 'city-admin', where: '天津市' },
  { username: 'heping.district', role: 'district-staff', where: '和平区' },
  { username: 'quanyechang.street', role: 'street-staff', where: '劝业场街道' },
  { username: 'huayuanlu.community', role: 'community-worker', where: '花园路社区' },
  { username: 'huayuanlu.grid', role: 'grid-worker', where: '花园路社区' },
  { username: 'callseat', role: 'call-seat' },
  { username: 'volunteer', role: 'responder' },
  { username: 'auditor', role: 'auditor' },
  { username: 'reporter', role: 'dept-reporter' },
];

interface LoginValues { username: string; password: string }

/** A sentence for the user from the sign-in error (wrong password, locked, rate-limited...). */
function loginErrorText(t: TFunction, e: unknown): string {
  if (!(e instanceof ApiError)) return t('login.failed', { message: e instanceof Error ? e.message : String(e) });
  if (e.status === 401) return t('login.wrong');
  if (e.status === 429) {
    const raw = e.details.retryAfterSeconds;
    const seconds = typeof raw === 'number' && raw > 0 ? Math.ceil(raw) : 60;
    // The account lock (15 min) and the per-address limit (1 min) share the code `rate_limited`.
    return /locked/i.test(e.message) || seconds > 60
      ? t('login.locked', { minutes: Math.max(1, Math.ceil(seconds / 60)) })
      : t('login.rateLimited', { seconds });
  }
  if (e.status === 422 || e.status === 400) return t('login.invalid');
  if (e.status === 0) return t('login.network');
  return t('login.failed', { message: e.message });
}

function DemoAccounts({ onPick }: { onPick: (username: string) => void }): ReactNode {
  const { t } = useTranslation();
  return (
    <Alert
      type="info"
      showIcon
      data-testid="demo-accounts"
      title={t('login.demoTitle')}
      description={(
        <Space orientation="vertical" size={6} style={{ width: '100%' }}>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('login.demoHint', { password: DEMO_PASSWORD })}
          </Typography.Text>
          <div style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 12, rowGap: 2, fontSize: 12 }}>
            {DEMO_ACCOUNTS.map((a) => (
              <div key={a.username} style={{ display: 'contents' }}>
                <Typography.Link
                  onClick={() => onPick(a.username)}
                  data-testid={`demo-${a.username}`}
                  style={{ fontFamily: 'monospace', fontSize: 12 }}
                >
                  {a.username}
                </Typography.Link>
                <Typography.Text style={{ fontSize: 12 }}>
                  {enumLabel(t, 'role', a.role)}{a.where ? ` · ${a.where}` : ''}
                </Typography.Text>
              </div>
            ))}
          </div>
        </Space>
      )}
    />
  );
}

/** `/login`: staff sign-in. After sign-in, back to `?next=` (the page the user was on). */
export default function LoginPage(): ReactNode {
  const { t, i18n } = useTranslation();
  const { state, signIn } = useAuth();
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const [form] = Form.useForm<LoginValues>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const health = useApi<Health>('/health');
  const next = safeNext(params.get('next'));
  const expired = (location.state as { expired?: boolean } | null)?.expired === true;

  if (state.status === 'loading') return <FullPageSpin />;
  if (state.status === 'signed-in' && !busy) return <Navigate to={next} replace />;

  const submit = async (v: LoginValues): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await signIn(v.username.trim(), v.password);
      navigate(next, { replace: true });
    } catch (e) {
      setError(loginErrorText(t, e));
      form.setFieldValue('password', '');
    } finally {
      setBusy(false);
    }
  };

  const pick = (username: string): void => {
    form.setFieldsValue({ username, password: DEMO_PASSWORD });
    setError(undefined);
  };

  return (
    <div style={{ minHeight: '100vh', background: 'linear-gradient(180deg, #a61d24 0, #a61d24 240px, #f5f5f5 240px)' }}>
      <div style={{ display: 'flex', justifyContent: 'flex-end', padding: '16px 24px' }}>
        <Button
          data-testid="lang-switch"
          icon={<TranslationOutlined />}
          ghost
          onClick={() => void i18n.changeLanguage(i18n.language === 'en' ? 'zh' : 'en')}
          aria-label="Switch language / 切换语言"
        >
          {t('app.langSwitch')}
        </Button>
      </div>
      <div style={{ maxWidth: 420, margin: '0 auto', padding: '0 16px 48px' }}>
        <div style={{ textAlign: 'center', color: '#fff', marginBottom: 24 }}>
          <Typography.Title level={2} style={{ color: '#fff', margin: 0 }} data-testid="login-product">{t('app.name')}</Typography.Title>
          <Typography.Text style={{ color: 'rgba(255,255,255,0.85)' }}>{t('login.subtitle')}</Typography.Text>
        </div>
        <Card title={<><SafetyCertificateOutlined /> {t('login.title')}</>} variant="borderless" style={{ boxShadow: '0 6px 24px rgba(0,0,0,0.12)' }}>
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            {expired && !error && <Alert type="warning" showIcon title={t('login.expired')} data-testid="login-expired" />}
            {error && <Alert type="error" showIcon title={error} data-testid="login-error" />}
            <Form<LoginValues>
              form={form}
              layout="vertical"
              requiredMark={false}
              onFinish={(v) => void submit(v)}
              disabled={busy}
            >
              <Form.Item name="username" label={t('login.username')} rules={[{ required: true, whitespace: true, message: t('login.usernameRequired') }]}>
                <Input prefix={<UserOutlined />} autoComplete="username" autoFocus data-testid="login-username" maxLength={60} />
              </Form.Item>
              <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
                <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="login-password" maxLength={200} />
              </Form.Item>
              <Button type="primary" htmlType="submit" block size="large" loading={busy} data-testid="login-submit">
                {t('login.submit')}
              </Button>
            </Form>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('login.notice')}</Typography.Text>
            {health.data?.demo === true && <DemoAccounts onPick={pick} />}
          </Space>
        </Card>
      </div>
    </div>
  );
}
