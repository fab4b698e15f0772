import type { ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Alert, Button, DatePicker } from 'antd';
import { HistoryOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { isDate } from '../format.ts';

/** The "view as of date" picker shared by person and household files; the date lives in `?asOf=`. */
export function useAsOf(): [string | null, (d: string | null) => void] {
  const [params, setParams] = useSearchParams();
  const raw = params.get('asOf');
  const asOf = isDate(raw) ? raw : null;
  const set = (d: string | null): void => {
    const next = new URLSearchParams(params);
    if (d) next.set('asOf', d);
    else next.delete('asOf');
    setParams(next);
  };
  return [asOf, set];
}

export function AsOfPicker({ asOf, onChange }: { asOf: string | null; onChange: (d: string | null) => void }): ReactNode {
  const { t } = useTranslation();
  return (
    <DatePicker
      data-testid="asof-picker"
      allowClear
      placeholder={t('person.asOf')}
      prefix={<HistoryOutlined />}
      value={asOf ? dayjs(asOf) : null}
      format="YYYY-MM-DD"
      disabledDate={(d) => d.isAfter(dayjs(), 'day')}
      onChange={(d) => onChange(d ? d.format('YYYY-MM-DD') : null)}
      style={{ width: 200 }}
    />
  );
}

export function AsOfBanner({ asOf, version, onBack }: { asOf: string; version: number | undefined; onBack: () => void }): ReactNode {
  const { t } = useTranslation();
  return (
    <Alert
      data-testid="asof-banner"
      type="warning"
      showIcon
      icon={<HistoryOutlined />}
      title={version === undefined ? t('person.asOfBannerShort', { date: asOf }) : t('person.asOfBanner', { date: asOf, version })}
      action={<Button size="small" onClick={onBack}>{t('person.backToCurrent')}</Button>}
    />
  );
}
