/**
 * Access samples for the projects module's routes (see server/src/testing/access-samples.ts).
 * "Region" for reporters is their department: another department's task answers 404. Complaints
 * are scoped by the place's region. Plan review and suggestion moderation are city-wide by design.
 */
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { ModuleAccess, SampleEnv } from '../../testing/access-samples.ts';
import { OWN } from '../../testing/access-samples.ts';
import type { Client } from '../../testing/auth.ts';
import { ensurePlan } from './plan.ts';
import { assignReporter } from './reporting.ts';
import { submitComplaint } from './complaints.ts';
import { submitSuggestion } from './suggestions.ts';
import { demoPng } from './demo.ts';
import { PUBLIC_ROUTE_REASONS } from './public-routes.ts';

const ids = { task: 0, otherTask: 0, complaint: 0, suggestion: 0, evidence: 0 };
let clientKey = 0;

export function multipartFile(name: string, content: Buffer, type: string): { payload: Buffer; headers: Record<string, string> } {
  const boundary = 'projects-boundary-7d1';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`),
    content, Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const upload = (c: Client): Promise<LightMyRequestResponse> => c.inject({ method: 'POST', url: '/api/projects/uploads', ...multipartFile('site.png', demoPng(), 'image/png') });
const report = (c: Client, task: number): Promise<LightMyRequestResponse> => c.inject({
  method: 'POST', url: `/api/projects/tasks/${task}/updates`,
  payload: { status: 'in-progress', note: '摸排建册进行中', figures: { elders: 100 + clientKey }, clientKey: `access-${(clientKey += 1)}-key` },
});

async function userId(env: SampleEnv, c: Client): Promise<number> {
  const [u] = await env.t.ctx.db.query<{ id: number }>('SELECT id FROM staff_user WHERE username = $1', [c.username]);
  return u!.id;
}

const access: ModuleAccess = {
  async setup(env) {
    const db = env.t.ctx.db;
    await ensurePlan(db, 2026);
    const [own] = await db.query<{ id: number }>(`SELECT id FROM project_task WHERE code = 'elder-guard'`);
    const [other] = await db.query<{ id: number }>(`SELECT id FROM project_task WHERE code = 'old-lifts'`);
    ids.task = own!.id; ids.otherTask = other!.id;
    // The "own" reporter reports for 市民政局, the "other" one for 市住房城乡建设委.
    await assignReporter(db, await userId(env, await env.client('dept-reporter', 'own')), 'civil-affairs', 'test');
    await assignReporter(db, await userId(env, await env.client('dept-reporter', 'other')), 'housing-construction', 'test');
    const up = await upload(await env.client('dept-reporter', 'own'));
    ids.evidence = up.json().uploadId;
    ids.complaint = (await db.query<{ id: number }>('SELECT id FROM complaint WHERE ticket = $1', [(await submitComplaint(db, {
      category: 'property', regionCode: OWN.community, place: '花园路1号', description: '楼道灯坏了一个月', contactName: '王五', contactPhone: '13812345678',
    })).ticket]))[0]!.id;
    ids.suggestion = (await submitSuggestion(db, { title: '增加社区食堂', body: '希望在社区增加老年食堂', topic: 'elderly-children', anonymous: true })).id;
  },
  samples: (env) => ({
    'GET /api/projects/tasks': { role: 'city-admin', own: (c) => c.inject('/api/projects/tasks'), otherRegion: { unscoped: 'the city office reviews the whole city plan' } },
    'GET /api/projects/tasks/:id': { role: 'city-admin', own: (c) => c.inject(`/api/projects/tasks/${ids.task}`), otherRegion: { unscoped: 'the city office reviews the whole city plan' } },
    'GET /api/projects/my-tasks': {
      role: 'dept-reporter', own: (c) => c.inject('/api/projects/my-tasks'),
      otherRegion: { check: (res) => expect(res.json().items.map((t: { id: number }) => t.id)).not.toContain(ids.task) },
    },
    'GET /api/projects/my-tasks/:id': { role: 'dept-reporter', own: (c) => c.inject(`/api/projects/my-tasks/${ids.task}`), otherRegion: 'not-found' },
    'POST /api/projects/uploads': { role: 'dept-reporter', own: upload, otherRegion: { unscoped: 'an upload belongs to the uploader and its department until a report attaches it' } },
    'POST /api/projects/tasks/:id/updates': { role: 'dept-reporter', own: (c) => report(c, ids.task), otherRegion: 'not-found' },
    'GET /api/projects/reports': { role: 'city-admin', own: (c) => c.inject('/api/projects/reports?state=submitted'), otherRegion: { unscoped: 'the city office reviews every department' } },
    'POST /api/projects/reports/:id/review': {
      role: 'city-admin',
      own: async (c) => {
        const r = await report(await env.client('dept-reporter', 'own'), ids.task);
        return c.inject({ method: 'POST', url: `/api/projects/reports/${r.json().id}/review`, payload: { decision: 'approve' } });
      },
      otherRegion: { unscoped: 'the city office reviews every department' },
    },
    'GET /api/projects/evidence/:id': { role: 'city-admin', own: (c) => c.inject(`/api/projects/evidence/${ids.evidence}`), otherRegion: { unscoped: 'the city office sees every department\'s evidence' } },
    'GET /api/projects/export': { role: 'city-admin', own: (c) => c.inject('/api/projects/export?format=csv'), otherRegion: { unscoped: 'the plan is one city-wide list' } },
    'POST /api/projects/import': {
      role: 'city-admin',
      own: async (c) => {
        const csv = (await c.inject('/api/projects/export?format=csv')).rawPayload;
        return c.inject({ method: 'POST', url: '/api/projects/import', ...multipartFile('plan.csv', csv, 'text/csv') });
      },
      otherRegion: { unscoped: 'the plan is one city-wide list' },
    },
    'GET /api/suggestions': { role: 'city-admin', own: (c) => c.inject('/api/suggestions'), otherRegion: { unscoped: 'the city office moderates all suggestions' } },
    'POST /api/suggestions/:id/actions': { role: 'city-admin', own: (c) => c.inject({ method: 'POST', url: `/api/suggestions/${ids.suggestion}/actions`, payload: { kind: 'categorise', topic: 'services' } }), otherRegion: { unscoped: 'the city office moderates all suggestions' } },
    'GET /api/complaints': { role: 'street-staff', own: (c) => c.inject('/api/complaints'), otherRegion: 'empty' },
    'GET /api/complaints/:id': { role: 'street-staff', own: (c) => c.inject(`/api/complaints/${ids.complaint}`), otherRegion: 'not-found' },
    'POST /api/complaints/:id/actions': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: `/api/complaints/${ids.complaint}/actions`, payload: { kind: 'note', text: '已联系物业' } }), otherRegion: 'not-found' },
    'POST /api/complaints/:id/reveal': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: `/api/complaints/${ids.complaint}/reveal`, payload: { reason: '电话回访诉求人' } }), otherRegion: 'not-found' },
  }),
  publicRoutes: PUBLIC_ROUTE_REASONS,
  permissions: ['projects.report', 'projects.review', 'suggestions.moderate', 'complaints.handle'],
};
export default access;
