/** A production start refuses to run without an administrator; `admin create` makes the first one. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from '../../testing/db.ts';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/minsheng.js');

describe('production start and the first administrator', () => {
  let t: TestDb | undefined;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-admin-'));
    env = { ...process.env, DATA_DIR: dataDir, DEMO: '0', PORT: '0', HOST: '127.0.0.1', MQTT_PORT: '0', LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.MQTT_URL;
    if (process.env.MINSHENG_TEST_DATABASE_URL) {
      t = await testDb();
      env.DATABASE_URL = t.url;
      await t.db.close(); // the spawned processes connect on their own
    }
  });
  afterAll(async () => {
    if (t) await t.close().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    spawnSync('node', [bin, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 });

  it('refuses to serve without an administrator, saying how to create one', () => {
    const res = run(['serve']);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('No administrator exists');
    expect(res.stderr).toContain('npx minsheng admin create');
  });

  it('refuses a weak password, naming it, and creates the administrator with a good one', () => {
    const weak = run(['admin', 'create', '--username', 'chief'], { MINSHENG_ADMIN_PASSWORD: 'short' });
    expect(weak.status).toBe(2);
    expect(weak.stderr).toContain('password');
    const ok = run(['admin', 'create', '--username', 'chief', '--name', '局长'], { MINSHENG_ADMIN_PASSWORD: 'a-long-enough-password' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ created: 'chief', roles: [{ role: 'city-admin', regionCode: '120000000000' }] });
  });

  it('then serves, with no demo accounts', async () => {
    const child = spawn('node', [bin, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 90_000);
      const on = (c: Buffer): void => { out += c.toString(); const m = /on (http:\/\/localhost:\d+)/.exec(out); if (m?.[1]) { clearTimeout(timer); resolve(m[1]); } };
      child.stdout.on('data', on);
      child.stderr.on('data', on);
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    try {
      const health = await (await fetch(`${url}/api/health`)).json();
      expect(health).toMatchObject({ status: 'ok', demo: false });
      const demoLogin = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'minsheng-demo' }) });
      expect(demoLogin.status).toBe(401);
      const chief = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'chief', password: 'a-long-enough-password' }) });
      expect(chief.status).toBe(200);
      expect(out).not.toContain('demo accounts created');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
