import { z } from 'zod';
import { GridKind, RegionLevel } from './enums.ts';

export const RegionSummary = z.object({
  code: z.string().regex(/^\d{12}$/),
  name: z.string(),
  level: z.enum(RegionLevel),
  parentCode: z.string().nullable(),
  childCount: z.number().int(),
});
export type RegionSummary = z.infer<typeof RegionSummary>;

export const RegionDetail = RegionSummary.extend({
  /** From the city down to this region, inclusive. */
  path: z.array(z.object({ code: z.string(), name: z.string(), level: z.enum(RegionLevel) })),
  gridCount: z.number().int(),
});
export type RegionDetail = z.infer<typeof RegionDetail>;

export const GridWorker = z.object({ id: z.number().int(), name: z.string(), phone: z.string().nullable() });
export type GridWorker = z.infer<typeof GridWorker>;

export const Grid = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(GridKind),
  communityCode: z.string(),
  parentGridId: z.string().nullable(),
  workers: z.array(GridWorker),
});
export type Grid = z.infer<typeof Grid>;
