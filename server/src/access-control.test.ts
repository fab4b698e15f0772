/**
 * Walks EVERY registered API route (from the server's own route table, so a new endpoint cannot
 * be forgotten) and checks: signed out -> 401; a role without the permission -> 403; the right
 * role bound to another region -> 404 / an empty answer / refused; the right role in its own
 * region -> success. Runs after all migrations, on PGlite and on PostgreSQL. The samples of the
 * later modules live beside them (`modules/<module>/access.samples.ts`, listed in
 * testing/module-access.ts).
 */
import { makeCitizenId } from '@minsheng/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_PERMISSIONS, type Permission, type Role } from './platform/auth/roles.ts';
import { testApp, type TestApp } from './testing/app.ts';
import { login, staffClient, type Client } from './testing/auth.ts';
import { CITY, OTHER, OWN, type Sample, type SampleEnv } from './testing/access-samples.ts';
import { MODULE_ACCESS } from './testing/module-access.ts';

/** A policy with a registry builder (policies/tianjin), and a date it is in effect. */
const POLICY = 'tianjin/concentrated-care-subsidy';
const POLICY_ON = '2026-05-01';

let seq = 500;
const newId = (): string => makeCitizenId('120101', '1961-04-04', (seq += 2), 'M');

/** POST /api/imports?wait=1 with a one-person CSV living in `community` (multipart, kind first). */
function importPerson(c: Client, community: string): Promise<LightMyRequestResponse> {
  const boundary = 'ac-import-boundary';
  const csv = `姓名,公民身份号码,居住社区代码\r\n导入人,${newId()},${community}\r\n`;
  const payload = `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\npersons\r\n`
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`;
  return c.inject({ method: 'POST', url: '/api/imports?wait=1', payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
}

describe('access control on every route', () => {
  let t: TestApp;
  const ids = { personA: 0, personB: 0, personC: 0, householdA: 0, userId: 0, citizenA: '', citizenC: '', importA: 0 };
  let env: SampleEnv;
  /** An import started by the own district's staff (made on first use). */
  const ownImport = async (): Promise<number> => {
    if (!ids.importA) ids.importA = (await importPerson(await client('district-staff', 'own'), OWN.community)).json().id;
    return ids.importA;
  };
  /** A policy run started by the own district's staff (made on first use; it goes on after the 202). */
  let runA = 0;
  const ownRun = async (): Promise<number> => {
    if (!runA) runA = (await (await client('district-staff', 'own')).inject({ method: 'POST', url: `/api/policies/${POLICY}/runs`, payload: { on: POLICY_ON } })).json().id;
    return runA;
  };
  /** A started batch run (202) read back from its Location (200, with its scope); other answers as they are. */
  const started = async (c: Client, post: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> => {
    const res = await post;
    return res.statusCode === 202 ? c.inject(String(res.headers.location)) : res;
  };
  const clients = new Map<string, Client>();

  async function client(role: Role, where: 'own' | 'other'): Promise<Client> {
    const key = `${role}:${where}`;
    const cached = clients.get(key);
    if (cached) return cached;
    const r = where === 'own' ? OWN : OTHER;
    const region = ({ 'city-admin': CITY, 'district-staff': r.district, 'street-staff': r.street, 'community-worker': r.community, 'grid-worker': r.community } as Partial<Record<Role, string>>)[role] ?? r.street;
    const c = await staffClient(t.app, t.ctx.db, role, region, role === 'grid-worker' ? r.grid : null);
    clients.set(key, c);
    return c;
  }

  beforeAll(async () => {
    t = await testApp();
    const db = t.ctx.db;
    await db.exec(`INSERT INTO grid (id, community_code, kind, name) VALUES ('${OWN.grid}', '${OWN.community}', 'general', '一网格'), ('${OTHER.grid}', '${OTHER.community}', 'general', '一网格')`);
    const admin = await staffClient(t.app, db, 'city-admin', CITY);
    const mk = async (community: string, grid: string, citizenId: string): Promise<number> => {
      const res = await admin.inject({ method: 'POST', url: '/api/persons', payload: { name: '测试人', citizenId, residenceCommunity: community, gridId: grid, phone: '13812345678' } });
      expect(res.statusCode).toBe(201);
      return res.json().id;
    };
    ids.citizenA = newId();
    ids.personA = await mk(OWN.community, OWN.grid, ids.citizenA);
    ids.personB = await mk(OTHER.community, OTHER.grid, newId());
    ids.citizenC = newId();
    ids.personC = await mk(OWN.community, OWN.grid, ids.citizenC);
    const hh = await admin.inject({ method: 'POST', url: '/api/households', payload: { householdNo: 'AC-1', residenceCommunity: OWN.community, gridId: OWN.grid, members: [{ citizenId: ids.citizenA, relation: 'head' }] } });
    ids.householdA = hh.json().id;
    ids.userId = (await admin.inject('/api/admin/users')).json().items[0].id;
    env = { t, client, ids, newId };
    for (const m of Object.values(MODULE_ACCESS)) await m.setup?.(env);
    for (const [name, m] of Object.entries(MODULE_ACCESS)) {
      for (const [key, sample] of Object.entries(m.samples(env))) {
        if (key in SAMPLES) throw new Error(`${name}: sample ${key} defined twice`);
        SAMPLES[key] = sample;
      }
    }
  });
  afterAll(async () => { await t.close(); });

  const SAMPLES: Record<string, Sample> = {
    'POST /api/auth/logout': { role: 'street-staff', own: async (c) => (await login(t.app, c.username)).inject({ method: 'POST', url: '/api/auth/logout' }), otherRegion: { unscoped: 'ends only the caller\'s own session' } },
    'GET /api/auth/me': { role: 'street-staff', own: (c) => c.inject('/api/auth/me'), otherRegion: { unscoped: 'describes only the caller' } },
    'GET /api/admin/users': { role: 'city-admin', own: (c) => c.inject('/api/admin/users'), otherRegion: { unscoped: 'only city administrators manage accounts' } },
    'POST /api/admin/users': { role: 'city-admin', own: (c) => c.inject({ method: 'POST', url: '/api/admin/users', payload: { username: `u${seq++}`, displayName: '新用户', office: '和平区民政局', password: 'long-enough-pw', roles: [{ role: 'street-staff', regionCode: OWN.street }] } }), otherRegion: { unscoped: 'city administrators only' } },
    'PATCH /api/admin/users/:id': { role: 'city-admin', own: (c) => c.inject({ method: 'PATCH', url: `/api/admin/users/${ids.userId}`, payload: { office: '天津市民政局' } }), otherRegion: { unscoped: 'city administrators only' } },
    'POST /api/admin/users/:id/unlock': { role: 'city-admin', own: (c) => c.inject({ method: 'POST', url: `/api/admin/users/${ids.userId}/unlock` }), otherRegion: { unscoped: 'city administrators only' } },
    'GET /api/audit': { role: 'auditor', own: (c) => c.inject('/api/audit'), otherRegion: { unscoped: 'auditors read the whole log by design' } },
    'GET /api/audit/export.xlsx': { role: 'auditor', own: (c) => c.inject('/api/audit/export.xlsx'), otherRegion: { unscoped: 'auditors read the whole log by design' } },
    'GET /api/regions': { role: 'street-staff', own: (c) => c.inject(`/api/regions?parent=${OWN.street}`), otherRegion: { unscoped: 'the division map is public reference data' } },
    'GET /api/regions/:code': { role: 'street-staff', own: (c) => c.inject(`/api/regions/${OWN.community}`), otherRegion: { unscoped: 'the division map is public reference data' } },
    'GET /api/regions/:code/grids': { role: 'street-staff', own: (c) => c.inject(`/api/regions/${OWN.community}/grids`), otherRegion: { unscoped: 'grids are reference data' } },
    // Another street's staff count only their own street: person B, never the two persons here.
    'GET /api/stats': { role: 'street-staff', own: (c) => c.inject('/api/stats'), otherRegion: { check: (res) => expect(res.json().persons).toBe(1) } },
    'GET /api/persons': { role: 'street-staff', own: (c) => c.inject(`/api/persons?region=${OWN.community}`), otherRegion: 'empty' },
    'POST /api/persons': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: '/api/persons', payload: { name: '新登记', citizenId: newId(), residenceCommunity: OWN.community } }), otherRegion: 'refused' },
    'GET /api/persons/:id': { role: 'street-staff', own: (c) => c.inject(`/api/persons/${ids.personA}`), otherRegion: 'not-found' },
    'PATCH /api/persons/:id': { role: 'street-staff', own: (c) => c.inject({ method: 'PATCH', url: `/api/persons/${ids.personA}`, payload: { livingArrangement: 'alone', reason: '核查' } }), otherRegion: 'not-found' },
    'GET /api/persons/:id/history': { role: 'street-staff', own: (c) => c.inject(`/api/persons/${ids.personA}/history`), otherRegion: 'not-found' },
    'POST /api/persons/:id/reveal': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: `/api/persons/${ids.personA}/reveal`, payload: { fields: ['citizenId'], reason: '核对身份信息' } }), otherRegion: 'not-found' },
    'POST /api/persons/:id/access-code': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: `/api/persons/${ids.personA}/access-code` }), otherRegion: 'not-found' },
    'POST /api/households': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: '/api/households', payload: { householdNo: 'AC-1', residenceCommunity: OWN.community, gridId: OWN.grid, members: [{ citizenId: ids.citizenA, relation: 'head' }] } }), otherRegion: 'refused' },
    'GET /api/households/:id': { role: 'street-staff', own: (c) => c.inject(`/api/households/${ids.householdA}`), otherRegion: 'not-found' },
    'GET /api/households/:id/history': { role: 'street-staff', own: (c) => c.inject(`/api/households/${ids.householdA}/history`), otherRegion: 'not-found' },
    'POST /api/relations': { role: 'street-staff', own: (c) => c.inject({ method: 'POST', url: '/api/relations', payload: { citizenId: ids.citizenA, relatedCitizenId: ids.citizenC, kind: 'child' } }), otherRegion: 'refused' },
    // Imports: a district imports into its own district only; a job is seen by whoever started it.
    'POST /api/imports': { role: 'district-staff', own: (c) => importPerson(c, OWN.community), otherRegion: { check: (res) => expect(res.json()).toMatchObject({ accepted: 0, rejected: 1, errors: [{ field: 'residenceCommunity', message: expect.stringContaining('outside your region') }] }) } },
    'GET /api/imports': { role: 'district-staff', own: async (c) => { await ownImport(); return c.inject('/api/imports'); }, otherRegion: { check: (res) => expect(res.json().items.map((j: { id: number }) => j.id)).not.toContain(ids.importA) } },
    'GET /api/imports/:id': { role: 'district-staff', own: async (c) => c.inject(`/api/imports/${await ownImport()}`), otherRegion: 'not-found' },
    'GET /api/imports/:id/rejected.xlsx': { role: 'district-staff', own: async (c) => c.inject(`/api/imports/${await ownImport()}/rejected.xlsx`), otherRegion: 'not-found' },
    // Policy runs: a district decides over its own district only (scope), and sees its own runs.
    'POST /api/policies/:id/runs': { role: 'district-staff', own: (c) => started(c, c.inject({ method: 'POST', url: `/api/policies/${encodeURIComponent(POLICY)}/runs`, payload: { on: POLICY_ON } })), otherRegion: { check: (res) => expect(res.json().scope).toEqual([`${OTHER.district.slice(0, 6)}*`]) } },
    'POST /api/policies/:ns/:id/runs': { role: 'district-staff', own: (c) => started(c, c.inject({ method: 'POST', url: `/api/policies/${POLICY}/runs`, payload: { on: POLICY_ON } })), otherRegion: { check: (res) => expect(res.json().scope).toEqual([`${OTHER.district.slice(0, 6)}*`]) } },
    'GET /api/policies/:id/runs': { role: 'district-staff', own: (c) => c.inject(`/api/policies/${encodeURIComponent(POLICY)}/runs`), otherRegion: { check: (res) => expect(res.json().items.every((r: { scope: string[] }) => r.scope.every((p) => p.startsWith(OTHER.district.slice(0, 6))))).toBe(true) } },
    'GET /api/policies/:ns/:id/runs': { role: 'district-staff', own: (c) => c.inject(`/api/policies/${POLICY}/runs`), otherRegion: { check: (res) => expect(res.json().items.every((r: { scope: string[] }) => r.scope.every((p) => p.startsWith(OTHER.district.slice(0, 6))))).toBe(true) } },
    'GET /api/policies/:id/runs/:runId': { role: 'district-staff', own: async (c) => c.inject(`/api/policies/${encodeURIComponent(POLICY)}/runs/${await ownRun()}`), otherRegion: 'not-found' },
    'GET /api/policies/:ns/:id/runs/:runId': { role: 'district-staff', own: async (c) => c.inject(`/api/policies/${POLICY}/runs/${await ownRun()}`), otherRegion: 'not-found' },
    'POST /api/policies/:id/whatif': { role: 'district-staff', own: (c) => c.inject({ method: 'POST', url: `/api/policies/${encodeURIComponent(POLICY)}/whatif`, payload: { on: POLICY_ON, set: { minAgeAny: 70 } } }), otherRegion: { check: (res) => expect(res.json().total).toBe(1) } },
    'POST /api/policies/:ns/:id/whatif': { role: 'district-staff', own: (c) => c.inject({ method: 'POST', url: `/api/policies/${POLICY}/whatif`, payload: { on: POLICY_ON, set: { minAgeAny: 70 } } }), otherRegion: { check: (res) => expect(res.json().total).toBe(1) } },
    'GET /api/imports/samples/:file': { role: 'street-staff', own: (c) => c.inject('/api/imports/samples/persons.csv'), otherRegion: { unscoped: 'the sample files hold no personal data' } },
  };
  /** Resident routes: a staff session is not a resident session. */
  const RESIDENT_ROUTES = ['POST /api/portal/logout', 'GET /api/me/access-log', ...Object.values(MODULE_ACCESS).flatMap((m) => m.residentRoutes ?? [])];
  const MODULE_PUBLIC = Object.values(MODULE_ACCESS).flatMap((m) => Object.entries(m.publicRoutes ?? {}));
  /** A role that lacks the permission (the reporter holds only projects.report). */
  const refusedRole = (p: Permission): Role => (['dept-reporter', 'auditor', 'responder'] as const).find((r) => !ROLE_PERMISSIONS[r].includes(p)) ?? 'auditor';

  it('every non-public route has a sample in this table (add one for a new endpoint)', () => {
    const missing = t.app.routeTable
      .filter((r) => r.access !== 'public' && r.access !== 'resident')
      .map((r) => `${r.method} ${r.url}`).filter((k) => !(k in SAMPLES));
    expect(missing).toEqual([]);
    const residents = t.app.routeTable.filter((r) => r.access === 'resident').map((r) => `${r.method} ${r.url}`);
    expect(residents.sort()).toEqual([...RESIDENT_ROUTES].sort());
  });

  it('public routes are exactly health, the two sign-ins, the public policy documents and those the modules justify', () => {
    for (const [key, why] of MODULE_PUBLIC) expect(why.length, key).toBeGreaterThan(10);
    expect(t.app.routeTable.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`).sort())
      .toEqual(['GET /api/health', 'GET /api/policies', 'GET /api/policies/:id', 'GET /api/policies/:ns/:id', 'POST /api/auth/login',
        'POST /api/policies/:id/evaluate', 'POST /api/policies/:ns/:id/evaluate', 'POST /api/portal/login', ...MODULE_PUBLIC.map(([k]) => k)].sort());
  });

  it('signed out: every non-public route answers 401', async () => {
    for (const r of t.app.routeTable.filter((x) => x.access !== 'public')) {
      const res = await t.app.inject({ method: r.method as 'GET', url: r.url.replace(':id', String(ids.personA)).replace(':code', OWN.community), payload: r.method === 'GET' ? undefined : {} });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('a role without the permission: 403 (and the refusal is audited)', async () => {
    const reporter = await client('dept-reporter', 'own');
    for (const r of t.app.routeTable.filter((x) => x.access !== 'public' && x.access !== 'staff' && x.access !== 'resident')) {
      const who = await client(refusedRole(r.access as Permission), 'own');
      const res = await who.inject({ method: r.method as 'GET', url: r.url.replace(':id', String(ids.personA)).replace(':code', OWN.community), payload: r.method === 'GET' ? undefined : {} });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
    const [row] = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE actor_name = $1 AND action = 'access.refused' AND outcome = 'denied'`, [reporter.username]);
    expect(row?.n).toBeGreaterThanOrEqual(10);
  });

  it('staff sessions do not open resident routes', async () => {
    const staff = await client('street-staff', 'own');
    for (const key of RESIDENT_ROUTES) {
      const [method, url] = key.split(' ') as [string, string];
      expect((await staff.inject({ method: method as 'GET', url })).statusCode, key).toBe(401);
    }
  });

  it('the right role in another region: 404, an empty answer, or refused', async () => {
    for (const [key, sample] of Object.entries(SAMPLES)) {
      if (typeof sample.otherRegion === 'object' && 'unscoped' in sample.otherRegion) { expect(sample.otherRegion.unscoped.length, key).toBeGreaterThan(10); continue; }
      const res = await sample.own(await client(sample.role, 'other'));
      if (typeof sample.otherRegion === 'object') { expect(res.statusCode, key).toBe(200); sample.otherRegion.check(res); continue; }
      if (sample.otherRegion === 'not-found') expect(res.statusCode, key).toBe(404);
      if (sample.otherRegion === 'refused') {
        expect([404, 422], key).toContain(res.statusCode);
        expect(res.body, key).toMatch(/outside your region|no person with this citizen ID/);
      }
      if (sample.otherRegion === 'empty') {
        expect(res.statusCode, key).toBe(200);
        const body = res.json();
        if ('items' in body) expect(body.items, key).toEqual([]);
        else expect(body.persons, key).toBe(0);
      }
    }
  });

  it('the right role in its own region: success', async () => {
    for (const [key, sample] of Object.entries(SAMPLES)) {
      const res = await sample.own(await client(sample.role, 'own'));
      expect(res.statusCode, `${key}: ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
      expect(res.statusCode, `${key}: ${res.body.slice(0, 200)}`).toBeLessThan(300);
    }
  });

  it('opening a file outside the region by URL is refused as absent, and the attempt is audited', async () => {
    const other = await client('street-staff', 'other');
    const res = await other.inject(`/api/persons/${ids.personA}`);
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('测试人');
    const rows = await t.ctx.db.query<{ outcome: string; subject_ids: number[] }>(
      `SELECT outcome, subject_ids FROM audit_log WHERE actor_name = $1 AND action = 'person.read' AND entity_id = $2`, [other.username, String(ids.personA)]);
    expect(rows.at(-1)).toEqual({ outcome: 'denied', subject_ids: [] });
  });

  it('a general-grid worker also covers the micro grids inside the grid', async () => {
    await t.ctx.db.exec(`INSERT INTO grid (id, community_code, kind, name, parent_grid_id) VALUES ('${OWN.grid}-M1', '${OWN.community}', 'micro', '微网格', '${OWN.grid}')`);
    const admin = await client('city-admin', 'own');
    const micro = (await admin.inject({ method: 'POST', url: '/api/persons', payload: { name: '微网格居民', citizenId: newId(), residenceCommunity: OWN.community, gridId: `${OWN.grid}-M1` } })).json();
    const worker = await staffClient(t.app, t.ctx.db, 'grid-worker', OWN.community, OWN.grid);
    expect((await worker.inject(`/api/persons/${micro.id}`)).statusCode).toBe(200);
    const otherWorker = await client('grid-worker', 'other');
    expect((await otherWorker.inject(`/api/persons/${micro.id}`)).statusCode).toBe(404);
  });

  it('a grid worker sees the persons of their grid only', async () => {
    const own = await client('grid-worker', 'own');
    expect((await own.inject(`/api/persons/${ids.personA}`)).statusCode).toBe(200);
    expect((await own.inject(`/api/persons/${ids.personB}`)).statusCode).toBe(404);
    const list = (await own.inject('/api/persons')).json();
    expect(list.items.map((p: { id: number }) => p.id)).not.toContain(ids.personB);
    expect(list.items.map((p: { id: number }) => p.id)).toContain(ids.personA);
  });

  it('every route that shows personal data writes an audit row naming the person', async () => {
    const c = await client('street-staff', 'own');
    for (const key of ['GET /api/persons/:id', 'GET /api/persons/:id/history', 'GET /api/households/:id', 'GET /api/persons']) {
      const before = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE actor_name = $1 AND $2::bigint = ANY(subject_ids)`, [c.username, ids.personA]);
      expect((await SAMPLES[key]!.own(c)).statusCode, key).toBe(200);
      const after = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE actor_name = $1 AND $2::bigint = ANY(subject_ids)`, [c.username, ids.personA]);
      expect(after[0]!.n, key).toBe(before[0]!.n + 1);
    }
  });

  const permissionsUsed: Permission[] = ['regions.read', 'registry.read', 'registry.write', 'registry.reveal', 'imports.run', 'access-codes.issue', 'audit.read', 'users.admin', 'policy.run',
    ...Object.values(MODULE_ACCESS).flatMap((m) => m.permissions ?? [])];
  it('the table exercises each permission a route needs', () => {
    const needed = new Set(t.app.routeTable.map((r) => r.access).filter((a) => a !== 'public' && a !== 'staff' && a !== 'resident'));
    for (const p of needed) expect(permissionsUsed, p).toContain(p);
  });
});
