/**
 * Work orders as staff meet them, in Chromium against the real server process: the street hands
 * out two tasks to the grid worker of 花园路社区; the grid worker sees the bell and her list on a
 * phone, accepts, records a visit and resolves; the second task passes its deadline and the
 * server's timer escalates it to the community worker, who finds it with the escalation in the
 * timeline; the administrator sees the 2026 calendar with the Spring Festival adjusted Saturdays.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchBrowser, screenshot, startServer, type RunningServer, signInConsole, waitOrExplain } from './harness.ts';

const PHONE = { width: 390, height: 844 };

describe('work orders (e2e, Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  const ids = { task: 0, late: 0 };

  beforeAll(async () => {
    buildWebIfStale();
    server = await startServer({ demoPersons: 1000 });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const signIn = (username: string, viewport?: { width: number; height: number }): Promise<Page> => signInConsole(browser, server.baseUrl, username, viewport);
  /** A JSON call from inside the page, with the session's CSRF token. */
  const call = <T>(page: Page, method: string, url: string, body?: unknown): Promise<{ status: number; json: T }> =>
    page.evaluate(async ([m, u, b]) => {
      const me = await (await fetch('/api/auth/me')).json() as { csrfToken: string };
      const res = await fetch(u as string, { method: m as string, headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: b === undefined ? undefined : JSON.stringify(b) });
      return { status: res.status, json: await res.json() };
    }, [method, url, body] as const) as Promise<{ status: number; json: T }>;

  it('the street hands out two tasks to the grid worker of 花园路社区', async () => {
    const gridPage = await signIn('huayuanlu.grid');
    const me = (await call<{ roles: Array<{ regionCode: string; gridId: string }> }>(gridPage, 'GET', '/api/auth/me')).json;
    await gridPage.context().close();
    const { regionCode, gridId } = me.roles[0]!;
    const street = await signIn('quanyechang.street');
    const task = await call<{ id: number; dueAt: string }>(street, 'POST', '/api/workorders', {
      title: '走访核实：王大爷家医疗支出', regionCode, assignee: { role: 'grid-worker', gridId }, due: { workingDays: 2 }, clientKey: 'e2e-task-0001', priority: 'high',
    });
    expect(task.status).toBe(201);
    ids.task = task.json.id;
    const late = await call<{ id: number }>(street, 'POST', '/api/workorders', {
      title: '复查独居老人李奶奶的居住情况', regionCode, assignee: { role: 'grid-worker', gridId }, due: { at: new Date(Date.now() + 4_000).toISOString() }, clientKey: 'e2e-task-0002',
    });
    ids.late = late.json.id;
    const outside = await call<{ error: { details: { field: string } } }>(street, 'POST', '/api/workorders', {
      title: '越界派单', regionCode: '120103001001', assignee: { role: 'grid-worker' }, due: { workingDays: 1 }, clientKey: 'e2e-task-0003',
    });
    expect(outside.status).toBe(422);
    await street.context().close();
  });

  it('on her phone the grid worker sees the bell, her list, and works the task to resolution', async () => {
    const page = await signIn('huayuanlu.grid', PHONE);
    const bell = page.getByTestId('notification-bell');
    await bell.click();
    await page.getByTestId('notification-item').filter({ hasText: '走访核实' }).first().waitFor();
    await screenshot(page, 'workorders-01-bell-phone');
    await page.keyboard.press('Escape');
    await page.goto(`${server.baseUrl}/workorders`);
    await page.getByTestId('wo-item').filter({ hasText: '走访核实' }).waitFor();
    await screenshot(page, 'workorders-02-list-phone');

    await page.getByTestId('wo-item').filter({ hasText: '走访核实' }).click();
    await page.getByTestId('wo-title').waitFor();
    expect(await page.getByTestId('sla-clock').innerText()).toMatch(/剩余/);
    await page.getByTestId('wo-act-accepted').click();
    await page.getByTestId('wo-status').filter({ hasText: '办理中' }).waitFor();
    await page.getByTestId('wo-act-visit').click();
    await page.getByText('情况属实').click();
    await page.getByTestId('wo-note').fill('入户核实：住院自付约3.2万元，家庭收入低，情况属实');
    await page.getByRole('button', { name: /OK|确\s*定/ }).click();
    await waitOrExplain(page, page.getByText('入户核实：住院自付'), 'workorders-visit');
    await page.getByTestId('wo-act-resolved').click();
    await page.getByTestId('wo-note').fill('已转街道审核临时救助');
    await page.getByRole('button', { name: /OK|确\s*定/ }).click();
    await waitOrExplain(page, page.getByTestId('wo-status').filter({ hasText: '已办结' }), 'workorders-resolve');
    const timeline = await page.getByTestId('wo-timeline').innerText();
    for (const step of ['创建', '接单', '走访', '办结']) expect(timeline).toContain(step);
    expect(timeline).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/); // to the second
    await page.waitForTimeout(600); // let the dialog close before the picture
    await screenshot(page, 'workorders-03-detail-resolved-phone');
    await page.context().close();
  });

  it('the overdue task escalates on the server\'s timer to the community worker, who sees why', async () => {
    const page = await signIn('huayuanlu.community');
    let order: { assignee: { role?: string }; actions: Array<{ kind: string }> } | undefined;
    for (let i = 0; i < 40; i++) {
      const res = await call<typeof order>(page, 'GET', `/api/workorders/${ids.late}`);
      order = res.json;
      if (order?.actions.some((a) => a.kind === 'escalated')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(order?.assignee.role).toBe('community-worker');
    await page.goto(`${server.baseUrl}/workorders?overdue=0`);
    await page.getByTestId('wo-item').filter({ hasText: '李奶奶' }).waitFor();
    await page.goto(`${server.baseUrl}/workorders/${ids.late}`);
    await page.getByTestId('wo-timeline').getByText('升级', { exact: true }).waitFor();
    expect(await page.getByTestId('wo-assignee').innerText()).toContain('社区工作者');
    await screenshot(page, 'workorders-04-escalated');
    await page.context().close();
  });

  it('the administrator sees the working-day calendar with the Spring Festival and its adjusted Saturdays', async () => {
    const page = await signIn('admin');
    await page.goto(`${server.baseUrl}/admin/calendar`);
    if (new Date().getFullYear() !== 2026) {
      await page.getByTestId('cal-year').click();
      await page.locator('.ant-select-item-option[title="2026"]').click();
    }
    await page.getByTestId('cal-2026-02-14').waitFor();
    expect(await page.getByTestId('cal-2026-02-14').getAttribute('data-kind')).toBe('adjusted-workday');
    expect(await page.getByTestId('cal-2026-02-17').getAttribute('data-kind')).toBe('holiday');
    await screenshot(page, 'workorders-05-calendar');
    await page.context().close();
  });
});
