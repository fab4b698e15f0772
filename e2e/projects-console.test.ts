/**
 * 民心工程 in the staff console, in a real Chromium against the real server (demo mode loads the
 * 2026 plan): a department reporter files progress with a photo, the city office approves it and
 * only then does it appear on the public API with its photo; a street office answers a resident's
 * complaint from its inbox and the resident sees the reply by ticket; the city office publishes
 * and adopts a suggestion.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchBrowser, screenshot, startServer, type RunningServer, signInConsole } from './harness.ts';
import { demoPng } from '../server/src/modules/projects/demo.ts';


describe('projects console (e2e, Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    buildWebIfStale();
    server = await startServer({ demoPersons: 300 });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const signIn = (username: string): Promise<Page> => signInConsole(browser, server.baseUrl, username, { width: 1366, height: 900 });
  const get = async <T>(url: string): Promise<T> => (await fetch(`${server.baseUrl}${url}`)).json() as Promise<T>;
  const note = `电梯更新进展 ${Date.now()}`;
  let liftsTask = 0;

  it('a department reporter submits progress on its own task with a photo', async () => {
    const page = await signIn('reporter');
    await page.getByTestId('nav-projects').click();
    await page.getByTestId('projects-tasks').getByRole('link', { name: '更新住宅老旧电梯' }).waitFor(); // the rows, not the loading placeholder
    const titles = await page.getByTestId('projects-tasks').locator('tbody tr td:first-child').allTextContents();
    expect(titles).toContain('更新住宅老旧电梯');
    expect(titles).not.toContain('实施独居困难老年人安全守护行动'); // another department's task
    await screenshot(page, 'projects-01-reporter-tasks');

    await page.getByRole('link', { name: '更新住宅老旧电梯' }).click();
    await page.getByTestId('report-form').waitFor();
    liftsTask = Number(page.url().split('/').pop());
    await page.getByRole('spinbutton', { name: '住宅老旧电梯' }).fill('880');
    await page.getByTestId('report-note').fill(note);
    const photo = path.join(os.tmpdir(), `lift-${Date.now()}.png`);
    fs.writeFileSync(photo, demoPng(240, 160));
    await page.getByTestId('report-form').locator('input[type=file]').setInputFiles(photo);
    await page.locator('.ant-upload-list-item-done').first().waitFor();
    await screenshot(page, 'projects-02-report-form');
    await page.getByTestId('report-submit').click();
    await page.getByTestId('task-reports').getByText(note).waitFor();
    expect(await page.getByTestId('task-reports').textContent()).toContain('待审核');
    await screenshot(page, 'projects-03-report-submitted');
    fs.rmSync(photo, { force: true });

    // Not public before review.
    const before = await get<{ history: Array<{ note: string }> }>(`/api/public/tasks/${liftsTask}`);
    expect(before.history.map((h) => h.note)).not.toContain(note);
    await page.context().close();
  });

  it('the city office approves it, and only then is it public with its photo', async () => {
    const page = await signIn('admin');
    await page.goto(`${server.baseUrl}/projects?tab=review`);
    const card = page.getByTestId('review-card').filter({ hasText: note });
    await card.waitFor();
    await card.locator('img').first().waitFor();
    await screenshot(page, 'projects-04-review-queue');
    await card.getByTestId('approve').click();
    await card.waitFor({ state: 'detached' });

    await expect.poll(async () => (await get<{ history: Array<{ note: string }> }>(`/api/public/tasks/${liftsTask}`)).history[0]?.note, { timeout: 10_000 }).toBe(note);
    const task = await get<{ history: Array<{ note: string; evidence: Array<{ kind: string; fileUrl: string | null }> }>; targets: Array<{ actual: number | null }> }>(`/api/public/tasks/${liftsTask}`);
    expect(task.targets[0]?.actual).toBe(880);
    const photoUrl = task.history[0]!.evidence.find((e) => e.kind === 'photo')!.fileUrl!;
    const res = await fetch(`${server.baseUrl}${photoUrl}`);
    expect(res.headers.get('content-type')).toBe('image/png');

    await page.goto(`${server.baseUrl}/projects?tab=plan`);
    await page.getByTestId('plan-headline').waitFor();
    expect(await page.getByTestId('plan-headline').textContent()).toContain('66项具体工作');
    await screenshot(page, 'projects-05-plan-flags');
    await page.context().close();
  });

  it('a street office answers a resident\'s complaint from its inbox; the resident reads the reply by ticket', async () => {
    const filed = await fetch(`${server.baseUrl}/api/public/complaints`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ category: 'property', regionCode: '120101001001', place: '花园路5号楼', description: '楼道照明损坏两周无人维修', contactPhone: '13612345678' }),
    });
    expect(filed.status).toBe(201);
    const { ticket } = await filed.json() as { ticket: string };

    const page = await signIn('quanyechang.street');
    await page.goto(`${server.baseUrl}/projects?tab=complaints`);
    const row = page.getByTestId('complaints-table').locator('tbody tr').filter({ hasText: '楼道照明损坏两周无人维修' });
    await row.waitFor();
    expect(await row.textContent()).toContain('136****5678');
    await row.click();
    await page.getByTestId('complaint-accept').click();
    await page.getByTestId('complaint-accept').waitFor({ state: 'detached' });
    await page.getByRole('textbox', { name: '答复内容' }).fill('已安排物业更换灯具，今日修复。');
    await page.getByTestId('complaint-reply').click();
    await page.getByText('已答复').first().waitFor();
    await screenshot(page, 'projects-06-complaint-answered');
    const answered = await get<{ status: string; reply: { text: string } | null }>(`/api/public/complaints/${ticket}`);
    expect(answered).toMatchObject({ status: 'answered', reply: { text: '已安排物业更换灯具，今日修复。' } });
    await page.context().close();
  });

  it('the city office publishes a resident\'s suggestion, redacted', async () => {
    const filed = await fetch(`${server.baseUrl}/api/public/suggestions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: '老旧小区增设休息座椅', body: '请联系13812345678，楼道里能否加装休息座椅？', topic: 'elderly-children', anonymous: true }),
    });
    expect(filed.status).toBe(201);
    const page = await signIn('admin');
    await page.goto(`${server.baseUrl}/projects?tab=suggestions`);
    const row = page.getByTestId('suggestions-table').locator('tbody tr').filter({ hasText: '老旧小区增设休息座椅' });
    await row.waitFor();
    await row.getByTestId('suggestion-publish').click();
    await row.getByText('已公开').waitFor();
    await screenshot(page, 'projects-07-suggestion-published');
    const list = await get<{ items: Array<{ title: string; body: string }> }>('/api/public/suggestions');
    expect(list.items.find((s) => s.title === '老旧小区增设休息座椅')?.body).toBe('请联系【已隐去】，楼道里能否加装休息座椅？');
    await page.context().close();
  });
});
