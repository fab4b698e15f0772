import { makeCitizenId } from '@minsheng/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../testing/app.ts';
import { staffClient, type Client } from '../../testing/auth.ts';
import { HEPING_COMMUNITY, person } from '../../testing/people.ts';

describe('registry: persons', () => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await testApp();
    c = await staffClient(t.app, t.ctx.db, 'city-admin', '120000000000');
    await t.ctx.db.exec(`INSERT INTO grid (id, community_code, kind, name) VALUES ('${HEPING_COMMUNITY}-G01', '${HEPING_COMMUNITY}', 'general', '第一网格');`);
  });
  afterAll(async () => { await t.close(); });

  const post = (body: unknown) => c.inject({ method: 'POST', url: '/api/persons', payload: body as object });

  it('registers a person, deriving birth date and sex from the citizen ID', async () => {
    const input = person({ name: '张桂兰', birthDate: '1948-05-02', sex: 'F' });
    const { birthDate: _b, sex: _s, ...withoutDerived } = input;
    const res = await post({ ...withoutDerived, gridId: `${HEPING_COMMUNITY}-G01`, abilityLevel: 'moderate', livingArrangement: 'alone' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: '张桂兰', birthDate: '1948-05-02', sex: 'F', residenceName: '花园路社区居委会', hukouName: '花园路社区居委会',
      abilityLevel: 'moderate', livingArrangement: 'alone', version: 1, household: null,
    });
  });

  it('refuses a wrong check digit, naming the field', async () => {
    const p = person();
    const bad = p.citizenId.slice(0, 17) + (p.citizenId[17] === '1' ? '2' : '1');
    const res = await post({ ...p, citizenId: bad });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'validation', details: { field: 'citizenId' } });
    expect(res.json().error.message).toContain('check digit');
  });

  it('refuses a birth date that disagrees with the ID', async () => {
    const res = await post(person({ birthDate: '1950-03-15' }) && { ...person({ birthDate: '1950-03-15' }), birthDate: '1950-03-16' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.field).toBe('birthDate');
  });

  it('refuses unknown community codes and a grid of another community', async () => {
    const unknown = await post(person({ residenceCommunity: '120101001999' }));
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.details.field).toBe('residenceCommunity');
    const otherGrid = await post(person({ residenceCommunity: '120101001002', gridId: `${HEPING_COMMUNITY}-G01` }));
    expect(otherGrid.json().error.details.field).toBe('gridId');
  });

  it('refuses the same citizen ID twice with 409', async () => {
    const p = person();
    expect((await post(p)).statusCode).toBe(201);
    const again = await post(p);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details.field).toBe('citizenId');
  });

  it('keeps every change with who, when, why, before and after; asOf reads the past', async () => {
    const created = (await post(person({ name: '刘淑珍', phone: '13900000001' }))).json();
    // Move the creation into the past, as if registered on 2026-01-10: until the first change a
    // person's creation is its own row (migration 005), not yet a record_history row.
    expect((await t.ctx.db.query(`SELECT 1 FROM record_history WHERE entity = 'person' AND entity_id = $1`, [created.id]))).toHaveLength(0);
    await t.ctx.db.query(`UPDATE person SET updated_at = '2026-01-10T02:00:00Z' WHERE id = $1`, [created.id]);
    expect((await c.inject(`/api/persons/${created.id}/history`)).json().items).toEqual([expect.objectContaining({
      version: 1, changedAt: expect.stringMatching(/^2026-01-10/), changedBy: c.username,
      changes: expect.arrayContaining([{ field: 'name', before: null, after: '刘淑珍' }, { field: 'phone', before: null, after: '139****0001' }]),
    })]);
    const patched = await c.inject({ method: 'PATCH', url: `/api/persons/${created.id}`, payload: { phone: '13900000002', abilityLevel: 'severe', reason: '入户核查更正' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ phone: '139****0002', abilityLevel: 'severe', version: 2 });

    const history = (await c.inject(`/api/persons/${created.id}/history`)).json().items;
    expect(history).toHaveLength(2);
    expect(history[0]).toMatchObject({ version: 2, changedBy: c.username, reason: '入户核查更正' });
    expect(history[0].changes).toEqual(expect.arrayContaining([
      { field: 'phone', before: '139****0001', after: '139****0002' },
      { field: 'abilityLevel', before: null, after: 'severe' },
    ]));
    expect(history[0].changes).toHaveLength(2);
    expect(history[1]).toMatchObject({ version: 1 });

    const past = (await c.inject(`/api/persons/${created.id}?asOf=2026-03-01`)).json();
    expect(past).toMatchObject({ phone: '139****0001', abilityLevel: null, version: 1, asOf: '2026-03-01' });
    const before = await c.inject(`/api/persons/${created.id}?asOf=2026-01-09`);
    expect(before.statusCode).toBe(404);
  });

  it('a person registered before migration 005 (creation already in record_history) keeps one creation entry', async () => {
    const created = (await post(person({ name: '高秀英', phone: '13900000021' }))).json();
    // As the old insert trigger did: the creation snapshot in record_history.
    await t.ctx.db.query(`INSERT INTO record_history (entity, entity_id, version, changed_at, changed_by, reason, before, after)
      SELECT 'person', p.id, 1, p.updated_at, p.updated_by, p.change_reason, NULL, person_snapshot(p) FROM person p WHERE p.id = $1`, [created.id]);
    const once = (await c.inject(`/api/persons/${created.id}/history`)).json().items;
    expect(once.map((h: { version: number }) => h.version)).toEqual([1]);
    await c.inject({ method: 'PATCH', url: `/api/persons/${created.id}`, payload: { phone: '13900000022', reason: '更正' } });
    const twice = (await c.inject(`/api/persons/${created.id}/history`)).json().items;
    expect(twice.map((h: { version: number }) => h.version)).toEqual([2, 1]);
    expect(twice[0].changes).toEqual([{ field: 'phone', before: '139****0021', after: '139****0022' }]);
  });

  it('a change that changes nothing writes no new version', async () => {
    const created = (await post(person({ phone: '13900000009' }))).json();
    const same = (await c.inject({ method: 'PATCH', url: `/api/persons/${created.id}`, payload: { phone: '13900000009', reason: '核对' } })).json();
    expect(same.version).toBe(1);
  });

  it('a change needs a reason', async () => {
    const created = (await post(person())).json();
    const res = await c.inject({ method: 'PATCH', url: `/api/persons/${created.id}`, payload: { phone: '13900000003' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.field).toBe('reason');
  });

  it('finds persons by name, pinyin initials, citizen ID, phone and region', async () => {
    const p = person({ name: '赵德明', phone: '13711112222', sex: 'M', residenceCommunity: '120101001002' });
    const created = (await post(p)).json();
    const ids = async (q: string) => (await c.inject(`/api/persons?${q}`)).json().items.map((i: { id: number }) => i.id);
    expect(await ids(`q=${encodeURIComponent('赵德')}`)).toContain(created.id);
    expect(await ids('q=zdm')).toEqual([created.id]);
    expect(await ids('q=ZD')).toContain(created.id);
    expect(await ids(`q=${p.citizenId}`)).toEqual([created.id]);
    expect(await ids('q=13711112222')).toEqual([created.id]);
    expect(await ids('region=120101001002')).toEqual([created.id]);
    expect(await ids('region=120101001000&q=zdm')).toEqual([created.id]);
    expect(await ids('region=120102000000&q=zdm')).toEqual([]);
  });

  it('search input is data, never SQL', async () => {
    const res = await c.inject(`/api/persons?q=${encodeURIComponent("' OR 1=1 --")}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([]);
  });

  it('answers 404 for an unknown person and 422 for a bad id or date', async () => {
    expect((await c.inject('/api/persons/999999')).statusCode).toBe(404);
    expect((await c.inject('/api/persons/abc')).statusCode).toBe(422);
    expect((await c.inject('/api/persons/1?asOf=2026-13-01')).json().error.details.field).toBe('asOf');
  });
});

describe('registry: households and relations', () => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => { t = await testApp(); c = await staffClient(t.app, t.ctx.db, 'city-admin', '120000000000'); });
  afterAll(async () => { await t.close(); });

  async function register(name: string, birthDate: string, sex: 'M' | 'F', community = HEPING_COMMUNITY, seqNo = 11) {
    const citizenId = makeCitizenId('120101', birthDate, seqNo, sex);
    const res = await c.inject({ method: 'POST', url: '/api/persons', payload: { ...person({ name, birthDate, sex, residenceCommunity: community }), citizenId } });
    expect(res.statusCode).toBe(201);
    return { id: (res.json() as { id: number }).id, citizenId };
  }

  it('builds a household with one head, shows members, keeps membership history', async () => {
    const head = await register('孙建国', '1952-01-01', 'M');
    const wife = await register('孙丽华', '1954-02-02', 'F');
    const res = await c.inject({ method: 'POST', url: '/api/households', payload: {
      householdNo: 'HP-0001', address: '和平区花园路1号', residenceCommunity: HEPING_COMMUNITY,
      members: [{ citizenId: head.citizenId, relation: 'head' }, { citizenId: wife.citizenId, relation: 'spouse' }],
    } });
    expect(res.statusCode).toBe(201);
    const hh = res.json();
    expect(hh).toMatchObject({ householdNo: 'HP-0001', headPersonId: head.id, residenceName: '花园路社区居委会' });
    expect(hh.members.map((m: { name: string; relation: string }) => [m.name, m.relation])).toEqual([['孙建国', 'head'], ['孙丽华', 'spouse']]);

    const file = (await c.inject(`/api/persons/${wife.id}`)).json();
    expect(file.household).toEqual({ id: hh.id, relation: 'spouse', headName: '孙建国' });

    // The wife's membership moved into history: her file now has 2 versions.
    const history = (await c.inject(`/api/persons/${wife.id}/history`)).json().items;
    expect(history[0].changes).toEqual(expect.arrayContaining([{ field: 'householdId', before: null, after: hh.id }]));

    // Backdate everything, then remove the wife: today's file has one member, the past has two.
    await t.ctx.db.query(`UPDATE record_history SET changed_at = '2026-02-01T00:00:00Z'`);
    const again = await c.inject({ method: 'POST', url: '/api/households', payload: {
      householdNo: 'HP-0001', address: '和平区花园路1号', residenceCommunity: HEPING_COMMUNITY, members: [{ citizenId: head.citizenId, relation: 'head' }], reason: '分户',
    } });
    expect(again.json().members).toHaveLength(1);
    const past = (await c.inject(`/api/households/${hh.id}?asOf=2026-03-01`)).json();
    expect(past.members).toHaveLength(2);
    expect((await c.inject(`/api/persons/${wife.id}`)).json().household).toBeNull();
  });

  it('refuses a household without exactly one head, or with unregistered members', async () => {
    const a = await register('周敏', '1980-03-03', 'F', HEPING_COMMUNITY, 21);
    const noHead = await c.inject({ method: 'POST', url: '/api/households', payload: { householdNo: 'HP-0002', members: [{ citizenId: a.citizenId, relation: 'spouse' }] } });
    expect(noHead.statusCode).toBe(422);
    expect(noHead.json().error.message).toContain('exactly one head');
    const ghost = await c.inject({ method: 'POST', url: '/api/households', payload: { householdNo: 'HP-0003', members: [{ citizenId: makeCitizenId('120101', '1970-01-01', 501, 'M'), relation: 'head' }] } });
    expect(ghost.json().error.details.field).toBe('members');
  });

  it('records a child living in another street, visible from both files', async () => {
    const elder = await register('钱秀兰', '1940-06-06', 'F', HEPING_COMMUNITY, 31);
    const son = await register('钱伟', '1968-07-07', 'M', '120102001001', 33);
    const res = await c.inject({ method: 'POST', url: '/api/relations', payload: { citizenId: elder.citizenId, relatedCitizenId: son.citizenId, kind: 'child' } });
    expect(res.statusCode).toBe(201);
    const elderFile = (await c.inject(`/api/persons/${elder.id}`)).json();
    expect(elderFile.relations).toEqual([expect.objectContaining({ kind: 'child', direction: 'outgoing', other: expect.objectContaining({ id: son.id, streetCode: '120102001000' }) })]);
    const sonFile = (await c.inject(`/api/persons/${son.id}`)).json();
    expect(sonFile.relations[0]).toMatchObject({ kind: 'child', direction: 'incoming', other: { id: elder.id } });
    const again = await c.inject({ method: 'POST', url: '/api/relations', payload: { citizenId: elder.citizenId, relatedCitizenId: son.citizenId, kind: 'child' } });
    expect(again.statusCode).toBe(200);
    const noDuty = await c.inject({ method: 'POST', url: '/api/relations', payload: { citizenId: elder.citizenId, relatedCitizenId: son.citizenId, kind: 'supporter' } });
    expect(noDuty.json().error.details.field).toBe('duty');
  });
});
