import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The monitoring strings (i18n/monitoring.ts, typed loosely there to keep i18next's key union
 * small): `mt('chain.title')` is `t('monitoring.chain.title')` as text.
 */
export function useMt(): (key: string, options?: Record<string, string | number>) => string {
  const { t } = useTranslation();
  // The keys are not in i18next's key types (see i18n/monitoring.ts), so t is called untyped here.
  const untyped = t as unknown as (key: string, options?: Record<string, string | number>) => unknown;
  return useCallback((key: string, options?: Record<string, string | number>) => {
    const v = untyped(`monitoring.${key}`, options ?? {});
    return typeof v === 'string' ? v : key;
  }, [untyped]);
}
