/** Access samples for the calendar routes (see server/src/testing/access-samples.ts). */
import type { ModuleAccess } from '../../testing/access-samples.ts';

const CITY_WIDE = 'one calendar for the whole country: only city administrators hold calendar.admin';

const access: ModuleAccess = {
  samples: () => ({
    'GET /api/calendar/overrides': { role: 'city-admin', own: (c) => c.inject('/api/calendar/overrides?year=2027'), otherRegion: { unscoped: CITY_WIDE } },
    'PUT /api/calendar/overrides/:date': {
      role: 'city-admin', own: (c) => c.inject({ method: 'PUT', url: '/api/calendar/overrides/2027-02-20', payload: { workday: true, source: '国办发明电〔2026〕示例' } }),
      otherRegion: { unscoped: CITY_WIDE },
    },
    'DELETE /api/calendar/overrides/:date': {
      role: 'city-admin',
      own: async (c) => {
        await c.inject({ method: 'PUT', url: '/api/calendar/overrides/2027-02-21', payload: { workday: true, source: '示例' } });
        return c.inject({ method: 'DELETE', url: '/api/calendar/overrides/2027-02-21' });
      },
      otherRegion: { unscoped: CITY_WIDE },
    },
    'POST /api/calendar/overrides/import': {
      role: 'city-admin', own: (c) => c.inject({ method: 'POST', url: '/api/calendar/overrides/import', payload: { csv: 'date,workday,name,source\n2027-02-05,false,春节,示例\n' } }),
      otherRegion: { unscoped: CITY_WIDE },
    },
  }),
  permissions: ['calendar.admin'],
  publicRoutes: {
    'GET /api/calendar/:date': 'the official working-day calendar is public information',
    'GET /api/calendar': 'the official working-day calendar is public information (a range of days, at most 400)',
  },
};
export default access;
