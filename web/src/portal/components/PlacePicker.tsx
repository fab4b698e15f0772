/**
 * Where a complaint happened: district, then (optionally) street and community, from the public
 * division look-up. The deepest level chosen is the place code; a community routes the complaint
 * to its street office, a district alone to the district government.
 */
import type { District } from '../districts.ts';
import { useGet } from '../api.ts';
import { useT } from '../i18n.ts';
import { SelectField } from './fields.tsx';

export interface Place { district: string; street: string; community: string }
export const placeCode = (p: Place): string => p.community || p.street || p.district;

interface Division { code: string; name: string; level: string }

export function PlacePicker({ value, onChange, districts, error }: { value: Place; onChange(p: Place): void; districts: readonly District[]; error?: string }) {
  const { t, lang } = useT();
  const streets = useGet<{ items: Division[] }>(value.district ? `/api/public/regions?parent=${value.district}` : null);
  const communities = useGet<{ items: Division[] }>(value.street ? `/api/public/regions?parent=${value.street}` : null);
  return (
    <>
      <SelectField id="cp-district" label={t.cp.district} value={value.district} error={error}
        onChange={(district) => onChange({ district, street: '', community: '' })}
        options={districts.map((d) => ({ value: d.code, label: d[lang] }))} />
      {value.district && streets.data && streets.data.items.length > 0 && (
        <SelectField id="cp-street" label={t.cp.street} hint={t.cp.notSure} optional value={value.street}
          onChange={(street) => onChange({ ...value, street, community: '' })}
          options={streets.data.items.map((d) => ({ value: d.code, label: d.name }))} />
      )}
      {value.street && communities.data && communities.data.items.length > 0 && (
        <SelectField id="cp-community" label={t.cp.community} hint={t.cp.notSure} optional value={value.community}
          onChange={(community) => onChange({ ...value, community })}
          options={communities.data.items.map((d) => ({ value: d.code, label: d.name }))} />
      )}
    </>
  );
}
