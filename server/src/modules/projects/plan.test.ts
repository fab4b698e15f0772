/** The 2026 plan as data: loaded from the seeds' figures, imported and exported in one round-tripping format. */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from '../../testing/db.ts';
import { AppError } from '../../platform/errors.ts';
import { ensurePlan, exportPlan, importPlanFile, planTasksFile } from './plan.ts';
import { trackerOverview, yearView, invalidateTracker } from './tracker.ts';

describe('projects plan data', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb();
    await ensurePlan(t.db, 2026);
  });
  afterAll(async () => { await t.close(); });

  it('loads the 2026 plan with the announced headline and says honestly how much is listed', async () => {
    invalidateTracker();
    const o = trackerOverview(await yearView(t.db, 2026));
    expect(o.plan.headline).toMatchObject({ projects: 20, tasks: 66, leadDepartments: 19, suggestionsCollected: 1402 });
    expect(o.plan.headline.source.url).toContain('mp.weixin.qq.com');
    expect(o.categories.map((c) => c.officialTaskCount)).toEqual([11, 19, 25, 11]);
    expect(o.plan.listedTasks).toBe(28);
    expect(o.categories.reduce((s, c) => s + c.listedTaskCount, 0)).toBe(28);
    expect(o.plan.coverageNote).toContain('28项');
    expect(o.plan.coverageNote).toContain('66');
    const v = await yearView(t.db, 2026);
    const byCode = new Map(v.tasks.map((x) => [x.code, x]));
    // The quantified tasks the seeds name.
    expect(byCode.get('parking-spaces')?.targets[0]).toMatchObject({ unit: '个', target: 5000, actual: null });
    expect(byCode.get('gas-pipes')?.targets[0]).toMatchObject({ unit: '公里', target: 200 });
    expect(byCode.get('old-lifts')?.targets[0]).toMatchObject({ unit: '部', target: 1000 });
    expect(byCode.get('old-lifts')?.leadDepartment.name).toBe('市住房城乡建设委');
    expect(byCode.get('pocket-parks')?.targets[0]).toMatchObject({ target: 50 });
    expect(byCode.get('elder-guard')?.targets[0]).toMatchObject({ unit: '人', target: 5800 });
    expect(byCode.get('elder-guard')?.leadDepartment.name).toBe('市民政局');
    expect(byCode.get('estate-access-roads')?.coLeadDepartments.map((d) => d.name)).toEqual(['市规划资源局']);
    expect(byCode.get('estate-access-roads')?.districts.map((d) => d.name)).toEqual(['河西区', '东丽区', '西青区']);
    // No report yet: nothing is judged, and progress is zero.
    expect(byCode.get('parking-spaces')?.flags).toMatchObject({ unreported: true, offTrack: false });
    expect(o.progress).toBe(0);
  });

  for (const format of ['csv', 'xlsx'] as const) {
    it(`${format}: export → import changes nothing, and exports the same file again`, async () => {
      const first = await exportPlan(t.db, 2026, format);
      const result = await importPlanFile(t.db, first, `plan.${format}`, 2026);
      expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 28, notInFile: [] });
      const second = await exportPlan(t.db, 2026, format);
      if (format === 'csv') expect(second.toString('utf8')).toBe(first.toString('utf8'));
      else expect((await importPlanFile(t.db, second, 'again.xlsx', 2026)).unchanged).toBe(28);
    });
  }

  it('an edited cell updates exactly that task', async () => {
    const csv = (await exportPlan(t.db, 2026, 'csv')).toString('utf8').replace(',更新住宅老旧电梯,', ',更新住宅老旧电梯（含加装）,');
    const r = await importPlanFile(t.db, Buffer.from(csv), 'edit.csv', 2026);
    expect(r).toMatchObject({ created: 0, updated: 1, unchanged: 27 });
    // and back
    const back = fs.readFileSync(planTasksFile(2026));
    expect((await importPlanFile(t.db, back, 'orig.csv', 2026)).updated).toBe(1);
  });

  it('refuses a file with a missing department or a target of "abc", naming row and field, and stores nothing', async () => {
    const lines = (await exportPlan(t.db, 2026, 'csv')).toString('utf8').split('\r\n');
    const header = lines[0]!.replace(/^\uFEFF/, '').split(',');
    const col = (name: string): number => header.indexOf(name);
    const cells = (line: string): string[] => line.split(','); // rows 2 and 3 have no quoted commas
    const r2 = cells(lines[1]!); r2[col('lead_department')] = '';
    const r3 = cells(lines[2]!); r3[col('t1_value')] = 'abc'; r3[col('title')] = '已改标题';
    const bad = [lines[0], r2.join(','), r3.join(','), ...lines.slice(3)].join('\r\n');
    const err = await importPlanFile(t.db, Buffer.from(bad), 'bad.csv', 2026).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.details).toMatchObject({ row: 2, field: 'lead_department' });
    expect(e.details.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ row: 2, field: 'lead_department', message: expect.stringContaining('missing') }),
      expect.objectContaining({ row: 3, field: 't1_value', message: 'expected a number, got "abc"' }),
    ]));
    const [row] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM project_task WHERE title = '已改标题'`);
    expect(row?.n).toBe(0);
  });

  it('refuses unknown departments, districts and a file without the columns', async () => {
    const csv = (await exportPlan(t.db, 2026, 'csv')).toString('utf8').replace(',市民政局,', ',市不存在局,');
    await expect(importPlanFile(t.db, Buffer.from(csv), 'x.csv', 2026)).rejects.toMatchObject({ details: { field: 'lead_department' } });
    await expect(importPlanFile(t.db, Buffer.from('code,title\r\nx,y\r\n'), 'x.csv', 2026)).rejects.toMatchObject({ details: { field: 'header', row: 1 } });
  });
});

describe('demo projects', () => {
  it('load the plan and the example reports (published ones with a photo, one waiting for review), once', async () => {
    const { ensureDemoProjects } = await import('./demo.ts');
    const t = await testDb();
    try {
      await ensureDemoProjects(t.db);
      await ensureDemoProjects(t.db);
      const [n] = await t.db.query<{ updates: number; published: number; photos: number }>(
        `SELECT (SELECT count(*)::int FROM project_update) AS updates, (SELECT count(*)::int FROM project_review WHERE decision = 'approve') AS published,
           (SELECT count(*)::int FROM project_evidence WHERE kind = 'photo') AS photos`);
      expect(n).toEqual({ updates: 6, published: 5, photos: 4 });
      invalidateTracker();
      const v = await yearView(t.db, 2026);
      const guard = v.tasks.find((x) => x.code === 'elder-guard')!;
      expect(guard.targets[0]?.actual).toBe(4870);
      expect(v.history.get(guard.id)?.[0]).toMatchObject({ example: true, evidence: expect.arrayContaining([expect.objectContaining({ kind: 'photo', fileUrl: expect.stringMatching(/^\/api\/public\/evidence\/\d+$/) })]) });
    } finally {
      await t.close();
    }
  });
});
