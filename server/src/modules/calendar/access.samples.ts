/** Access samples for the calendar routes (see server/src/testing/access-samples.ts). */
import type { ModuleAccess } from '../../testing/access-samples.ts';

const access: ModuleAccess = {
  samples: () => ({}),
  publicRoutes: { 'GET /api/calendar/:date': 'the official working-day calendar is public information' },
};
export default access;
