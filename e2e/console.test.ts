/**
 * The walk a new user makes, in a real Chromium against the real server process:
 * the demo city, a street worker finding only her street's people, a person file with its
 * history, a refused URL to another street's person, a reveal with a reason, an import with bad
 * rows (every good row stored, every bad row reported), and the auditor finding those events.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeCitizenId } from '@minsheng/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchBrowser, screenshot, startServer, type RunningServer, signInConsole, pageJson } from './harness.ts';


describe('console walk (e2e, Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    buildWebIfStale();
    server = await startServer({ demoPersons: 3000 });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const signIn = (username: string): Promise<Page> => signInConsole(browser, server.baseUrl, username, { width: 1366, height: 900 });
  const api = pageJson;

  let outsideId = 0;

  it('the administrator sees the demo city in the real Tianjin map', async () => {
    const page = await signIn('admin');
    const health = await api<{ db: string; demo: boolean }>(page, '/api/health');
    expect(health).toMatchObject({ db: server.db, demo: true });
    const stats = await api<{ persons: number; regions: { districts: number; streets: number; communities: number } }>(page, '/api/stats');
    expect(stats.persons).toBe(3000);
    expect(stats.regions).toEqual({ districts: 16, streets: 299, communities: 5617 });
    await page.getByText(/3,000|3000/).first().waitFor();
    await screenshot(page, '01-overview-admin');
    const outside = await api<{ items: Array<{ id: number }> }>(page, '/api/persons?region=120103000000&limit=1');
    outsideId = outside.items[0]?.id ?? 0;
    expect(outsideId).toBeGreaterThan(0);
    await page.context().close();
  });

  it('a street worker finds only her street\'s people, opens a file with its history, and reveals an ID with a reason', async () => {
    const page = await signIn('quanyechang.street');
    const mine = await api<{ items: Array<{ id: number; name: string; residenceCommunity: string }>; total: number }>(page, '/api/persons?limit=200');
    expect(mine.total).toBeGreaterThan(0);
    expect(mine.items.every((p) => p.residenceCommunity.startsWith('120101001'))).toBe(true);

    await page.getByTestId('nav-persons').click();
    const target = mine.items[0]!;
    await page.getByTestId('search-input').fill(target.name);
    await page.getByTestId('search-button').click();
    await page.getByTestId('person-row').first().waitFor();
    await screenshot(page, '02-search-street');
    const rows = await page.getByTestId('person-row').allTextContents();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.includes('*'))).toBe(true); // IDs are masked in the list
    await page.getByTestId('person-row').filter({ hasText: target.name }).first().click();
    // A page that loads its data: up to 15 s (the 1 s default of expect.poll failed under a loaded CI run on PostgreSQL).
    await expect.poll(() => page.getByTestId('person-name').textContent(), { timeout: 15_000 }).toContain(target.name);
    await page.getByTestId('history-timeline').waitFor();
    await screenshot(page, '03-person-file');

    await page.getByTestId('reveal-button').click();
    await page.getByTestId('reveal-reason').fill('核对低保申请人身份');
    await page.getByTestId('reveal-submit').click();
    await expect.poll(() => page.getByTestId('revealed-citizen-id').textContent(), { timeout: 15_000 }).toMatch(/^\d{17}[\dX]$/);
    await screenshot(page, '04-revealed');

    await page.goto(`${server.baseUrl}/persons/${outsideId}`);
    await page.getByTestId('not-found').waitFor();
    await screenshot(page, '05-outside-street-refused');
    await page.context().close();
  });

  it('an import stores every good row and reports every bad row with its row and field', async () => {
    const page = await signIn('heping.district');
    const good = [0, 1, 2].map((i) => makeCitizenId('120101', `1950-0${i + 1}-15`, 701 + i * 2, 'F'));
    const badCheck = makeCitizenId('120101', '1960-06-06', 801, 'M').slice(0, 17) + 'Z';
    const lines = [
      '姓名,公民身份号码,联系电话,居住社区代码',
      `导入甲,${good[0]},13700000001,120101001001`,
      `导入乙,${good[1]},13700000002,120101001001`,
      `导入丙,${badCheck},13700000003,120101001001`,
      `导入丁,${good[2]},13700000004,120101001001`,
      `导入戊,${makeCitizenId('120101', '1961-07-07', 803, 'M')},13700000005,120101999999`,
    ];
    const file = path.join(os.tmpdir(), `e2e-import-${Date.now()}.csv`);
    fs.writeFileSync(file, `\uFEFF${lines.join('\r\n')}\r\n`);
    await page.getByTestId('nav-imports').click();
    await page.getByTestId('import-upload').locator('input[type=file]').setInputFiles(file);
    await expect.poll(() => page.getByTestId('import-progress').getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    expect((await page.getByTestId('import-accepted').textContent())?.trim()).toBe('3');
    expect((await page.getByTestId('import-rejected').textContent())?.trim()).toBe('2');
    // One table row per rejected file row: row number, field, message.
    const errorRows = await page.getByTestId('import-errors').locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '')));
    expect(errorRows.map((cells) => cells.slice(0, 2))).toEqual([['4', 'citizenId'], ['6', 'residenceCommunity']]);
    expect(await page.getByTestId('download-rejected').isEnabled()).toBe(true);
    await screenshot(page, '06-import-result');
    const found = await api<{ items: unknown[] }>(page, `/api/persons?q=${good[1]}`);
    expect(found.items).toHaveLength(1);
    fs.rmSync(file, { force: true });
    await page.context().close();
  });

  it('a policy is browsed with its dated parameters and tried with an explanation in Chinese', async () => {
    const page = await signIn('heping.district');
    await page.goto(`${server.baseUrl}/policies?id=${encodeURIComponent('tianjin/concentrated-care-subsidy')}`);
    await page.getByTestId('policy-detail').waitFor();
    expect(await page.getByTestId('policy-parameters').textContent()).toContain('30');
    await page.getByTestId('policy-evaluate').click();
    await page.getByTestId('policy-result').waitFor();
    const result = await page.getByTestId('policy-result').textContent();
    expect(result).toMatch(/本市户籍|天津/);
    await screenshot(page, '08-policy-try');
    // A batch run over the district: it answers at once (运行中) and the list polls until 已完成.
    await page.getByTestId('policy-run-start').click();
    await expect.poll(() => page.getByTestId('policy-runs').textContent(), { timeout: 60_000 }).toContain('已完成');
    expect(await page.getByTestId('policy-runs').textContent()).toContain('120101*');
    // The persons imported above have no hukou region: their inputs are data errors, counted, and
    // the first one's message is shown under the count (stored with the run: GET …/runs/:runId).
    const [latestRun] = (await api<{ items: Array<{ id: number; errors: number; firstError: string | null }> }>(page,
      `/api/policies/${encodeURIComponent('tianjin/concentrated-care-subsidy')}/runs`)).items;
    expect(latestRun?.errors).toBeGreaterThan(0);
    // …naming the person it concerns, so that the caseworker can open that file.
    const firstError = /^person (\d+): invalid input$/.exec(latestRun?.firstError ?? '');
    expect(firstError, String(latestRun?.firstError)).not.toBeNull();
    const one = await api<{ firstError: string | null }>(page, `/api/policies/${encodeURIComponent('tianjin/concentrated-care-subsidy')}/runs/${latestRun!.id}`);
    expect(one.firstError).toBe(latestRun!.firstError);
    const errorsCell = page.getByTestId('policy-run-errors').first();
    expect((await errorsCell.textContent())?.startsWith(String(latestRun!.errors))).toBe(true);
    // Shown in Chinese: the entity and the compiler's message translated.
    expect((await page.getByTestId('policy-run-first-error').first().textContent())?.trim()).toBe(`首个错误：人员 ${firstError![1]}：输入数据缺项或类型不符`);
    await screenshot(page, '08b-policy-batch-run');
    await page.context().close();
  });

  it('the auditor finds the reveal and the refused attempt', async () => {
    const page = await signIn('auditor');
    const log = await api<{ items: Array<{ action: string; outcome: string; reason: string | null }> }>(page, '/api/audit?user=quanyechang.street&limit=200');
    expect(log.items).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'person.reveal', reason: '核对低保申请人身份', outcome: 'ok' }),
      expect.objectContaining({ action: 'person.read', outcome: 'denied' }),
    ]));
    await page.goto(`${server.baseUrl}/admin/audit`);
    await page.getByTestId('audit-filter-user').fill('quanyechang.street');
    await page.getByTestId('audit-search').click();
    await expect.poll(() => page.getByTestId('audit-table').textContent(), { timeout: 15_000 }).toContain('核对低保申请人身份');
    await screenshot(page, '07-auditor');
    await page.context().close();
  });
});
