import type { Grid, RegionDetail, RegionSummary } from '@minsheng/contracts';
import type { Queryable } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import * as repo from './repo.ts';

const CODE = /^\d{12}$/;

function assertCode(code: string, field: string): void {
  if (!CODE.test(code)) throw new AppError('validation', `${field}: expected a 12-digit division code, got "${code}"`, { field });
}

export async function getRegion(db: Queryable, code: string): Promise<RegionDetail> {
  assertCode(code, 'code');
  const region = await repo.findRegion(db, code);
  if (!region) throw notFound(`region ${code}`);
  const { prefix, ...rest } = region;
  return { ...rest, path: await repo.regionPath(db, code), gridCount: await repo.countGridsUnder(db, prefix) };
}

/** Children of a region; without a parent, the top-level regions (the city). */
export async function listRegions(db: Queryable, parent: string | undefined): Promise<RegionSummary[]> {
  if (parent === undefined) return repo.listChildren(db, null);
  assertCode(parent, 'parent');
  if (!(await repo.findRegion(db, parent))) throw notFound(`region ${parent}`);
  return repo.listChildren(db, parent);
}

export async function listGrids(db: Queryable, code: string): Promise<Grid[]> {
  const region = await getRegion(db, code);
  if (region.level !== 'community') return [];
  return repo.listGrids(db, code);
}

export const regionNames = repo.regionNames;
