/** The policy API: public list/describe/evaluate with 422s naming the field and 404s; runs and what-ifs for policy.run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../testing/app.ts';
import { staffClient } from '../../testing/auth.ts';
import { policyDir, seedRegistry } from './test-fixtures.ts';

const ELDER = { person: { birthDate: '1940-01-01', hukou: 'tianjin', dibaoFamilyMember: true, disability: 'total', daysInCare: 60, voluntary: true, monthlyCareFee: 5000 } };
const EVAL = '/api/policies/tianjin/concentrated-care-subsidy/evaluate';

type Client = Awaited<ReturnType<typeof staffClient>>;

/** Polls a run until it is no longer running (a wait, not a timing assertion). */
async function finished(client: Client, url: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const res = await client.inject(url);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as Record<string, unknown>;
    if (body.status !== 'running') return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} still running after 30 s`);
}

describe('policy API', () => {
  let t: TestApp;
  const saved = process.env.MINSHENG_POLICY_DIR;
  beforeAll(async () => {
    process.env.MINSHENG_POLICY_DIR = policyDir({ 'tianjin/broken.yaml': 'id: [unclosed\n' });
    t = await testApp();
    await seedRegistry(t.ctx.db, [[{ birth: '1940-02-01', income: 500 }], [{ birth: '1950-01-01', income: 100, community: '120103001001' }]]);
  });
  afterAll(async () => {
    await t.close();
    if (saved === undefined) delete process.env.MINSHENG_POLICY_DIR; else process.env.MINSHENG_POLICY_DIR = saved;
  });

  it('lists policies with dated parameters, and load errors with file, line and column', async () => {
    const res = await t.app.inject('/api/policies');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.map((p: { id: string }) => p.id).sort()).toEqual(['tianjin/car-scrappage-subsidy', 'tianjin/concentrated-care-subsidy', 'tianjin/dibao']);
    const care = body.items.find((p: { id: string }) => p.id === 'tianjin/concentrated-care-subsidy');
    expect(care.parameters.find((p: { name: string }) => p.name === 'capSevere').values).toEqual([
      expect.objectContaining({ from: '2025-07-01', value: 1000, example: true }),
      expect.objectContaining({ from: '2026-07-01', value: 1200, example: true }),
    ]);
    expect(body.errors).toEqual([expect.objectContaining({ file: 'policies/tianjin/broken.yaml', line: expect.any(Number), column: expect.any(Number), message: expect.any(String) })]);
  });

  it('describes a policy with inputs, conditions and outcomes (path or encoded id)', async () => {
    const a = await t.app.inject('/api/policies/tianjin/dibao');
    const b = await t.app.inject('/api/policies/tianjin%2Fdibao');
    expect(a.statusCode).toBe(200);
    expect(b.json()).toEqual(a.json());
    expect(a.json()).toMatchObject({ id: 'tianjin/dibao', entity: 'family', outcomes: ['dibao', 'near-poor', 'refused'], conditions: expect.arrayContaining([expect.objectContaining({ id: 'vehicles', reason: { zh: '家庭无机动车辆', en: 'No motor vehicle' } })]) });
    expect(a.json().inputs.object.members.type.list.object.relation.type).toEqual({ enum: ['applicant', 'spouse', 'child', 'parent', 'grandchild'] });
    expect((await t.app.inject('/api/policies/tianjin/nothing')).statusCode).toBe(404);
    const broken = await t.app.inject('/api/policies/tianjin/broken');
    expect(broken.statusCode).toBe(404);
    expect(broken.json().error.message).toMatch(/has errors/);
  });

  it('evaluates one input: decision, reasons and the trace', async () => {
    const res = await t.app.inject({ method: 'POST', url: EVAL, payload: { on: '2026-07-01', input: ELDER } });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d).toMatchObject({ policy: 'tianjin/concentrated-care-subsidy', version: 1, on: '2026-07-01', outcome: 'eligible', eligible: true, amount: 1200, currency: 'CNY' });
    expect(d.reasons).toHaveLength(5);
    expect(d.reasons[0]).toEqual({ rule: 'hukou', passed: true, actual: expect.any(Object), expected: expect.any(String), source: expect.any(String) });
    expect(d.trace.conditions[0].reason.zh).toBe('本市户籍');
    const no = await t.app.inject({ method: 'POST', url: EVAL, payload: { on: '2026-07-01', input: { person: { ...ELDER.person, daysInCare: 29 } } } });
    expect(no.json()).toMatchObject({ eligible: false, outcome: 'ineligible', amount: null });
  });

  it('bad input: 422 naming the field; unknown policy: 404', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ on: '2026-07-01', input: { person: { ...ELDER.person, disability: 'heavy' } } }, 'input.person.disability', /must be one of/],
      [{ on: '2026-07-01', input: { person: { ...ELDER.person, birthDate: undefined } } }, 'input.person.birthDate', /missing/],
      [{ on: '2026-07-01', input: { people: {} } }, 'input.person', /missing/],
      [{ on: '2020-01-01', input: ELDER }, 'on', /in effect/],
      [{ on: '2026-02-30', input: ELDER }, 'on', /calendar date/],
      [{ input: ELDER }, 'on', /./],
      [{ on: '2026-07-01' }, 'input', /./],
      [{ on: '2026-07-01', input: 'x' }, 'input', /./],
    ];
    for (const [payload, field, message] of cases) {
      const res = await t.app.inject({ method: 'POST', url: EVAL, payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.json().error.details.field, JSON.stringify(payload)).toBe(field);
      expect(res.json().error.message).toMatch(message);
    }
    const div0 = await t.app.inject({ method: 'POST', url: '/api/policies/tianjin/dibao/evaluate', payload: { on: '2026-05-01', input: { family: { registeredIn: 'tianjin', financialAssets: 0, vehicles: 0, members: [] } } } });
    expect(div0.statusCode).toBe(422);
    expect(div0.json().error.message).toMatch(/division by zero/);
    expect((await t.app.inject({ method: 'POST', url: '/api/policies/tianjin/nothing/evaluate', payload: { on: '2026-07-01', input: ELDER } })).statusCode).toBe(404);
  });

  it('runs and what-ifs need policy.run; a district runs over its own district only', async () => {
    const body = { on: '2026-05-01' };
    expect((await t.app.inject({ method: 'POST', url: '/api/policies/tianjin/dibao/runs', payload: body })).statusCode).toBe(401);
    const street = await staffClient(t.app, t.ctx.db, 'street-staff', '120101001000');
    expect((await street.inject({ method: 'POST', url: '/api/policies/tianjin/dibao/runs', payload: body })).statusCode).toBe(403);
    const district = await staffClient(t.app, t.ctx.db, 'district-staff', '120101000000');
    const run = await district.inject({ method: 'POST', url: '/api/policies/tianjin/dibao/runs', payload: body });
    expect(run.statusCode).toBe(202);
    expect(run.json()).toMatchObject({ status: 'running', total: null, scope: ['120101*'], reads: [] });
    expect(run.headers.location).toBe(`/api/policies/tianjin%2Fdibao/runs/${run.json().id}`);
    expect(await finished(district, run.headers.location as string)).toMatchObject({ status: 'done', total: 1, eligible: 1, scope: ['120101*'], failure: null });
    const admin = await staffClient(t.app, t.ctx.db, 'city-admin', '120000000000');
    const cityRun = await admin.inject({ method: 'POST', url: '/api/policies/tianjin/dibao/runs', payload: body });
    expect(cityRun.statusCode).toBe(202);
    expect(await finished(admin, `/api/policies/tianjin/dibao/runs/${cityRun.json().id}`)).toMatchObject({ total: 2, scope: [] });
    expect((await district.inject('/api/policies/tianjin/dibao/runs')).json().items).toHaveLength(1);
    expect((await admin.inject('/api/policies/tianjin/dibao/runs')).json().items).toHaveLength(2);
    const audit = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'policy.run' AND actor_name = $1`, [district.username]);
    expect(audit[0]?.n).toBe(1);
    const nobuilder = await admin.inject({ method: 'POST', url: '/api/policies/tianjin/car-scrappage-subsidy/runs', payload: { on: '2026-03-01' } });
    expect(nobuilder.statusCode).toBe(422);
    expect(nobuilder.json().error.message).toMatch(/no registry input builder/);
    const w = await district.inject({ method: 'POST', url: '/api/policies/tianjin/dibao/whatif', payload: { on: '2026-05-01', set: { dibaoStandard: 1280 } } });
    expect(w.statusCode).toBe(200);
    expect(w.json()).toMatchObject({ total: 1, changed: 0, becameEligible: 0, becameIneligible: 0 });
    expect(w.json().difference).toBeGreaterThan(0);
    const bad = await district.inject({ method: 'POST', url: '/api/policies/tianjin/dibao/whatif', payload: { on: '2026-05-01', set: { nope: 1 } } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.field).toBe('set.nope');
  });

  it('a run goes on after the 202: its status by id, within the caller\'s scope; a failure is recorded on the run', async () => {
    const admin = await staffClient(t.app, t.ctx.db, 'city-admin', '120000000000');
    const district = await staffClient(t.app, t.ctx.db, 'district-staff', '120101000000');
    const started = await admin.inject({ method: 'POST', url: '/api/policies/tianjin%2Fdibao/runs', payload: { on: '2026-05-01' } });
    expect(started.statusCode).toBe(202);
    const id = started.json().id as number;
    const done = await finished(admin, `/api/policies/tianjin%2Fdibao/runs/${id}`);
    expect(done).toMatchObject({ id, policyId: 'tianjin/dibao', status: 'done', total: 2, errors: 0, firstError: null, reads: [] });
    expect(done.finishedAt).not.toBeNull();
    // the same run under the other URL form; not under another policy; not for a district (a city run)
    expect((await admin.inject(`/api/policies/tianjin/dibao/runs/${id}`)).json()).toEqual(done);
    expect((await admin.inject(`/api/policies/tianjin/concentrated-care-subsidy/runs/${id}`)).statusCode).toBe(404);
    expect((await district.inject(`/api/policies/tianjin/dibao/runs/${id}`)).statusCode).toBe(404);
    expect((await admin.inject('/api/policies/tianjin/dibao/runs/999999')).statusCode).toBe(404);
    const bad = await admin.inject('/api/policies/tianjin/dibao/runs/abc');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.field).toBe('runId');
    expect((await t.app.inject(`/api/policies/tianjin/dibao/runs/${id}`)).statusCode).toBe(401);

    // An income the database cannot read as a number fails the whole statement: 202, then failed.
    // (The first two items' amounts are typed columns the database refuses such a write for,
    // migration 066; a third item's amount is read only when the run sums it.)
    const [p] = await t.ctx.db.query<{ id: number; finance: unknown }>(`SELECT id, finance FROM person WHERE birth_date = '1940-02-01' LIMIT 1`);
    await t.ctx.db.query(`UPDATE person SET finance = '[{"kind": "asset", "category": "deposit", "amount": 100, "periodFrom": "2020-01-01", "periodTo": null}, {"kind": "asset", "category": "deposit", "amount": 200, "periodFrom": "2020-01-01", "periodTo": null}, {"kind": "income", "category": "pension", "amount": "lots", "periodFrom": "2020-01-01", "periodTo": null}]'::jsonb WHERE id = $1`, [p!.id]);
    try {
      const broken = await admin.inject({ method: 'POST', url: '/api/policies/tianjin/dibao/runs', payload: { on: '2026-05-01' } });
      expect(broken.statusCode).toBe(202);
      const failed = await finished(admin, broken.headers.location as string);
      expect(failed).toMatchObject({ status: 'failed', total: null });
      expect(failed.failure).toMatch(/numeric/);
      const [stored] = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM policy_decision WHERE run_id = $1', [failed.id]);
      expect(stored?.n).toBe(0);
      expect((await admin.inject('/api/policies/tianjin/dibao/runs')).json().items[0]).toMatchObject({ id: failed.id, status: 'failed' });
    } finally {
      await t.ctx.db.query('UPDATE person SET finance = $2::jsonb WHERE id = $1', [p!.id, JSON.stringify(p!.finance)]);
    }
  });
});
