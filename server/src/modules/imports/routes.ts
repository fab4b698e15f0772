import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
// Placeholder until the importer lands (being written now).
export function registerImportRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
