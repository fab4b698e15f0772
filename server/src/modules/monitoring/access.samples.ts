/** Access samples for the monitoring and feed routes (see server/src/testing/access-samples.ts). */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { systemScope } from '../../platform/auth/scope.ts';
import { beijingDate } from '../../platform/calendar.ts';
import { OWN, type ModuleAccess } from '../../testing/access-samples.ts';
import type { Client } from '../../testing/auth.ts';
import { runMonitoring } from './run.ts';
import { feedRows, storeDecision } from './test-fixtures.ts';
import { storePhoto } from './views.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4830000000049454e44ae426082', 'hex');

function multipart(c: Client, url: string, fields: Record<string, string>, file: { name: string; type: string; body: Buffer | string }): Promise<LightMyRequestResponse> {
  const b = 'monitoring-sample-boundary';
  const parts = [
    ...Object.entries(fields).map(([k, v]) => Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)),
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`),
    Buffer.isBuffer(file.body) ? file.body : Buffer.from(file.body), Buffer.from(`\r\n--${b}--\r\n`),
  ];
  return c.inject({ method: 'POST', url, payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${b}` } });
}

let feedSeq = 0;
const deathFeed = (c: Client, citizenId: string): Promise<LightMyRequestResponse> =>
  multipart(c, '/api/feeds/imports', { type: 'death', period: `sample-${Date.now()}-${(feedSeq += 1)}` },
    { name: 'deaths.csv', type: 'text/csv', body: `公民身份号码,死亡日期\r\n${citizenId},2026-01-02\r\n` });

const ids = { chainTask: 0, chainClose: 0, chainSteps: 0, photo: 0, review: 0, batch: 0 };

