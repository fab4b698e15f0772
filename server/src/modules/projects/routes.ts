/** HTTP routes of the projects module. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';

export function registerProjectRoutes(_app: FastifyInstance, _ctx: AppContext): void {
  // routes are added here
}
