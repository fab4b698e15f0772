import {
  createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode,
} from 'react';
import { Link, Navigate, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Button, Result, Spin } from 'antd';
import { ApiError, request, setCsrfToken, setUnauthenticatedHandler } from './api.ts';
import type { LoginAnswer, Me, Permission } from './access.ts';

/**
 * Who is signed in. `loading` until the first `/api/auth/me` answers; `signed-out` carries why,
 * so the login page can say "your session ended" and the redirect can remember where the user was.
 */
export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out'; reason: 'initial' | 'expired' | 'logout' }
  | { status: 'signed-in'; me: Me };

interface AuthContextValue {
  state: AuthState;
  me: Me | null;
  can: (p: Permission) => boolean;
  /** Throws the ApiError of the sign-in answer (401 wrong password, 429 locked or rate-limited...). */
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

async function fetchMe(): Promise<Me> {
  const me = await request<Me>('/auth/me', { allow401: true });
  setCsrfToken(me.csrfToken);
  return me;
}

export function AuthProvider({ children }: { children: ReactNode }): ReactNode {
  const [state, setState] = useState<AuthState>({ status: 'loading' });

  useEffect(() => {
    let cancelled = false;
    // A 401 from any request ends the session in the console too.
    setUnauthenticatedHandler(() => {
      setCsrfToken(null);
      setState((s) => (s.status === 'signed-in' ? { status: 'signed-out', reason: 'expired' } : s));
    });
    fetchMe()
      .then((me) => { if (!cancelled) setState({ status: 'signed-in', me }); })
      .catch(() => { if (!cancelled) setState({ status: 'signed-out', reason: 'initial' }); });
    return () => {
      cancelled = true;
      setUnauthenticatedHandler(null);
    };
  }, []);

  const signIn = useCallback(async (username: string, password: string): Promise<void> => {
    const answer = await request<LoginAnswer>('/auth/login', { method: 'POST', body: { username, password }, allow401: true });
    setCsrfToken(answer.csrfToken);
    // The login answer has the roles but not the permissions; /auth/me has both.
    const me = await fetchMe();
    setState({ status: 'signed-in', me });
  }, []);

  const signOut = useCallback(async (): Promise<void> => {
    try {
      await request<unknown>('/auth/logout', { method: 'POST', allow401: true });
    } catch (e) {
      // Already signed out on the server (expired): nothing more to end.
      if (!(e instanceof ApiError)) throw e;
    }
    setCsrfToken(null);
    setState({ status: 'signed-out', reason: 'logout' });
  }, []);

  const value = useMemo<AuthContextValue>(() => {
    const me = state.status === 'signed-in' ? state.me : null;
    return { state, me, can: (p) => me?.permissions.includes(p) ?? false, signIn, signOut };
  }, [state, signIn, signOut]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The signed-in user; only for components rendered inside RequireAuth. */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error('useMe without a signed-in user');
  return me;
}

/** Where to go after sign-in: only paths of this console (no `//host` or absolute URLs). */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}

export function FullPageSpin(): ReactNode {
  const { t } = useTranslation();
  return (
    <div style={{ minHeight: '100vh', display: 'grid', placeItems: 'center' }}>
      <Spin size="large" description={t('app.loading')} />
    </div>
  );
}

/** Renders its children only for a signed-in user; otherwise goes to /login, remembering the page. */
export function RequireAuth({ children }: { children: ReactNode }): ReactNode {
  const { state } = useAuth();
  const location = useLocation();
  if (state.status === 'loading') return <FullPageSpin />;
  if (state.status === 'signed-out') {
    const here = `${location.pathname}${location.search}`;
    const to = state.reason === 'logout' || here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
    return <Navigate to={to} replace state={{ expired: state.reason === 'expired' }} />;
  }
  return children;
}

/** A page that needs a permission: a 403 page instead when the user's roles do not have it. */
export function RequirePermission({ perm, children }: { perm: Permission; children: ReactNode }): ReactNode {
  const { can } = useAuth();
  const { t } = useTranslation();
  if (can(perm)) return children;
  return (
    <Result
      status="403"
      title="403"
      subTitle={t('auth.noPermission')}
      data-testid="forbidden"
      extra={<Link to="/"><Button type="primary">{t('nav.overview')}</Button></Link>}
    />
  );
}
