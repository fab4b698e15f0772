/**
 * The residents' portal as a new user meets it, on a phone-sized screen in a real Chromium against
 * the real server: the self-check run in large-type mode with nothing sent, axe (WCAG 2.1 A/AA) on
 * every page, reflow at 320 CSS px, forms driven by the keyboard, the 5,800-elders task and its
 * evidence, a suggestion and a complaint followed to their answers. (Bundle budget and policy
 * shipping: portal-build.test.ts.)
 */
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchBrowser, screenshot, startServer, type RunningServer } from './harness.ts';

const require = createRequire(import.meta.url);
const AXE_SOURCE = require.resolve('axe-core/axe.min.js');

describe('portal walk (e2e, Chromium, phone)', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requests: Request[] = [];

  beforeAll(async () => {
    buildWebIfStale();
    server = await startServer({ demoPersons: 300 });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', bypassCSP: true });
    page = await context.newPage();
    page.on('request', (r) => requests.push(r));
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** axe-core in the page: no WCAG 2.0/2.1 level A or AA violation (injected, hence bypassCSP on the context). */
  async function axe(name: string): Promise<void> {
    await page.addScriptTag({ path: AXE_SOURCE });
    const violations = await page.evaluate(async () => {
      const w = window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown; failureSummary?: string }> }> }> } };
      const r = await w.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
    });
    expect(violations, `axe on ${name}`).toEqual([]);
  }

  /** A demo account's staff API (default: the administrator) (signed in with the real login, CSRF header on writes). */
  async function staffApi(username = 'admin'): Promise<(url: string, body?: unknown) => Promise<Response>> {
    const login = await fetch(`${server.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'minsheng-demo' }) });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrfToken } = await login.json() as { csrfToken: string };
    return (url, body) => fetch(`${server.baseUrl}${url}`, {
      method: body ? 'POST' : 'GET', headers: { cookie, 'x-csrf-token': csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  }

  /** Presses Tab until the element with this id has focus (a date field has three stops inside). */
  async function tabTo(id: string): Promise<void> {
    for (let i = 0; i < 5 && (await page.evaluate(() => document.activeElement?.id)) !== id; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(id);
  }

  /** At 320 CSS px (a 640 px window at 200 % zoom) nothing scrolls sideways. */
  async function reflows(): Promise<void> {
    const size = page.viewportSize();
    await page.setViewportSize({ width: 320, height: 700 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (size) await page.setViewportSize(size);
    expect(overflow).toBeLessThanOrEqual(0);
  }

  it('the home page offers the five doors, passes axe and reflows at 320 px', async () => {
    await page.goto(`${server.baseUrl}/portal`);
    await page.getByTestId('door-self-check').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('.doors li').count()).toBe(5);
    await screenshot(page, 'portal-01-home');
    await axe('home');
    await reflows();
  });

  it('the self-check for the concentrated-care subsidy runs in large-type mode by keyboard, explained, with nothing sent', async () => {
    // Large type, one tap away, remembered across pages and reloads.
    await page.goto(`${server.baseUrl}/portal`);
    await page.getByTestId('elder-toggle').click();
    expect(await page.locator('html').getAttribute('class')).toContain('elder');
    const base = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    expect(base).toBeGreaterThanOrEqual(20);
    await page.getByTestId('door-self-check').click();
    await page.getByTestId('privacy-note').waitFor();
    await axe('self-check list');
    await page.getByTestId('self-check-concentrated-care-subsidy').click();
    await page.getByTestId('self-check-form').waitFor();
    const policyList = page.waitForResponse((r) => r.url().endsWith('/api/policies'));
    await page.reload();
    await page.getByTestId('self-check-form').waitFor();
    await policyList;
    await page.waitForTimeout(100);
    expect(await page.getByTestId('stale-policy').count()).toBe(0); // this page's copy matches the server's
    expect(await page.locator('html').getAttribute('class')).toContain('elder');
    await axe('self-check form');
    await reflows();

    const before = requests.length;
    // Submitting empty says what is missing, in words, and the form keeps focus on the list.
    await page.getByTestId('self-check-submit').focus();
    await page.keyboard.press('Enter');
    await page.locator('#sc-errors').waitFor();
    expect(await page.locator('#sc-errors li').count()).toBe(5);
    await axe('self-check form with errors');

    // The whole form by keyboard: Tab from the date field to the button, Space on radios, Enter to submit.
    await page.locator('#sc-birthDate').focus();
    await page.keyboard.type('19460310'); // digits only, as many people type a date on a phone
    await tabTo('sc-hukouRegion');
    await page.keyboard.press('ArrowDown'); // 和平区
    expect(await page.locator('#sc-hukouRegion').inputValue()).toBe('120101000000');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space'); // 是: a dibao family member
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown'); // ability levels: intact → mild
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sc-institutionDays');
    await page.keyboard.type('45');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('self-check-submit');
    await page.keyboard.press('Enter');
    await page.getByTestId('self-check-result').waitFor();

    const result = page.getByTestId('self-check-result');
    // Born 1946-03-10: 80 today, so eligible whatever the disability level; the amount is the file's example value.
    expect(await page.getByTestId('verdict').getAttribute('data-eligible')).toBe('true');
    expect(await page.getByTestId('amount').textContent()).toMatch(/600\.00 元\/月.*示例值/);
    for (const rule of ['hukou', 'dibao-family', 'institution-days', 'age-and-ability']) {
      expect(await page.getByTestId(`reason-${rule}`).getAttribute('data-passed')).toBe('true');
    }
    const age = await page.getByTestId('reason-age-and-ability').textContent();
    expect(age).toContain('出生日期：1946-03-10');
    expect(age).toContain('年龄：80 周岁');
    expect(age).toContain('轻度失能');
    expect(age).toContain('中度失能、重度失能、完全失能');
    expect(age).toContain('关于做好经济困难失能老年人等群体集中照护服务工作的通知');
    expect(await page.getByTestId('reason-institution-days').textContent()).toMatch(/45 天[\s\S]*≥ 30 天/);
    expect(await page.getByTestId('reason-hukou').textContent()).toContain('和平区');
    await screenshot(page, 'portal-02-self-check-large-type');
    await axe('self-check result');

    // Not eligible at 29 days: the failing condition says so, with the threshold.
    await page.locator('#sc-institutionDays').fill('29');
    await page.getByTestId('self-check-submit').click();
    await expect.poll(() => page.getByTestId('verdict').getAttribute('data-eligible')).toBe('false');
    expect(await page.getByTestId('reason-institution-days').getAttribute('data-passed')).toBe('false');
    expect(await result.textContent()).toContain('29 天');

    // Nothing the resident typed left the device: no request since the form opened carries it.
    const sent = requests.slice(before);
    for (const r of sent) {
      const carried = `${r.url()} ${r.postData() ?? ''}`;
      expect(carried).not.toMatch(/1946-03-10|19460310|institutionDays|abilityLevel|120101000000/);
      expect(r.method()).toBe('GET');
    }
    // The page kept nothing either.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toMatch(/1946-03-10|19460310/);
  });

  it('the other self-checks explain in plain words: the elder-alone guard, a trade-in and the severe-disability care allowance', async () => {
    // A server whose policy got a new dated value (a yearly standard) makes the page warn that its copy is old.
    await page.route('**/api/policies', async (route) => {
      const res = await route.fetch();
      const body = await res.json() as { items: Array<{ id: string; parameters: Array<{ name: string; values: Array<{ from: string; display: string }> }> }> };
      body.items.find((x) => x.id === 'tianjin/elder-alone-guard')?.parameters.find((x) => x.name === 'minAge')?.values.push({ from: '2027-01-01', display: '65' });
      await route.fulfill({ response: res, json: body });
    });
    await page.goto(`${server.baseUrl}/portal/self-check/tianjin/elder-alone-guard`);
    await page.getByTestId('stale-policy').waitFor();
    await page.unroute('**/api/policies');
    await page.getByTestId('self-check-form').waitFor();
    await page.locator('#sc-birthDate').fill('1950-01-01');
    await page.locator('#sc-hasSpouse').getByLabel('否').check();
    await page.locator('#sc-assistance').getByLabel('低保', { exact: true }).check();
    await page.getByRole('button', { name: /添加一位子女/ }).click();
    await page.getByLabel('住在同一个街道（乡镇）').check();
    await page.getByTestId('self-check-submit').click();
    await expect.poll(() => page.getByTestId('verdict').getAttribute('data-eligible')).toBe('false');
    expect(await page.getByTestId('reason-alone').getAttribute('data-passed')).toBe('false');
    expect(await page.getByTestId('reason-poverty').textContent()).toContain('示例值');
    await axe('elder-alone guard result');

    await page.goto(`${server.baseUrl}/portal/self-check/tianjin/trade-in-appliance-2026`);
    await page.getByTestId('self-check-form').waitFor();
    await page.locator('#sc-category').selectOption('fridge');
    await page.locator('#sc-efficiencyGrade').selectOption('1');
    await page.locator('#sc-finalPrice').fill('3999');
    await page.locator('#sc-deliveryRegion').selectOption('120104000000');
    await page.locator('#sc-at').fill('2026-03-15T10:30');
    await page.getByTestId('self-check-submit').click();
    await page.getByTestId('self-check-result').waitFor();
    expect(await page.getByTestId('verdict').getAttribute('data-eligible')).toBe('true');
    expect(await page.getByTestId('amount').textContent()).toContain('599.85');
    expect(await page.getByTestId('reason-window').textContent()).toContain('2026-02-01 11:00');
    await screenshot(page, 'portal-03-trade-in');
    await axe('trade-in result');

    // 残疾人两项补贴: a grade-3 intellectual disability counts as severe; without a certificate it does not.
    await page.goto(`${server.baseUrl}/portal/self-check/tianjin/severe-disability-care-allowance`);
    await page.getByTestId('self-check-form').waitFor();
    await page.locator('#sc-hukouRegion').selectOption('120105000000');
    await page.locator('#sc-disabilityGrade').getByLabel('三级').check();
    await page.locator('#sc-disabilityCategory').selectOption('intellectual');
    await page.getByTestId('self-check-submit').click();
    await page.getByTestId('self-check-result').waitFor();
    expect(await page.getByTestId('verdict').getAttribute('data-eligible')).toBe('true');
    expect(await page.getByTestId('reason-severe-disability').textContent()).toMatch(/一级、二级[\s\S]*三级[\s\S]*智力残疾/);
    await page.locator('#sc-disabilityGrade').getByLabel('没有残疾人证').check();
    await page.getByTestId('self-check-submit').click();
    await expect.poll(() => page.getByTestId('verdict').getAttribute('data-eligible')).toBe('false');
    expect(await page.getByTestId('reason-severe-disability').textContent()).toContain('持有残疾人证：否');
    await axe('severe-disability result');
  });

  it('finds the elderly-safety task (5,800 elders guarded) and its published evidence', async () => {
    await page.goto(`${server.baseUrl}/portal`);
    // Large type (left on by the self-check) goes off as easily as it came on.
    if ((await page.locator('html').getAttribute('class') ?? '').includes('elder')) await page.getByTestId('elder-toggle').click();
    expect(await page.locator('html').getAttribute('class') ?? '').not.toContain('elder');
    expect(await page.getByTestId('elder-toggle').getAttribute('aria-pressed')).toBe('false');
    await page.getByTestId('door-tracker').click();
    await page.getByTestId('coverage').waitFor();
    expect(await page.getByTestId('coverage').textContent()).toMatch(/66/);
    expect(await page.locator('li[data-testid^=category-]').count()).toBe(4);
    await page.getByTestId('category-chart').waitFor();
    await screenshot(page, 'portal-04-tracker');
    await axe('tracker');
    await reflows();

    // The printable progress report: whole plan, then one lead department, on screen and on paper.
    await page.getByTestId('report-all').click();
    await page.getByTestId('report-table').locator('tbody tr').first().waitFor();
    const allRows = await page.getByTestId('report-table').locator('tbody tr').count();
    const overview = await (await fetch(`${server.baseUrl}/api/public/tracker`)).json() as { taskCounts: { listed: number } };
    expect(allRows).toBe(overview.taskCounts.listed); // one row per listed task
    await axe('report');
    await page.locator('#rp-dept').selectOption({ label: '市民政局' });
    await expect.poll(() => page.getByTestId('report-table').locator('tbody tr').count()).toBeLessThan(allRows);
    expect(await page.getByTestId('report-table').textContent()).toContain('独居');
    expect(page.url()).toContain('department=');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await page.getByTestId('print').isVisible()).toBe(false);
    await screenshot(page, 'portal-04b-report-print');
    await page.emulateMedia({ media: 'screen' });
    const serverVersion = await fetch(`${server.baseUrl}${await page.getByRole('link', { name: '服务器生成的打印版' }).getAttribute('href')}`);
    expect(serverVersion.headers.get('content-type')).toContain('text/html');
    await page.goBack();
    await page.goBack();
    await page.getByTestId('task-search').waitFor();

    await page.getByTestId('task-search').fill('独居');
    await page.getByTestId('task-hits').locator('a').first().waitFor();
    await page.getByTestId('task-hits').locator('a', { hasText: '独居' }).first().click();
    await page.getByTestId('task').waitFor();
    await page.getByTestId('timeline').waitFor();
    const facts = await page.getByTestId('task').textContent();
    expect(facts).toContain('5,800');
    expect(facts).toContain('市民政局');
    const photo = page.getByTestId('evidence').locator('img').first();
    await photo.waitFor();
    expect((await photo.getAttribute('alt'))?.length).toBeGreaterThan(1);
    await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await screenshot(page, 'portal-05-task-evidence');
    await axe('task');
    await reflows();
    // Printed, the page keeps its content and drops the header and navigation.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await page.getByTestId('timeline').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });

    await page.locator('.crumb a').click();
    await page.getByTestId('project').locator('h1').waitFor();
    expect(await page.getByTestId('project').textContent()).toContain('独居');
    await axe('project');
  });

  it('submits a suggestion by keyboard only, and once adopted sees it in the public list linked to its project', async () => {
    await page.goto(`${server.baseUrl}/portal/suggestions`);
    await page.getByTestId('suggestion-counts').waitFor();
    expect(await page.getByTestId('suggestion-counts').textContent()).toContain('1,402');
    await axe('suggestions');
    await page.locator('#sg-title').focus();
    await page.keyboard.type('社区食堂延长营业时间');
    await page.keyboard.press('Tab');
    await page.keyboard.type('建议老年助餐点晚上也开放，方便下班晚的子女和老人一起吃饭。有事请打13812345678。');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sg-topic');
    await page.keyboard.press('ArrowDown'); // 一老一小
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('sg-anonymous');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('suggestion-submit');
    await page.keyboard.press('Enter');
    await page.getByTestId('suggestion-receipt').waitFor();
    expect(await page.getByTestId('suggestion-receipt').textContent()).toMatch(/\S{4,}/);
    await axe('suggestion submitted');
    // Not public before moderation.
    expect(await (await fetch(`${server.baseUrl}/api/public/suggestions?limit=200`)).text()).not.toContain('社区食堂延长营业时间');

    // The city office publishes it, adopts it and links it to the project of the elder-guard task.
    const staff = await staffApi();
    const queue = await (await staff('/api/suggestions?status=pending&limit=200')).json() as { items: Array<{ id: number; title: string }> };
    const mine = queue.items.find((x) => x.title === '社区食堂延长营业时间');
    expect(mine).toBeDefined();
    const open = await (await fetch(`${server.baseUrl}/api/public/tracker.json`)).json() as { tasks: Array<{ code: string; projectId: number }> };
    const projectId = open.tasks.find((x) => x.code === 'elder-guard')?.projectId;
    expect(projectId).toBeGreaterThan(0);
    for (const action of [{ kind: 'publish' }, { kind: 'adopt', response: '已纳入助餐服务提升内容。' }, { kind: 'link', targetKind: 'project', targetId: projectId }]) {
      expect((await staff(`/api/suggestions/${mine!.id}/actions`, action)).status).toBe(200);
    }
    await page.reload();
    await page.getByLabel('已采纳').check();
    const card = page.locator(`#s-${mine!.id}`);
    await card.waitFor();
    const text = await card.textContent();
    expect(text).toContain('已采纳');
    expect(text).toContain('已纳入助餐服务提升内容。');
    expect(text).not.toContain('13812345678'); // phone numbers typed into public text are hidden
    await screenshot(page, 'portal-06-suggestion-adopted');
    await axe('suggestions with an adopted one');
    await reflows();
    await card.locator('a').first().click();
    await page.getByTestId('project').locator('h1').waitFor();
    expect(page.url()).toContain(`/portal/projects/${projectId}`);
  });

  it('files a complaint by keyboard, follows it by its ticket code to the office\'s reply, and rates it by keyboard', async () => {
    await page.goto(`${server.baseUrl}/portal/complaints/new`);
    await page.getByTestId('complaint-form').waitFor();
    await axe('complaint form');
    await reflows();
    // Refused empty: the summary names every missing field.
    await page.getByTestId('complaint-submit').click();
    await page.locator('#cp-errors').waitFor();
    expect(await page.locator('#cp-errors li').count()).toBe(4);
    await axe('complaint form with errors');

    const description = `小区路灯坏了一个月，晚上老人出门不安全。（e2e ${Date.now()}）`;
    // By keyboard only: arrows in the lists, typing in the text fields, Tab between them, Enter to send.
    await page.locator('#cp-category').focus();
    await page.keyboard.press('ArrowDown'); // the first category
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cp-district');
    await page.keyboard.press('ArrowDown'); // 和平区
    expect(await page.locator('#cp-district').inputValue()).toBe('120101000000');
    // The streets of the district, then the communities of the street, from the public division look-up.
    await page.locator('#cp-street option').nth(1).waitFor({ state: 'attached' });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cp-street');
    await page.keyboard.press('ArrowDown'); // 劝业场街道
    expect(await page.locator('#cp-street').inputValue()).toBe('120101001000');
    await page.locator('#cp-community option').nth(1).waitFor({ state: 'attached' });
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown'); // 花园路社区
    expect(await page.locator('#cp-community').inputValue()).toBe('120101001001');
    await page.keyboard.press('Tab');
    await page.keyboard.type('友谊路某小区3号楼前');
    await page.keyboard.press('Tab');
    await page.keyboard.type(description);
    expect(await page.locator('#cp-text').inputValue()).toBe(description);
    expect(await page.locator('#cp-category').inputValue()).not.toBe('');
    await page.keyboard.press('Tab'); // name
    await page.keyboard.press('Tab'); // phone
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('complaint-submit');
    await page.keyboard.press('Enter');
    await page.getByTestId('ticket').waitFor();
    const ticket = (await page.getByTestId('ticket').textContent())?.trim() ?? '';
    expect(ticket).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
    expect(await page.getByTestId('complaint-receipt').textContent()).toContain('劝业场'); // a community goes to its street office
    await screenshot(page, 'portal-07-complaint-ticket');
    await axe('complaint receipt');

    await page.getByTestId('track-link').click();
    await page.getByTestId('complaint').waitFor();
    expect(await page.getByTestId('complaint').getAttribute('data-status')).toBe('received');
    await axe('complaint status');

    // The responsible street office answers in the staff API (its demo account, signed in).
    const staff = await staffApi('quanyechang.street');
    const inbox = await (await staff('/api/complaints?limit=200')).json() as { items: Array<{ id: number; description: string }> };
    const mine = inbox.items.find((c) => c.description === description);
    expect(mine).toBeDefined();
    const replyText = '已安排维修人员更换路灯，今晚起恢复照明。';
    expect((await staff(`/api/complaints/${mine!.id}/actions`, { kind: 'reply', text: replyText })).status).toBe(200);

    // The resident looks again with the code typed by keyboard, reads the reply and rates it.
    await page.goto(`${server.baseUrl}/portal/complaints/track`);
    await page.locator('#tk-code').focus();
    await page.keyboard.type(ticket.toLowerCase());
    await page.keyboard.press('Enter');
    await page.getByTestId('complaint-reply').waitFor();
    expect(await page.getByTestId('complaint-reply').textContent()).toContain(replyText);
    expect(await page.getByTestId('complaint').getAttribute('data-status')).toBe('answered');
    await axe('complaint answered');
    await page.locator('#rt-score input').first().focus();
    await page.keyboard.press('Space'); // ★★★★★ 5 星, the first choice
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('rt-comment');
    await page.keyboard.type('修得很快，谢谢！');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByTestId('complaint-rating').waitFor();
    expect(await page.getByTestId('complaint-rating').textContent()).toContain('★★★★★');
    expect(await page.getByTestId('rate-form').count()).toBe(0);
    await screenshot(page, 'portal-08-complaint-answered-rated');
    await axe('complaint rated');
    await reflows();
  });

  it('switches to English and back', async () => {
    await page.goto(`${server.baseUrl}/portal`);
    await page.getByTestId('lang-toggle').click();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h1').textContent()).toContain('Hello');
    await axe('home in English');
    await page.reload();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    // The self-check speaks English too: questions, verdict and each condition's reason.
    await page.goto(`${server.baseUrl}/portal/self-check/tianjin/trade-in-digital-2026`);
    await page.locator('#sc-category').selectOption('phone');
    await page.locator('#sc-finalPrice').fill('6000.01');
    await page.locator('#sc-deliveryRegion').selectOption('120101000000');
    await page.locator('#sc-at').fill('2026-06-18T20:00');
    await page.getByTestId('self-check-submit').click();
    await page.getByTestId('self-check-result').waitFor();
    expect(await page.getByTestId('verdict').textContent()).toContain('You do not qualify yet');
    expect(await page.getByTestId('reason-price-cap').getAttribute('data-passed')).toBe('false');
    expect(await page.getByTestId('reason-price-cap').textContent()).toMatch(/at most 6,000 yuan[\s\S]*6000\.01 yuan/);
    await screenshot(page, 'portal-09-self-check-english');
    await axe('self-check in English');
    await page.getByTestId('lang-toggle').click();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
  });
});