const access: ModuleAccess = {
  async setup(env) {
    const db = env.t.ctx.db;
    const today = beijingDate(new Date());
    const tenDaysAgo = beijingDate(new Date(Date.now() - 10 * 86_400_000));
    // A warning (and its chain with a verification task) for household A in the own grid.
    await storeDecision(db, 'tianjin/dibao', 'household', env.ids.householdA, true, '2026-01-01');
    await feedRows(db, 'death', [{ personId: env.ids.personA, date: tenDaysAgo }]);
    await runMonitoring(db, { on: today, scope: systemScope(), startedBy: 'sample' });
    const [chain] = await db.query<{ id: number }>(`SELECT id FROM monitoring_chain WHERE household_id = $1 AND status = 'open'`, [env.ids.householdA]);
    ids.chainTask = chain!.id;
    ids.photo = await storePhoto(db, ids.chainTask, PNG, 'x'.repeat(64), 'sample');
    // Two chains without tasks in the own grid: one to close, one for the other links.
    for (const key of ['close', 'steps'] as const) {
      const [c] = await db.query<{ id: number }>(`INSERT INTO monitoring_chain (subject_key, person_id, region_code, grid_id) VALUES ($1, $2, $3, $4) RETURNING id`,
        [`sample:${key}`, env.ids.personC, OWN.community, OWN.grid]);
      await db.query(`INSERT INTO monitoring_chain_action (chain_id, seq, kind, actor) VALUES ($1, 1, 'opened', 'sample')`, [c!.id]);
      if (key === 'close') ids.chainClose = c!.id; else ids.chainSteps = c!.id;
    }
    // A feed record waiting for review, whose candidate is person C (own grid).
    const batch = await feedRows(db, 'death', []);
    const [row] = await db.query<{ id: number }>(`INSERT INTO feed_row (batch_id, feed_type, row_no, name, birth_date, region_code, event_date, data, match_status)
      VALUES ($1, 'death', 2, '测试人', '1961-04-04', $2, '2026-01-01', '{"date":"2026-01-01"}', 'review') RETURNING id`, [batch, OWN.community]);
    const [rv] = await db.query<{ id: number }>(`INSERT INTO feed_match_review (feed_row_id, candidates, region_code) VALUES ($1, $2::bigint[], $3) RETURNING id`, [row!.id, [env.ids.personC], OWN.community]);
    ids.review = rv!.id;
    const res = await deathFeed(await env.client('district-staff', 'own'), env.newId());
    ids.batch = res.json().batch.id;
  },
  samples: (env) => ({
    'GET /api/feeds/types': { role: 'street-staff', own: (c) => c.inject('/api/feeds/types'), otherRegion: { unscoped: 'the feed schemas hold no personal data' } },
    'POST /api/feeds/imports': { role: 'district-staff', own: (c) => deathFeed(c, env.newId()), otherRegion: { unscoped: 'department feeds cover the whole city; the warnings they trigger go to each household\'s own region' } },
    'GET /api/feeds/imports': { role: 'district-staff', own: (c) => c.inject('/api/feeds/imports'), otherRegion: { check: (res) => expect(res.json().items.map((b: { id: number }) => b.id)).not.toContain(ids.batch) } },
    'GET /api/feeds/imports/:id': { role: 'district-staff', own: (c) => c.inject(`/api/feeds/imports/${ids.batch}`), otherRegion: 'not-found' },
    'POST /api/monitoring/runs': { role: 'district-staff', own: (c) => c.inject({ method: 'POST', url: '/api/monitoring/runs', payload: {} }), otherRegion: { check: (res) => expect(res.json().scope).toEqual([`${'120103'}*`]) } },
    'GET /api/monitoring/rules': { role: 'street-staff', own: (c) => c.inject('/api/monitoring/rules'), otherRegion: { unscoped: 'the warning rules are policy documents without personal data' } },
    'GET /api/monitoring/warnings': { role: 'street-staff', own: (c) => c.inject('/api/monitoring/warnings'), otherRegion: 'empty' },
    'GET /api/monitoring/chains/:id': { role: 'street-staff', own: (c) => c.inject(`/api/monitoring/chains/${ids.chainTask}`), otherRegion: 'not-found' },
    'POST /api/monitoring/chains/:id/visit': { role: 'grid-worker', own: (c) => c.inject({ method: 'POST', url: `/api/monitoring/chains/${ids.chainTask}/visit`, payload: { outcome: 'rejected', notes: '入户核实，情况不属实', clientActionId: 'sample-visit' } }), otherRegion: 'not-found' },
    'POST /api/monitoring/chains/:id/photos': { role: 'grid-worker', own: (c) => multipart(c, `/api/monitoring/chains/${ids.chainTask}/photos`, {}, { name: 'p.png', type: 'image/png', body: PNG }), otherRegion: 'not-found' },
    'GET /api/monitoring/photos/:id': { role: 'street-staff', own: (c) => c.inject(`/api/monitoring/photos/${ids.photo}`), otherRegion: 'not-found' },
    'POST /api/monitoring/chains/:id/reevaluate': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: `/api/monitoring/chains/${ids.chainSteps}/reevaluate`, payload: {} }), otherRegion: 'not-found' },
    'POST /api/monitoring/chains/:id/actions': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: `/api/monitoring/chains/${ids.chainSteps}/actions`, payload: { kind: 'note', note: '电话回访', clientActionId: 'sample-note' } }), otherRegion: 'not-found' },
    'POST /api/monitoring/chains/:id/close': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: `/api/monitoring/chains/${ids.chainClose}/close`, payload: { note: '无需救助' } }), otherRegion: 'not-found' },
    'GET /api/monitoring/tasks': { role: 'grid-worker', own: (c) => c.inject('/api/monitoring/tasks'), otherRegion: 'empty' },
    'GET /api/monitoring/dashboard': { role: 'street-staff', own: (c) => c.inject('/api/monitoring/dashboard'), otherRegion: { check: (res) => expect(res.json().open).toBe(0) } },
    'GET /api/monitoring/reviews': { role: 'street-staff', own: (c) => c.inject('/api/monitoring/reviews'), otherRegion: 'empty' },
    'POST /api/monitoring/reviews/:id': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: `/api/monitoring/reviews/${ids.review}`, payload: { personId: env.ids.personC } }), otherRegion: 'not-found' },
  }),
  permissions: ['monitoring.read', 'monitoring.run', 'feeds.import', 'workorders.act', 'registry.write'],
};
export default access;
