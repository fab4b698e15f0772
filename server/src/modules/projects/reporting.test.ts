/**
 * The reporting workflow end to end over HTTP: a department reports with a photo, the city office
 * returns or approves, and only approved reports ever reach the public tracker, its evidence files
 * and the open data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../testing/app.ts';
import { staffClient, type Client } from '../../testing/auth.ts';
import { ensurePlan } from './plan.ts';
import { assignReporter } from './reporting.ts';
import { demoPng } from './demo.ts';
import { multipartFile } from './access.samples.ts';
import { invalidateTracker } from './tracker.ts';
import { settings } from './settings.ts';

const CITY = '120000000000';

describe('projects reporting and publication', () => {
  let t: TestApp;
  let reporter: Client;
  let otherReporter: Client;
  let office: Client;
  let task = 0;
  let lifts = 0;
  const pub = (url: string) => t.app.inject({ method: 'GET', url });

  beforeAll(async () => {
    t = await testApp();
    await ensurePlan(t.ctx.db, 2026);
    reporter = await staffClient(t.app, t.ctx.db, 'dept-reporter', CITY);
    otherReporter = await staffClient(t.app, t.ctx.db, 'dept-reporter', CITY);
    office = await staffClient(t.app, t.ctx.db, 'city-admin', CITY);
    const uid = async (c: Client) => (await t.ctx.db.query<{ id: number }>('SELECT id FROM staff_user WHERE username = $1', [c.username]))[0]!.id;
    await assignReporter(t.ctx.db, await uid(reporter), 'civil-affairs', 'test');
    await assignReporter(t.ctx.db, await uid(otherReporter), 'housing-construction', 'test');
    task = (await t.ctx.db.query<{ id: number }>(`SELECT id FROM project_task WHERE code = 'elder-guard'`))[0]!.id;
    lifts = (await t.ctx.db.query<{ id: number }>(`SELECT id FROM project_task WHERE code = 'old-lifts'`))[0]!.id;
  });
  afterAll(async () => { await t.close(); });

  const upload = (c: Client, name: string, content: Buffer, type: string) => c.inject({ method: 'POST', url: '/api/projects/uploads', ...multipartFile(name, content, type) });

  it('refuses fake and oversized images, by content and not by name', async () => {
    const fake = await upload(reporter, 'photo.jpg', Buffer.from('<html><script>alert(1)</script></html>'), 'image/jpeg');
    expect(fake.statusCode).toBe(415);
    expect(fake.json().error.details.field).toBe('file');
    const svg = await upload(reporter, 'photo.png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'image/png');
    expect(svg.statusCode).toBe(415);
    const big = Buffer.concat([demoPng(), Buffer.alloc(settings().evidence.maxDocumentBytes.value + 10)]);
    const tooBig = await upload(reporter, 'big.png', big, 'image/png');
    expect(tooBig.statusCode).toBe(413);
    const pdf = await upload(reporter, 'notice.pdf', Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'), 'application/pdf');
    expect(pdf.json()).toMatchObject({ mime: 'application/pdf', kind: 'document' });
    const webpHeader = Buffer.alloc(30); webpHeader.write('RIFF', 0, 'latin1'); webpHeader.writeUInt32LE(22, 4); webpHeader.write('WEBPVP8 ', 8, 'latin1');
    expect((await upload(reporter, 'p.webp', webpHeader, 'image/webp')).json()).toMatchObject({ mime: 'image/webp' });
    // A PNG signature with a broken header is not a PNG.
    expect((await upload(reporter, 'x.png', Buffer.concat([demoPng().subarray(0, 8), Buffer.from('garbage-garbage-garbage')]), 'image/png')).statusCode).toBe(415);
    const ok = await upload(reporter, 'site.bin', demoPng(), 'application/octet-stream');
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ mime: 'image/png', kind: 'photo' });
  });

  it('a reporter cannot report on another department\'s task, nor without evidence or with unknown figures', async () => {
    const other = await reporter.inject({ method: 'POST', url: `/api/projects/tasks/${lifts}/updates`, payload: { status: 'in-progress', note: '进行中', figures: { lifts: 10 } } });
    expect(other.statusCode).toBe(404);
    const bare = await reporter.inject({ method: 'POST', url: `/api/projects/tasks/${task}/updates`, payload: { status: 'in-progress', note: '进行中' } });
    expect(bare.statusCode).toBe(422);
    expect(bare.json().error.details.field).toBe('evidence');
    const wrong = await reporter.inject({ method: 'POST', url: `/api/projects/tasks/${task}/updates`, payload: { status: 'in-progress', note: '进行中', figures: { lifts: 3 } } });
    expect(wrong.json().error.details.field).toBe('figures.lifts');
    const abc = await reporter.inject({ method: 'POST', url: `/api/projects/tasks/${task}/updates`, payload: { status: 'in-progress', note: '进行中', figures: { elders: 'abc' } } });
    expect(abc.statusCode).toBe(422);
    expect(abc.json().error.message).toMatch(/^figures\.elders/);
  });

  it('a report is public only after the city office approves it; a returned one never is', async () => {
    const photo = (await upload(reporter, 'guard.png', demoPng(), 'image/png')).json().uploadId as number;
    const first = await reporter.inject({ method: 'POST', url: `/api/projects/tasks/${task}/updates`, payload: {
      status: 'in-progress', note: '已配置设备1200户', figures: { elders: 1200 }, uploads: [{ uploadId: photo, title: '入户安装照片' }], clientKey: 'report-0001',
    } });
    expect(first.statusCode).toBe(201);
    // Same client key: stored once.
    const again = await reporter.inject({ method: 'POST', url: `/api/projects/tasks/${task}/updates`, payload: { status: 'in-progress', note: '已配置设备1200户', figures: { elders: 1200 }, clientKey: 'report-0001' } });
    expect(again.json().id).toBe(first.json().id);

    const evidenceId = (await office.inject(`/api/projects/tasks/${task}`)).json().reports[0].evidence.find((e: { kind: string }) => e.kind === 'photo').id as number;
    invalidateTracker();
    const before = (await pub(`/api/public/tasks/${task}`)).json();
    expect(before.history).toEqual([]);
    expect(before.targets[0].actual).toBeNull();
    expect((await pub(`/api/public/evidence/${evidenceId}`)).statusCode).toBe(404);
    expect((await pub('/api/public/tracker.json')).body).not.toContain('已配置设备1200户');
    expect((await pub('/api/public/updates.atom')).body).not.toContain('已配置设备1200户');
    // Staff can see it before publication (the department its own, the office all).
    expect((await reporter.inject(`/api/projects/evidence/${evidenceId}`)).statusCode).toBe(200);
    expect((await otherReporter.inject(`/api/projects/evidence/${evidenceId}`)).statusCode).toBe(404);

    const returned = await office.inject({ method: 'POST', url: `/api/projects/reports/${first.json().id}/review`, payload: { decision: 'return', comment: '照片不清晰，请补充' } });
    expect(returned.json()).toMatchObject({ state: 'returned' });
    expect((await office.inject({ method: 'POST', url: `/api/projects/reports/${first.json().id}/review`, payload: { decision: 'approve' } })).statusCode).toBe(409);
    expect((await pub(`/api/public/tasks/${task}`)).json().history).toEqual([]);
    const mine = (await reporter.inject(`/api/projects/my-tasks/${task}`)).json();
    expect(mine.reports[0]).toMatchObject({ state: 'returned', review: { comment: '照片不清晰，请补充' } });

    const photo2 = (await upload(reporter, 'guard2.png', demoPng(200, 150), 'image/png')).json().uploadId as number;
    const second = await reporter.inject({ method: 'POST', url: `/api/projects/tasks/${task}/updates`, payload: {
      status: 'in-progress', note: '已为1450名困难独居老人配置设备', figures: { elders: 1450 }, uploads: [{ uploadId: photo2, title: '入户安装照片（补充）' }],
      links: [{ title: '区民政局通报', url: 'https://example.org/notice' }],
    } });
    const queue = (await office.inject('/api/projects/reports?state=submitted')).json().items;
    expect(queue.map((r: { id: number }) => r.id)).toContain(second.json().id);
    await office.inject({ method: 'POST', url: `/api/projects/reports/${second.json().id}/review`, payload: { decision: 'approve', comment: '同意' } });

    const after = (await pub(`/api/public/tasks/${task}`)).json();
    expect(after.history).toHaveLength(1);
    expect(after.history[0]).toMatchObject({ note: '已为1450名困难独居老人配置设备', reportedBy: { department: '市民政局', role: '牵头部门填报员' }, example: false });
    expect(after.history[0].evidence.map((e: { kind: string }) => e.kind).sort()).toEqual(['figures', 'link', 'photo']);
    expect(JSON.stringify(after)).not.toContain(reporter.username); // the reporter's name is never public
    expect(after.targets[0]).toMatchObject({ target: 5800, actual: 1450 });
    expect(after.progress).toBeCloseTo(1450 / 5800, 3);
    const file = await pub(after.history[0].evidence.find((e: { kind: string }) => e.kind === 'photo').fileUrl);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    // The returned report's photo stays private.
    expect((await pub(`/api/public/evidence/${evidenceId}`)).statusCode).toBe(404);

    const json = (await pub('/api/public/tracker.json')).json();
    expect(json.tasks.find((x: { id: number }) => x.id === task).latestUpdate.note).toBe('已为1450名困难独居老人配置设备');
    const atom = (await pub('/api/public/updates.atom')).body;
    expect(atom).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    expect(atom).toContain('实施独居困难老年人安全守护行动：推进中');
    expect(atom).not.toContain('照片不清晰');
    const csv = (await pub('/api/public/tracker.csv'));
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('elder-guard,实施独居困难老年人安全守护行动,市民政局');
    expect(csv.body).toContain('覆盖困难独居老年人: 1450/5800人');
  });

  it('the overview aggregates published progress by category, district and department', async () => {
    const o = (await pub('/api/public/tracker')).json();
    expect(o.taskCounts.listed).toBe(28);
    const c1 = o.categories.find((c: { code: string }) => c.code === 'c1');
    expect(c1.progress).toBeGreaterThan(0);
    expect(o.departments.find((d: { code: string }) => d.code === 'civil-affairs').progress).toBeGreaterThan(0);
    expect(o.districts[0]).toMatchObject({ code: 'citywide', name: '全市' });
  });

  it('flags a published task that falls behind its planned line, and an overdue one', async () => {
    await t.ctx.db.query(`UPDATE project_task SET planned_start = '2025-01-01', planned_end = '2025-12-31' WHERE id = $1`, [task]);
    invalidateTracker();
    const flagged = (await pub(`/api/public/tasks/${task}`)).json();
    expect(flagged.flags).toMatchObject({ overdue: true, offTrack: true, unreported: false, expectedProgress: 1 });
    expect((await office.inject('/api/projects/tasks')).json().items.find((x: { id: number }) => x.id === task).flags.overdue).toBe(true);
    await t.ctx.db.query(`UPDATE project_task SET planned_start = '2026-01-01', planned_end = '2026-12-31' WHERE id = $1`, [task]);
    invalidateTracker();
  });

  it('prints a department report and the whole plan, escaped, with a print stylesheet', async () => {
    const r = await pub('/api/public/report?department=civil-affairs');
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.body).toContain('@media print');
    expect(r.body).toContain('市民政局 民心工程任务进展报告');
    expect(r.body).toContain('实施独居困难老年人安全守护行动');
    expect(r.body).not.toContain('更新住宅老旧电梯');
    expect((await pub('/api/public/report')).body).toContain('更新住宅老旧电梯');
    expect((await pub('/api/public/report?department=nope')).statusCode).toBe(404);
    const dept = (await pub('/api/public/tracker.json?department=civil-affairs')).json();
    expect(dept.department.name).toBe('市民政局');
    expect(dept.tasks.every((x: { leadDepartment: { code: string } }) => x.leadDepartment.code === 'civil-affairs')).toBe(true);
    expect(dept.tasks).toHaveLength(3);
  });

  it('staff without a reporting role see no evidence; a reporter without a department may not report', async () => {
    const street = await staffClient(t.app, t.ctx.db, 'street-staff', '120101001000');
    const [e] = await t.ctx.db.query<{ id: number }>(`SELECT id FROM project_evidence WHERE kind = 'photo' ORDER BY id LIMIT 1`);
    expect((await street.inject(`/api/projects/evidence/${e!.id}`)).statusCode).toBe(403);
    const loose = await staffClient(t.app, t.ctx.db, 'dept-reporter', CITY);
    const r = await loose.inject('/api/projects/my-tasks');
    expect(r.statusCode).toBe(403);
    expect(r.json().error.message).toMatch(/no department/);
  });

  it('unknown ids answer 404 and bad ids 422', async () => {
    expect((await pub('/api/public/tasks/999999')).statusCode).toBe(404);
    expect((await pub('/api/public/projects/999999')).statusCode).toBe(404);
    expect((await pub('/api/public/tasks/abc')).statusCode).toBe(422);
  });
});
