import type { ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Button, Result } from 'antd';

/**
 * A file the API answered 404 for: it does not exist, or it lies outside the user's regions (the
 * server does not say which, on purpose).
 */
export default function OutOfScope({ kind }: { kind: 'person' | 'household' }): ReactNode {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Result
      status="404"
      data-testid="not-found"
      title={t('outOfScope.title')}
      subTitle={kind === 'person' ? t('outOfScope.person') : t('outOfScope.household')}
      extra={<Button type="primary" onClick={() => navigate('/persons')}>{t('outOfScope.back')}</Button>}
    />
  );
}
