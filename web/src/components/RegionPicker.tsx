import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Cascader, Input, Select, Space } from 'antd';
import type { Grid, RegionDetail, RegionLevel, RegionSummary } from '@minsheng/contracts';
import { apiGet, useApi } from '../api.ts';

const CODE_RE = /^\d{12}$/;

interface RegionOption {
  value: string;
  label: string;
  level: RegionLevel;
  isLeaf: boolean;
  children?: RegionOption[];
}

const toOption = (r: RegionSummary): RegionOption => ({
  value: r.code, label: r.name, level: r.level, isLeaf: r.level === 'community' || r.childCount === 0,
});

/** The path from the city down to a code, as codes and names; `unknown` when the API has no such region. */
interface KnownPath { codes: string[]; names: string[]; unknown?: boolean }

/**
 * Picks one region (any level) in a cascader loaded level by level from `GET /api/regions?parent=`,
 * or by typing its 12-digit code. Value: the region code. For use as a Form.Item control.
 */
export function RegionPicker({ value, onChange, id, status, testId }: {
  value?: string;
  onChange?: (code: string | undefined) => void;
  id?: string;
  status?: 'error' | 'warning';
  testId?: string;
}): ReactNode {
  const { t } = useTranslation();
  const [options, setOptions] = useState<RegionOption[]>([]);
  const [known, setKnown] = useState<Record<string, KnownPath>>({});
  const [draft, setDraft] = useState(value ?? '');

  useEffect(() => { setDraft(value ?? ''); }, [value]);

  useEffect(() => {
    const ctl = new AbortController();
    apiGet<{ items: RegionSummary[] }>('/regions', undefined, ctl.signal)
      .then((d) => setOptions(d.items.map(toOption)))
      .catch(() => { /* the code input still works */ });
    return () => ctl.abort();
  }, []);

  // A value set from outside (editing a user, typed code): look up its path for the cascader.
  const knownPath = value ? known[value] : undefined;
  useEffect(() => {
    if (!value || !CODE_RE.test(value) || knownPath) return;
    const ctl = new AbortController();
    apiGet<RegionDetail>(`/regions/${value}`, undefined, ctl.signal)
      .then((d) => setKnown((k) => ({ ...k, [value]: { codes: d.path.map((p) => p.code), names: d.path.map((p) => p.name) } })))
      .catch(() => {
        if (!ctl.signal.aborted) setKnown((k) => ({ ...k, [value]: { codes: [value], names: [value], unknown: true } }));
      });
    return () => ctl.abort();
  }, [value, knownPath]);

  const loadData = (selected: RegionOption[]): void => {
    const target = selected[selected.length - 1];
    if (!target || target.children) return;
    void apiGet<{ items: RegionSummary[] }>('/regions', { parent: target.value }).then((d) => {
      target.children = d.items.map(toOption);
      if (target.children.length === 0) target.isLeaf = true;
      setOptions((o) => [...o]);
    });
  };

  return (
    <Space.Compact block>
      <Cascader<RegionOption>
        id={id}
        data-testid={testId}
        style={{ flex: 1, minWidth: 0 }}
        options={options}
        loadData={loadData}
        changeOnSelect
        status={status}
        placeholder={t('users.regionPlaceholder')}
        value={value ? (knownPath?.codes ?? [value]) : []}
        displayRender={(labels) => (knownPath ? knownPath.names : labels).join(' / ')}
        onChange={(codes, selected) => {
          const list = (codes ?? []).map(String);
          const code = list[list.length - 1];
          if (code && selected) {
            setKnown((k) => ({ ...k, [code]: { codes: list, names: selected.map((o) => o.label) } }));
          }
          onChange?.(code);
        }}
      />
      <Input
        style={{ width: 150, fontFamily: 'monospace' }}
        inputMode="numeric"
        maxLength={12}
        status={status ?? (draft !== '' && !CODE_RE.test(draft) ? 'warning' : undefined)}
        placeholder={t('users.regionCode')}
        title={t('users.regionCode')}
        data-testid={testId ? `${testId}-code` : undefined}
        value={draft}
        onChange={(e) => {
          const digits = e.target.value.replace(/\D/g, '');
          setDraft(digits);
          if (CODE_RE.test(digits)) onChange?.(digits);
          else if (digits === '') onChange?.(undefined);
        }}
      />
    </Space.Compact>
  );
}

/** Picks a grid of one community (`GET /api/regions/:code/grids`). */
export function GridSelect({ communityCode, value, onChange, id, status, testId }: {
  communityCode: string | undefined;
  value?: string;
  onChange?: (gridId: string | undefined) => void;
  id?: string;
  status?: 'error' | 'warning';
  testId?: string;
}): ReactNode {
  const { t } = useTranslation();
  const code = communityCode && CODE_RE.test(communityCode) ? communityCode : null;
  const grids = useApi<{ items: Grid[] }>(code ? `/regions/${code}/grids` : null);
  return (
    <Select<string>
      id={id}
      data-testid={testId}
      status={status}
      value={value}
      onChange={(v) => onChange?.(v)}
      allowClear
      popupMatchSelectWidth={false}
      showSearch={{ optionFilterProp: 'label' }}
      loading={grids.loading}
      disabled={!code}
      placeholder={code ? t('users.gridPlaceholder') : t('users.gridNeedsCommunity')}
      options={(grids.data?.items ?? []).map((g) => ({ value: g.id, label: `${g.name} (${g.id})` }))}
      style={{ width: '100%' }}
    />
  );
}
