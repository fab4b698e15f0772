/**
 * Reliability: a real server process is killed (SIGKILL) in the middle of an alarm burst and
 * started again. Afterwards every SOS has exactly one alarm with one work order, and every alarm's
 * escalation timer fired (a 'timeout' action) although it was armed by the killed process.
 *
 * The burst goes through the broker when a real one is configured (MINSHENG_TEST_MQTT_URL: the
 * persistent session keeps what arrives while the server is down), otherwise through the vendors'
 * signed HTTP push, retried until answered (the embedded broker dies with the process, so only an
 * answered request is a promise). Timeouts are seconds long here (MINSHENG_GUARD_PARAMS).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../platform/db.ts';
import { migrate } from '../../platform/migrate.ts';
import { seedRegions } from '../regions/seed.ts';
import { signPush } from './routes-alarms.ts';
import { GUARD_PARAMS_FILE } from './params.ts';
import { event, seedElder } from './test-fixtures.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const serverUrl = process.env.MINSHENG_TEST_DATABASE_URL;
const brokerUrl = process.env.MINSHENG_TEST_MQTT_URL;
const ELDERS = 24;
const SECRET = 'reliability-vendor-secret';

describe('an alarm burst survives a SIGKILL of the server', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-rel-'));
  const tag = randomBytes(3).toString('hex');
  let dbUrl: string | undefined;
  let dropDb: () => Promise<void> = async () => undefined;
  const devices: string[] = [];
  let child: ChildProcess | undefined;
  let output = '';

  const paramsFile = path.join(dataDir, 'guard.params');
  const env = (): Record<string, string> => {
    const e: Record<string, string> = { ...(process.env as Record<string, string>), PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, MQTT_PORT: '0', DEMO: '1', DEMO_PERSONS: '0',
      LOG_LEVEL: 'warn', MINSHENG_INSTANCE: `rel-${tag}`, MINSHENG_MQTT_SHARE_GROUP: `rel-${tag}`, MINSHENG_ELDERCARE_SWEEP_MS: '500', MINSHENG_GUARD_PARAMS: paramsFile };
    delete e.DATABASE_URL; delete e.MQTT_URL;
    if (dbUrl) e.DATABASE_URL = dbUrl;
    if (brokerUrl) e.MQTT_URL = brokerUrl;
    return e;
  };
  const start = async (): Promise<string> => {
    output = '';
    child = spawn('node', [path.join(root, 'server/bin/minsheng.js'), 'serve'], { cwd: root, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
      const onData = (b: Buffer): void => {
        output += b.toString();
        const m = /on (http:\/\/localhost:\d+)/.exec(output);
        if (m?.[1]) { clearTimeout(timer); resolve(m[1].replace('localhost', '127.0.0.1')); }
      };
      child!.stdout?.on('data', onData);
      child!.stderr?.on('data', onData);
    });
  };
  const withDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    const db = await openDb(dbUrl ? { databaseUrl: dbUrl } : { pgliteDir: path.join(dataDir, 'pgdata') });
    try { return await fn(db); } finally { await db.close(); }
  };

  beforeAll(async () => {
    // Second-long escalation so the timers armed before the kill fall due after the restart.
    fs.writeFileSync(paramsFile, fs.readFileSync(GUARD_PARAMS_FILE, 'utf8').replace(/relativeTimeoutSeconds: \d+/, 'relativeTimeoutSeconds: 4'));
    if (serverUrl) {
      const name = `minsheng_rel_${tag}`;
      const admin = async (sql: string): Promise<void> => { const c = new pg.Client({ connectionString: serverUrl }); await c.connect(); try { await c.query(sql); } finally { await c.end(); } };
      await admin(`CREATE DATABASE ${name}`);
      const u = new URL(serverUrl); u.pathname = `/${name}`; dbUrl = u.toString();
      dropDb = () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
    await withDb(async (db) => {
      await migrate(db);
      await seedRegions(db);
      for (let i = 0; i < ELDERS; i++) devices.push((await seedElder(db, { prefix: `R${tag}${i}`, relatives: 1 })).devices['call-button']!);
      await db.query(`INSERT INTO eldercare_vendor (id, name, hmac_secret) VALUES ('acme', 'reliability', $1)`, [SECRET]);
    });
  }, 120_000);
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (brokerUrl) await (await mqtt.connectAsync(brokerUrl, { clientId: `minsheng-ingest-rel-${tag}`, clean: true })).endAsync();
    await dropDb();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('no alarm lost or doubled, and every escalation timer fires after the restart', async () => {
    let base = await start();
    const sosAt = '2026-02-14T09:00:00+08:00';
    const pushOne = async (i: number): Promise<void> => {
      const body = JSON.stringify({ deviceId: devices[i], events: [JSON.parse(event(`rel-${tag}-${i}`, 'sos', sosAt))] });
      for (;;) {
        try {
          const ts = new Date().toISOString();
          const res = await fetch(`${base}/api/eldercare/push/acme`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-minsheng-timestamp': ts, 'x-minsheng-signature': signPush(SECRET, ts, body) } });
          if (res.ok) return;
        } catch { /* the server is down: try again */ }
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const publisher = brokerUrl ? await mqtt.connectAsync(brokerUrl) : undefined;
    const send = async (i: number): Promise<void> => {
      if (publisher) await publisher.publishAsync(`minsheng/v1/devices/${devices[i]}/events`, event(`rel-${tag}-${i}`, 'sos', sosAt), { qos: 1 });
      else await pushOne(i);
    };
    // All at once; the kill lands while requests (or deliveries) are still in flight.
    let done = 0;
    const burst = Promise.all(devices.map((_, i) => send(i).then(() => { done += 1; })));
    // HTTP: a quarter answered. MQTT: the broker accepts at once, so kill while the server drains its queue.
    if (publisher) await new Promise((r) => setTimeout(r, 30));
    else while (done < ELDERS / 4) await new Promise((r) => setTimeout(r, 5));
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const doneAtKill = done;
    base = await start();
    await burst;
    await publisher?.endAsync();
    if (!publisher) expect(doneAtKill).toBeLessThan(ELDERS);

    // The server holds the PGlite directory: read through the API as the call seat.
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'callseat', password: 'minsheng-demo' }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const get = async <T>(url: string): Promise<T> => (await (await fetch(`${base}${url}`, { headers: { cookie } })).json()) as T;
    const state = async (): Promise<{ alarms: number; persons: number; withOrder: number; timedOut: number }> => {
      const { items } = await get<{ items: Array<{ id: number; personId: number; workOrderId: number | null }> }>('/api/eldercare/alarms?open=0&limit=500');
      let timedOut = 0;
      for (const a of items) {
        const d = await get<{ timeline: Array<{ kind: string; data: { step?: number } | null }> }>(`/api/eldercare/alarms/${a.id}`);
        if (d.timeline.filter((x) => x.kind === 'timeout' && x.data?.step === 1).length === 1) timedOut += 1;
      }
      return { alarms: items.length, persons: new Set(items.map((a) => a.personId)).size, withOrder: items.filter((a) => a.workOrderId !== null).length, timedOut };
    };
    const deadline = Date.now() + 60_000;
    let s = await state();
    while (Date.now() < deadline && (s.withOrder < ELDERS || s.timedOut < ELDERS)) { await new Promise((r) => setTimeout(r, 500)); s = await state(); }
    expect(s).toEqual({ alarms: ELDERS, persons: ELDERS, withOrder: ELDERS, timedOut: ELDERS });
  }, 180_000);
});
