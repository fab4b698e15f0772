import type { ReactNode } from 'react';
import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { bareMessage, type ApiError } from '../api.ts';
import { fieldLabel } from '../labels.ts';

/** Shows an API error (message, code and offending field) with an optional retry. */
export default function ErrorAlert({ error, onRetry }: { error: ApiError; onRetry?: () => void }): ReactNode {
  const { t } = useTranslation();
  const title = error.status === 404 ? t('common.notFound') : t('common.loadFailed');
  const detail = error.field
    ? t('person.fieldError', { field: fieldLabel(t, error.field), message: bareMessage(error) })
    : error.message;
  return (
    <Alert
      type="error"
      showIcon
      title={title}
      description={`${detail} (${error.code})`}
      action={onRetry ? <Button size="small" onClick={onRetry}>{t('common.retry')}</Button> : undefined}
      style={{ marginBottom: 16 }}
    />
  );
}
