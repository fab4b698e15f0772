/** Access samples for this module's routes (see server/src/testing/access-samples.ts). */
import { expect } from 'vitest';
import { OWN, type SampleEnv } from '../../testing/access-samples.ts';
import type { ModuleAccess } from '../../testing/access-samples.ts';
import { createWorkOrder } from './service.ts';

let orderId = 0;
let n = 0;

const access: ModuleAccess = {
  async setup(env: SampleEnv) {
    const o = await createWorkOrder(env.t.ctx.db, {
      type: 'verification', subject: { kind: 'person', id: String(env.ids.personA) }, regionCode: OWN.community, gridId: OWN.grid,
      title: '入户核查', assignee: { role: 'grid-worker', regionCode: OWN.community, gridId: OWN.grid }, due: { workingDays: 5 }, actor: 'test',
    });
    orderId = o.id;
  },
  samples: () => ({
    'GET /api/workorders': { role: 'street-staff', own: (c) => c.inject('/api/workorders'), otherRegion: 'empty' },
    'GET /api/workorders/:id': { role: 'street-staff', own: (c) => c.inject(`/api/workorders/${orderId}`), otherRegion: 'not-found' },
    'POST /api/workorders/:id/actions': {
      role: 'street-staff',
      own: (c) => c.inject({ method: 'POST', url: `/api/workorders/${orderId}/actions`, payload: { kind: 'note', note: '已电话联系', clientActionId: `sample-note-${(n += 1)}` } }),
      otherRegion: 'not-found',
    },
    'POST /api/workorders': {
      role: 'street-staff',
      own: (c) => c.inject({ method: 'POST', url: '/api/workorders', payload: { title: '入户走访', regionCode: OWN.community, assignee: { role: 'grid-worker', gridId: OWN.grid }, due: { workingDays: 2 }, clientKey: `sample-create-${(n += 1)}` } }),
      otherRegion: 'refused',
    },
    'GET /api/notifications': { role: 'street-staff', own: (c) => c.inject('/api/notifications'), otherRegion: { unscoped: 'lists only the caller\'s own notifications' } },
    'POST /api/notifications/read': {
      role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: '/api/notifications/read', payload: { all: true } }),
      otherRegion: { check: (res) => expect(res.json()).toHaveProperty('marked') },
    },
  }),
  permissions: ['workorders.read', 'workorders.act'],
  publicRoutes: {
    'POST /api/notify/callback': 'the SMS/voice gateway calls back without a session; every request is verified by HMAC-SHA256 over timestamp and body (NOTIFY_WEBHOOK_SECRET), stale timestamps refused',
    'GET /api/ack/:orderId': 'a relative opens the acknowledgement link from an SMS; the URL carries an expiring HMAC signature; opening only shows a confirm page',
    'POST /api/ack/:orderId': 'the confirm button of that page; the same signed, expiring URL is the proof; it records only an acknowledgement',
  },
};
export default access;
