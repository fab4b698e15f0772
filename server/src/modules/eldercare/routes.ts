/** HTTP routes of the eldercare module. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';

export function registerEldercareRoutes(_app: FastifyInstance, _ctx: AppContext): void {
  // routes are added here
}
