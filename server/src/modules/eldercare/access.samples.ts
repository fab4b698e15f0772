/** Access samples for the eldercare routes (see server/src/testing/access-samples.ts). */
import { expect } from 'vitest';
import type { ModuleAccess, SampleEnv } from '../../testing/access-samples.ts';
import { OWN } from '../../testing/access-samples.ts';
import { ingest } from './ingest.ts';

const ids = { elder: 0, fresh: 0, alarm: 0, device: 'AC-BTN-1', seq: 0 };

async function person(env: SampleEnv): Promise<number> {
  const admin = await env.client('city-admin', 'own');
  const res = await admin.inject({ method: 'POST', url: '/api/persons', payload: { name: '独居老人', citizenId: env.newId(), residenceCommunity: OWN.community, gridId: OWN.grid, phone: '13912345678' } });
  if (res.statusCode !== 201) throw new Error(`eldercare setup: ${res.body}`);
  return res.json().id as number;
}

const access: ModuleAccess = {
  async setup(env) {
    const admin = await env.client('city-admin', 'own');
    ids.elder = await person(env);
    ids.fresh = await person(env);
    const enrol = await admin.inject({ method: 'POST', url: '/api/eldercare/elders', payload: {
      personId: ids.elder, reason: '社区摸排发现，政策批量认定尚未运行', consent: { by: '本人', at: '2026-01-10T09:00:00+08:00', method: 'signed-paper' },
      contacts: [{ priority: 1, name: '王小明', relation: '儿子', phone: '13800000001' }] } });
    if (enrol.statusCode !== 201) throw new Error(`eldercare setup enrol: ${enrol.body}`);
    const dev = await admin.inject({ method: 'POST', url: '/api/eldercare/devices', payload: {
      id: ids.device, personId: ids.elder, kind: 'call-button', vendor: 'acme', serial: 'AC-1', room: 'worn', mounting: 'worn', installedAt: '2026-01-10T10:00:00+08:00', installedBy: '安装员' } });
    if (dev.statusCode !== 201) throw new Error(`eldercare setup device: ${dev.body}`);
    const r = await ingest(env.t.ctx.db, { via: 'mqtt', deviceId: ids.device, payload: JSON.stringify({ id: 'ac-sos-1', type: 'sos', at: '2026-02-14T09:00:00+08:00' }) });
    if (r.status !== 'stored' || !r.alarm) throw new Error(`eldercare setup alarm: ${JSON.stringify(r)}`);
    ids.alarm = r.alarm.alarmId;
    await ingest(env.t.ctx.db, { via: 'mqtt', deviceId: ids.device, payload: '{not json' });
  },
  samples: () => ({
    'GET /api/eldercare/candidates': { role: 'street-staff', own: (c) => c.inject('/api/eldercare/candidates'), otherRegion: 'empty' },
    'GET /api/eldercare/elders': { role: 'street-staff', own: (c) => c.inject('/api/eldercare/elders'), otherRegion: 'empty' },
    'POST /api/eldercare/elders': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: '/api/eldercare/elders', payload: {
      personId: ids.fresh, reason: '本人申请，社区核实独居', consent: { by: '本人', at: '2026-01-11T09:00:00+08:00', method: 'verbal-witnessed', witness: '社区主任' } } }), otherRegion: 'refused' },
    'GET /api/eldercare/elders/:personId': { role: 'street-staff', own: (c) => c.inject(`/api/eldercare/elders/${ids.elder}`), otherRegion: 'not-found' },
    'PATCH /api/eldercare/elders/:personId': { role: 'street-staff', own: (c) => c.inject({ method: 'PATCH', url: `/api/eldercare/elders/${ids.elder}`, payload: { riskTier: 'high', reason: '近期跌倒' } }), otherRegion: 'not-found' },
    'PUT /api/eldercare/elders/:personId/contacts': { role: 'street-staff', own: (c) => c.inject({ method: 'PUT', url: `/api/eldercare/elders/${ids.elder}/contacts`, payload: { contacts: [{ priority: 1, name: '王小明', relation: '儿子', phone: '13800000001' }] } }), otherRegion: 'not-found' },
    'POST /api/eldercare/elders/:personId/absences': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: `/api/eldercare/elders/${ids.elder}/absences`, payload: { kind: 'hospital', startsAt: '2026-03-01T08:00:00+08:00', endsAt: '2026-03-05T08:00:00+08:00' } }), otherRegion: 'not-found' },
    'POST /api/eldercare/elders/:personId/visits': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: `/api/eldercare/elders/${ids.elder}/visits`, payload: { visitedAt: '2026-02-01T10:00:00+08:00', kind: 'home' } }), otherRegion: 'not-found' },
    'GET /api/eldercare/elders/:personId/escalation-plan': { role: 'street-staff', own: (c) => c.inject(`/api/eldercare/elders/${ids.elder}/escalation-plan?at=2026-02-14T09:00:00%2B08:00`), otherRegion: 'not-found' },
    'GET /api/eldercare/devices': { role: 'street-staff', own: (c) => c.inject('/api/eldercare/devices'), otherRegion: 'empty' },
    'POST /api/eldercare/devices': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: '/api/eldercare/devices', payload: {
      id: `AC-DOOR-${++ids.seq}`, personId: ids.elder, kind: 'door', vendor: 'acme', serial: `D-${ids.seq}`, room: 'entrance', mounting: 'door', installedAt: '2026-01-10T10:00:00+08:00', installedBy: '安装员' } }), otherRegion: 'refused' },
    'GET /api/eldercare/roster': { role: 'street-staff', own: (c) => c.inject('/api/eldercare/roster'), otherRegion: 'empty' },
    'POST /api/eldercare/roster': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: '/api/eldercare/roster', payload: { communityCode: OWN.community, kind: 'volunteer', name: '李志愿', phone: '13700000001' } }), otherRegion: 'refused' },
    'GET /api/eldercare/quarantine': { role: 'street-staff', own: (c) => c.inject('/api/eldercare/quarantine'), otherRegion: 'empty' },
    'GET /api/eldercare/alarms': { role: 'street-staff', own: (c) => c.inject('/api/eldercare/alarms'), otherRegion: 'empty' },
    'GET /api/eldercare/alarms/stream': { role: 'call-seat', own: (c) => c.inject('/api/eldercare/alarms/stream?once=1'), otherRegion: { check: (res) => {
      const data = /data: (.*)\n/.exec(res.body)?.[1];
      expect(JSON.parse(data ?? '{}').items).toEqual([]);
    } } },
    'GET /api/eldercare/alarms/:id': { role: 'call-seat', own: (c) => c.inject(`/api/eldercare/alarms/${ids.alarm}`), otherRegion: 'not-found' },
    'POST /api/eldercare/alarms/:id/actions/:action': { role: 'call-seat', own: (c) => c.inject({ method: 'POST', url: `/api/eldercare/alarms/${ids.alarm}/actions/call`, payload: { to: '王小明', note: '已拨打' } }), otherRegion: 'not-found' },
    'GET /api/eldercare/kpis': { role: 'street-staff', own: (c) => c.inject('/api/eldercare/kpis?from=2026-01-01T00:00:00Z'), otherRegion: { check: (res) => expect(res.json().alarms).toBe(0) } },
  }),
  publicRoutes: {
    'POST /api/eldercare/push/:vendor': 'vendor device platforms push events machine-to-machine; each request is authenticated by its vendor\'s HMAC-SHA256 signature and timestamp instead of a session',
  },
  permissions: ['eldercare.read', 'eldercare.write', 'alarms.handle', 'workorders.act'],
};
export default access;
