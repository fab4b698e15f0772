import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { parseInput } from '../../platform/validate.ts';
import * as service from './service.ts';

const ListQuery = z.object({ parent: z.string().optional() });
const CodeParams = z.object({ code: z.string() });

export function registerRegionRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/regions', { config: { access: 'regions.read' } }, async (req) => {
    const { parent } = parseInput(ListQuery, req.query, 'query');
    return { items: await service.listRegions(ctx.db, parent) };
  });
  app.get('/api/regions/:code', { config: { access: 'regions.read' } }, async (req) => service.getRegion(ctx.db, parseInput(CodeParams, req.params).code));
  app.get('/api/regions/:code/grids', { config: { access: 'regions.read' } }, async (req) => ({ items: await service.listGrids(ctx.db, parseInput(CodeParams, req.params).code) }));
}
