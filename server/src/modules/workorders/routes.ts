/** HTTP routes of the workorders module. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';

export function registerWorkOrderRoutes(_app: FastifyInstance, _ctx: AppContext): void {
  // routes are added here
}
