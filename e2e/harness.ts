/**
 * End-to-end harness: builds the console if stale, starts the real `minsheng serve` process on a
 * free port (PGlite in a temp dir by default; a throwaway PostgreSQL database and the external
 * broker when MINSHENG_TEST_DATABASE_URL / MINSHENG_TEST_MQTT_URL are set) and drives Debian's
 * Chromium through playwright-core. Screenshots go to e2e/artifacts/.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const artifactsDir = path.join(root, 'e2e/artifacts');

export interface RunningServer { baseUrl: string; dataDir: string; stop(): Promise<void>; db: 'pglite' | 'postgres'; log(): string }

async function createDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `minsheng_e2e_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export function buildWebIfStale(): void {
  execFileSync('node', [path.join(root, 'scripts/build-web-if-stale.mjs')], { cwd: root, stdio: 'pipe' });
}

export async function startServer(opts: { demoPersons: number; env?: Record<string, string> }): Promise<RunningServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-e2e-'));
  const serverUrl = process.env.MINSHENG_TEST_DATABASE_URL;
  const database = serverUrl ? await createDatabase(serverUrl) : undefined;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>), PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, MQTT_PORT: '0',
    DEMO: '1', DEMO_PERSONS: String(opts.demoPersons), LOG_LEVEL: 'warn', ...opts.env,
  };
  delete env.DATABASE_URL;
  delete env.MQTT_URL;
  if (database) env.DATABASE_URL = database.url;
  if (process.env.MINSHENG_TEST_MQTT_URL) env.MQTT_URL = process.env.MINSHENG_TEST_MQTT_URL;
  const child: ChildProcess = spawn('node', [path.join(root, 'server/bin/minsheng.js'), 'serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /on (http:\/\/localhost:\d+)/.exec(output);
      if (m?.[1]) { clearTimeout(timer); resolve(m[1].replace('localhost', '127.0.0.1')); }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${output}`)); });
  });
  return {
    baseUrl, dataDir, db: database ? 'postgres' : 'pglite', log: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Waits for `locator` like `locator.waitFor()`; when it never comes, fails with what the user saw
 * instead — the page's toasts, form errors and error alerts, whether a dialog is open, the URL —
 * and a screenshot `<name>-failed.png`, so that a failure in a long run says why.
 */
export async function waitOrExplain(page: Page, locator: Locator, name: string, timeout = 30_000): Promise<void> {
  try {
    await locator.waitFor({ timeout });
  } catch (e) {
    const texts = async (selector: string): Promise<string[]> =>
      (await page.locator(selector).allInnerTexts().catch(() => [])).map((t) => t.trim()).filter(Boolean);
    const seen = {
      url: page.url(),
      toasts: await texts('.ant-message-notice, .ant-notification-notice'),
      formErrors: await texts('.ant-form-item-explain-error'),
      alerts: await texts('.ant-alert, .ant-result'),
      dialogsOpen: await page.locator('.ant-modal-wrap:visible').count().catch(() => -1),
    };
    const shot = await screenshot(page, `${name}-failed`).catch(() => 'none');
    throw new Error(`${(e as Error).message}\nwhat the page showed: ${JSON.stringify(seen)}; screenshot: ${shot}`);
  }
}

/** The demo accounts' password (README "Demo accounts"). */
export const DEMO_PASSWORD = 'minsheng-demo';

/** Signs a demo account in to the staff console in a fresh browser context (zh-CN). */
export async function signInConsole(browser: Browser, baseUrl: string, username: string, viewport = { width: 1366, height: 900 }, password = DEMO_PASSWORD): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user-menu').waitFor();
  return page;
}

/** GET a JSON API as the signed-in page (its session cookie). */
export const pageJson = <T>(page: Page, url: string): Promise<T> =>
  page.evaluate(async (u) => (await fetch(u)).json(), url) as Promise<T>;
