/** Every module's access samples, walked by server/src/access-control.test.ts. Add a module here. */
import type { ModuleAccess } from './access-samples.ts';
import workorders from '../modules/workorders/access.samples.ts';
import calendar from '../modules/calendar/access.samples.ts';
import monitoring from '../modules/monitoring/access.samples.ts';
import eldercare from '../modules/eldercare/access.samples.ts';
import projects from '../modules/projects/access.samples.ts';

export const MODULE_ACCESS: Record<string, ModuleAccess> = { workorders, calendar, monitoring, eldercare, projects };
