/**
 * Low-income monitoring as a new user meets it, in Chromium against the real server process on the
 * demo city: the district uploads a medical feed (GBK CSV) in the console; the upload triggers
 * monitoring and the 刚性支出 warning appears in the inbox for the right household with its reason;
 * the grid worker of 花园路社区 finds the task on a phone-sized screen and records the visit with a
 * photo; the street sees the household's policies re-evaluated (the 刚性支出困难家庭 policy
 * recommended), records the decision and the aid and closes the chain; the dashboard counts it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchBrowser, screenshot, startServer, type RunningServer, signInConsole } from './harness.ts';

const PHONE = { width: 390, height: 844 };
/** The server answers in well under a second; PostgreSQL under load in CI may take longer. */
const WAIT = { timeout: 20_000, interval: 250 };
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4830000000049454e44ae426082', 'hex');

interface Member { personId: number; name: string }
interface PersonFile { id: number; name: string; householdId: number | null; finance: Array<{ kind: string; amount: number; periodTo: string | null }> }

describe('low-income monitoring (e2e, Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-e2e-monitoring-'));
  const target = { householdId: 0, head: '', chainId: 0 };

  beforeAll(async () => {
    buildWebIfStale();
    server = await startServer({ demoPersons: 3000 });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const signIn = (username: string, viewport?: { width: number; height: number }): Promise<Page> => signInConsole(browser, server.baseUrl, username, viewport);
  const call = <T>(page: Page, method: string, url: string, body?: unknown): Promise<T> =>
    page.evaluate(async ([m, u, b]) => {
      const me = await (await fetch('/api/auth/me')).json() as { csrfToken: string };
      const res = await fetch(u as string, { method: m as string, headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: b === undefined ? undefined : JSON.stringify(b) });
      return res.json();
    }, [method, url, body] as const) as Promise<T>;

  /** The poorest household (income per member) of the grid worker's grid, and a medical feed that makes its 12-month out-of-pocket spending exceed half its income. */
  async function prepareFeed(): Promise<string> {
    const grid = await signIn('huayuanlu.grid');
    const persons = await call<{ items: Array<{ id: number; householdId: number | null }> }>(grid, 'GET', '/api/persons?limit=200');
    await grid.context().close();
    const admin = await signIn('admin');
    const households = new Map<number, PersonFile[]>();
    for (const p of persons.items.filter((x) => x.householdId !== null)) {
      const file = await call<PersonFile>(admin, 'GET', `/api/persons/${p.id}`);
      households.set(p.householdId!, [...(households.get(p.householdId!) ?? []), file]);
    }
    const income = (f: PersonFile): number => f.finance.filter((i) => i.kind === 'income' && i.periodTo === null).reduce((s, i) => s + i.amount, 0);
    const assets = (f: PersonFile): number => f.finance.filter((i) => i.kind === 'asset' && i.periodTo === null).reduce((s, i) => s + i.amount, 0);
    const candidates = [...households.entries()].filter(([, ms]) => ms.reduce((s, m) => s + assets(m), 0) / ms.length < 40_000);
    expect(candidates.length, `households in the grid: ${households.size}`).toBeGreaterThan(0);
    const [hid, members] = candidates
      .sort((a, b) => a[1].reduce((s, m) => s + income(m), 0) / a[1].length - b[1].reduce((s, m) => s + income(m), 0) / b[1].length)[0]!;
    const hh = await call<{ members: Member[]; headPersonId: number }>(admin, 'GET', `/api/households/${hid}`);
    const all = await Promise.all(hh.members.map((m) => call<PersonFile>(admin, 'GET', `/api/persons/${m.personId}`)));
    const head = all.find((m) => m.id === hh.headPersonId) ?? members[0]!;
    const revealed = await call<{ citizenId: string }>(admin, 'POST', `/api/persons/${head.id}/reveal`, { fields: ['citizenId'], reason: '医保数据比对测试' });
    await admin.context().close();
    target.householdId = hid;
    target.head = head.name;
    const yearly = all.reduce((s, m) => s + income(m), 0) * 12;
    // Above half the income (the warning), and leaving under 1,000 yuan per member a month (the 刚性支出 policy).
    const outOfPocket = Math.max(Math.ceil(yearly * 0.5) + 6000, yearly - 12 * all.length * 1000 + 1200);
    const day = (n: number): string => new Date(Date.now() + 8 * 3600_000 - n * 86_400_000).toISOString().slice(0, 10);
    const rows = [0, 1, 2].map((i) => `${revealed.citizenId},${head.name},${day(20 + i * 60)},${Math.round(outOfPocket / 3) + 2000},${Math.round(outOfPocket / 3)},天津医科大学总医院`);
    const csv = `公民身份号码,姓名,结算日期,医疗总费用,个人自付,医疗机构\r\n${rows.join('\r\n')}\r\n`;
    const file = path.join(tmp, '医保结算-2026-11.csv');
    fs.writeFileSync(file, iconv.encode(csv, 'gb18030'));
    return file;
  }

  it('the district uploads a GBK medical feed; monitoring raises the 刚性支出 warning for the right household, with its reason', async () => {
    const file = await prepareFeed();
    const page = await signIn('heping.district');
    await page.getByTestId('nav-monitoring').click();
    await page.getByRole('tab', { name: '数据导入' }).click();
    await page.getByTestId('feed-period').fill('2026-11');
    await page.getByTestId('feed-file').setInputFiles(file);
    await page.getByTestId('feed-upload').click();
    await page.getByTestId('feed-result').waitFor();
    await expect.poll(() => page.getByTestId('feed-result').textContent(), WAIT).toContain('接收 3 行');
    expect(await page.getByTestId('feed-result').textContent()).toContain('新预警 1 条');
    await screenshot(page, 'monitoring-01-feed-upload');
    await page.getByRole('tab', { name: '预警', exact: true }).click();
    const row = page.getByTestId('warnings-table').locator('tr', { hasText: target.head });
    await row.first().waitFor();
    const reason = await row.first().getByTestId('warning-reason').textContent();
    expect(reason).toMatch(new RegExp(`^${target.head}户近12个月个人自付医疗费用\\d+元，超过同期家庭收入的0.5，且未纳入救助，疑似刚性支出困难家庭$`));
    await screenshot(page, 'monitoring-02-warnings-inbox');
    const warnings = await call<{ items: Array<{ householdId: number; chainId: number; ruleId: string }> }>(page, 'GET', '/api/monitoring/warnings');
    const w = warnings.items.find((x) => x.householdId === target.householdId)!;
    expect(w.ruleId).toBe('monitoring/medical-spending-hardship');
    target.chainId = w.chainId;
    await page.context().close();
  });

  it('the grid worker finds the task on her phone and records the visit with a photo', async () => {
    const page = await signIn('huayuanlu.grid', PHONE);
    await page.goto(`${server.baseUrl}/monitoring/tasks`);
    const card = page.getByTestId('task-card').filter({ hasText: target.head });
    await card.first().waitFor();
    expect(await card.first().getByTestId('task-reason').textContent()).toContain('疑似刚性支出困难家庭');
    await screenshot(page, 'monitoring-03-grid-tasks-phone');
    await card.first().getByTestId('task-visit').click();
    await page.getByTestId('visit-notes').fill('入户核实：户主长期住院治疗，自付药费负担重，家庭收入仅能维持基本生活');
    const photo = path.join(tmp, 'visit.png');
    fs.writeFileSync(photo, PNG);
    await page.getByTestId('visit-photo').setInputFiles(photo);
    await screenshot(page, 'monitoring-04-visit-form-phone');
    await page.getByTestId('visit-submit').click();
    await expect.poll(async () => page.getByTestId('task-card').filter({ hasText: target.head }).count(), WAIT).toBe(0);
    await page.context().close();
  });

  it('the street sees the policies re-evaluated, records decision and aid, and closes the chain', async () => {
    const page = await signIn('quanyechang.street');
    await page.goto(`${server.baseUrl}/monitoring/chains/${target.chainId}`);
    await page.getByTestId('chain-timeline').waitFor();
    await expect.poll(() => page.getByTestId('chain-stage').textContent(), WAIT).toBe('政策已重新测算');
    const reeval = await call<{ state: { links: Array<{ kind: string; data: Record<string, unknown> }> } }>(page, 'GET', `/api/monitoring/chains/${target.chainId}`);
    const results = JSON.stringify(reeval.state.links.find((l) => l.kind === 'reevaluated')?.data);
    expect(await page.getByTestId('recommended').allTextContents(), results).toContain('刚性支出困难家庭认定');
    await page.getByTestId('link-visit').locator('img').first().waitFor();
    await screenshot(page, 'monitoring-05-chain-reevaluated');
    await page.getByTestId('chain-decide').click();
    await expect.poll(() => page.getByTestId('chain-stage').textContent(), WAIT).toBe('已决定');
    await page.getByTestId('aid-kind').fill('刚性支出困难家庭专项救助（医疗）');
    await page.getByTestId('chain-aid').click();
    await expect.poll(() => page.getByTestId('chain-stage').textContent(), WAIT).toBe('已救助');
    await page.getByTestId('chain-close').click();
    await page.getByRole('button', { name: /确\s*定|OK/ }).click();
    await expect.poll(() => page.getByTestId('chain-stage').textContent(), WAIT).toBe('已结案');
    const kinds = await call<{ state: { links: Array<{ kind: string }> } }>(page, 'GET', `/api/monitoring/chains/${target.chainId}`);
    expect(kinds.state.links.map((l) => l.kind)).toEqual(['opened', 'warning', 'task', 'visit', 'reevaluated', 'decision', 'aid', 'closed']);
    await screenshot(page, 'monitoring-06-chain-closed');
    const dash = await call<{ closed: number; open: number; medianDaysToClose: number | null }>(page, 'GET', '/api/monitoring/dashboard');
    expect(dash).toMatchObject({ closed: 1, open: 0 });
    expect(dash.medianDaysToClose).not.toBeNull();
    await page.context().close();
  });

  it('the city dashboard shows open chains by district', async () => {
    const admin = await signIn('admin');
    // Heavy medical bills for one person in each of three other districts, uploaded as a JSON feed.
    const records: Array<Record<string, string>> = [];
    for (const district of ['120102000000', '120103000000', '120104000000']) {
      const [p] = (await call<{ items: Array<{ id: number; name: string; householdId: number | null }> }>(admin, 'GET', `/api/persons?region=${district}&limit=20`)).items.filter((x) => x.householdId !== null);
      const { citizenId } = await call<{ citizenId: string }>(admin, 'POST', `/api/persons/${p!.id}/reveal`, { fields: ['citizenId'], reason: '医保数据比对测试' });
      records.push({ 公民身份号码: citizenId, 姓名: p!.name, 结算日期: new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10), 医疗总费用: '500000', 个人自付: '400000', 医疗机构: '天津市第一中心医院' });
    }
    const uploaded = await admin.evaluate(async (body) => {
      const me = await (await fetch('/api/auth/me')).json() as { csrfToken: string };
      const form = new FormData();
      form.append('type', 'medical');
      form.append('period', '2026-11-e2e-city');
      form.append('file', new Blob([body], { type: 'application/json' }), 'medical.json');
      return (await fetch('/api/feeds/imports', { method: 'POST', body: form, headers: { 'x-csrf-token': me.csrfToken } })).json();
    }, JSON.stringify(records)) as { run: { raised: number } };
    expect(uploaded.run.raised).toBe(3);
    await admin.goto(`${server.baseUrl}/monitoring?tab=dashboard`);
    await admin.getByTestId('monitoring-dashboard').waitFor();
    const dash = await call<{ open: number; closed: number; openByDistrict: Array<{ name: string; open: number }> }>(admin, 'GET', '/api/monitoring/dashboard');
    expect(dash.openByDistrict.map((d) => d.name).sort()).toEqual(['河东区', '河西区', '南开区'].sort());
    expect(dash).toMatchObject({ open: 3, closed: 1 });
    await admin.waitForTimeout(800);
    await screenshot(admin, 'monitoring-07-dashboard-city');
    await admin.getByRole('tab', { name: '预警规则' }).click();
    await admin.getByText('医疗刚性支出困难预警').waitFor();
    expect(await admin.getByTestId('rule-errors').count()).toBe(0);
    await screenshot(admin, 'monitoring-08-rules');
    await admin.context().close();
  });
});
