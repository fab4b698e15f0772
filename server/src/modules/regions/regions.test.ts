import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../testing/app.ts';
import { staffClient, type Client } from '../../testing/auth.ts';
import { seedRegions } from './seed.ts';

describe('regions of Tianjin', () => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => { t = await testApp(); c = await staffClient(t.app, t.ctx.db, 'street-staff', '120101001000'); });
  afterAll(async () => { await t.close(); });

  it('holds the real divisions: 16 districts, 299 streets/towns, 5,617 communities/villages', async () => {
    const rows = await t.ctx.db.query<{ level: string; n: number }>('SELECT level, count(*)::int AS n FROM region GROUP BY level ORDER BY level');
    expect(Object.fromEntries(rows.map((r) => [r.level, r.n]))).toEqual({ city: 1, district: 16, street: 299, community: 5617 });
  });

  it('seeding again adds nothing', async () => {
    expect(await seedRegions(t.ctx.db)).toBe(0);
  });

  it('lists the city, then its districts, with 12-digit codes', async () => {
    const top = (await c.inject('/api/regions')).json();
    expect(top.items).toEqual([expect.objectContaining({ code: '120000000000', name: '天津市', level: 'city', childCount: 16 })]);
    const districts = (await c.inject('/api/regions?parent=120000000000')).json();
    expect(districts.items).toHaveLength(16);
    expect(districts.items[0]).toMatchObject({ code: '120101000000', name: '和平区', level: 'district' });
  });

  it('gives a community with its path from the city', async () => {
    const res = await c.inject('/api/regions/120101001001');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      name: '花园路社区居委会', level: 'community', parentCode: '120101001000',
      path: [{ name: '天津市' }, { name: '和平区' }, { name: '劝业场街道' }, { name: '花园路社区居委会' }],
    });
  });

  it('lists the grids of a community with their workers', async () => {
    await t.ctx.db.exec(`INSERT INTO grid (id, community_code, kind, name) VALUES ('120101001001-G01', '120101001001', 'general', '第一网格');
      INSERT INTO grid (id, community_code, kind, name, parent_grid_id) VALUES ('120101001001-M01', '120101001001', 'micro', '第一微网格', '120101001001-G01');
      INSERT INTO grid_worker (grid_id, name, phone) VALUES ('120101001001-G01', '李娜', '13900001111');`);
    const res = (await c.inject('/api/regions/120101001001/grids')).json();
    expect(res.items).toEqual([
      expect.objectContaining({ id: '120101001001-G01', kind: 'general', workers: [expect.objectContaining({ name: '李娜' })] }),
      expect.objectContaining({ id: '120101001001-M01', kind: 'micro', parentGridId: '120101001001-G01' }),
    ]);
  });

  it('answers 404 for an unknown code and 422 naming the field for a malformed one', async () => {
    expect((await c.inject('/api/regions/120199999999')).statusCode).toBe(404);
    const bad = await c.inject('/api/regions?parent=12');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.field).toBe('parent');
  });
});
