/** HTTP routes of the monitoring module. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';

export function registerMonitoringRoutes(_app: FastifyInstance, _ctx: AppContext): void {
  // routes are added here
}
