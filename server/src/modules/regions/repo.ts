import type { Grid, RegionDetail, RegionSummary } from '@minsheng/contracts';
import type { Queryable } from '../../platform/db.ts';

interface RegionRow { code: string; name: string; level: RegionSummary['level']; parent_code: string | null; child_count: number; prefix: string }

const summary = (r: RegionRow): RegionSummary => ({
  code: r.code, name: r.name, level: r.level, parentCode: r.parent_code, childCount: r.child_count,
});

const SELECT = `SELECT r.code, r.name, r.level, r.parent_code, r.prefix,
  (SELECT count(*)::int FROM region c WHERE c.parent_code = r.code) AS child_count FROM region r`;

export async function findRegion(db: Queryable, code: string): Promise<(RegionSummary & { prefix: string }) | undefined> {
  const [row] = await db.query<RegionRow>(`${SELECT} WHERE r.code = $1`, [code]);
  return row ? { ...summary(row), prefix: row.prefix } : undefined;
}

export async function regionPath(db: Queryable, code: string): Promise<RegionDetail['path']> {
  const rows = await db.query<{ code: string; name: string; level: RegionSummary['level'] }>(
    `WITH RECURSIVE up AS (
       SELECT code, name, level, parent_code, 0 AS depth FROM region WHERE code = $1
       UNION ALL SELECT r.code, r.name, r.level, r.parent_code, up.depth + 1 FROM region r JOIN up ON r.code = up.parent_code)
     SELECT code, name, level FROM up ORDER BY depth DESC`, [code]);
  return rows;
}

export async function listChildren(db: Queryable, parent: string | null): Promise<RegionSummary[]> {
  const rows = parent === null
    ? await db.query<RegionRow>(`${SELECT} WHERE r.parent_code IS NULL ORDER BY r.code`)
    : await db.query<RegionRow>(`${SELECT} WHERE r.parent_code = $1 ORDER BY r.code`, [parent]);
  return rows.map(summary);
}

export async function countGridsUnder(db: Queryable, prefix: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM grid WHERE community_code LIKE $1`, [`${prefix}%`]);
  return row?.n ?? 0;
}

export async function listGrids(db: Queryable, communityCode: string): Promise<Grid[]> {
  const rows = await db.query<{ id: string; name: string; kind: Grid['kind']; community_code: string; parent_grid_id: string | null; workers: Grid['workers'] }>(
    `SELECT g.id, g.name, g.kind, g.community_code, g.parent_grid_id,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', w.id, 'name', w.name, 'phone', w.phone) ORDER BY w.id)
                 FROM grid_worker w WHERE w.grid_id = g.id), '[]'::jsonb) AS workers
     FROM grid g WHERE g.community_code = $1 ORDER BY g.kind, g.id`, [communityCode]);
  return rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, communityCode: r.community_code, parentGridId: r.parent_grid_id, workers: r.workers }));
}

export async function regionNames(db: Queryable, codes: readonly string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const rows = await db.query<{ code: string; name: string }>('SELECT code, name FROM region WHERE code = ANY($1::text[])', [codes]);
  return new Map(rows.map((r) => [r.code, r.name]));
}
