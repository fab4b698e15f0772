/** Durable timers: replace by key, cancel, retries with backoff, re-arming, and two runners never firing one timer twice. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from '../testing/db.ts';
import { openDb, type Db } from './db.ts';
import { afterCommit, backoffMs, cancelTimer, findTimer, registerTimerHandler, runDueTimers, scheduleTimer } from './jobs.ts';

let t: TestDb;
let second: Db;
const past = (ms = 1000): Date => new Date(Date.now() - ms);

describe('durable timers', () => {
  beforeAll(async () => {
    t = await testDb({ regions: false });
    // A second server process: on PostgreSQL its own connection pool; PGlite has one connection only.
    second = t.url ? await openDb({ databaseUrl: t.url }) : t.db;
    // What the handlers write: proves a handler's writes commit exactly once, or not at all.
    await t.db.exec('CREATE TABLE timer_effect (what text NOT NULL)');
  });
  afterAll(async () => { if (second !== t.db) await second.close(); await t.close(); });

  it('two runners racing over 60 due timers fire each exactly once, and the handler writes commit with it', async () => {
    const fired: string[] = [];
    registerTimerHandler('race', async (tx, timer) => {
      fired.push(timer.key);
      await tx.query('INSERT INTO timer_effect (what) VALUES ($1)', [`race-${timer.key}`]);
      await new Promise((r) => setTimeout(r, 2));
    });
    for (let i = 0; i < 60; i++) await scheduleTimer(t.db, { kind: 'race', key: `race:${i}`, runAt: past(), payload: { i } });
    const [a, b] = await Promise.all([runDueTimers(t.db), runDueTimers(second)]);
    expect(a.fired + b.fired).toBe(60);
    expect(new Set(fired).size).toBe(60);
    expect(fired).toHaveLength(60);
    if (t.url) expect(Math.min(a.fired, b.fired)).toBeGreaterThan(0); // both really took part
    const [n] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM timer_effect WHERE what LIKE 'race-%'`);
    expect(n?.n).toBe(60);
    expect(await runDueTimers(t.db)).toMatchObject({ fired: 0 });
  });

  it('does not fire before its time; scheduling the same key again replaces it; cancel stops it', async () => {
    const runs: unknown[] = [];
    registerTimerHandler('replace', async (_tx, timer) => { runs.push(timer.payload.v); });
    await scheduleTimer(t.db, { kind: 'replace', key: 'r1', runAt: new Date(Date.now() + 60_000), payload: { v: 1 } });
    expect((await runDueTimers(t.db)).fired).toBe(0);
    await scheduleTimer(t.db, { kind: 'replace', key: 'r1', runAt: past(), payload: { v: 2 } });
    expect((await runDueTimers(t.db)).fired).toBe(1);
    expect(runs).toEqual([2]);
    await scheduleTimer(t.db, { kind: 'replace', key: 'r2', runAt: past(), payload: { v: 3 } });
    expect(await cancelTimer(t.db, 'r2')).toBe(true);
    expect(await cancelTimer(t.db, 'r2')).toBe(false);
    await runDueTimers(t.db);
    expect(runs).toEqual([2]);
    expect(await findTimer(t.db, 'r2')).toMatchObject({ status: 'cancelled' });
  });

  it('a failing handler is rolled back and retried with backoff until its attempts run out', async () => {
    let calls = 0;
    const committed: string[] = [];
    registerTimerHandler('flaky', async (tx) => {
      calls += 1;
      await tx.query('INSERT INTO timer_effect (what) VALUES ($1)', [`flaky-${calls}`]);
      afterCommit(tx, () => { committed.push(`after-${calls}`); });
      if (calls < 3) throw new Error(`gateway down (${calls})`);
    });
    const start = new Date();
    await scheduleTimer(t.db, { kind: 'flaky', key: 'f1', runAt: start, maxAttempts: 5 });
    expect(await runDueTimers(t.db, start)).toMatchObject({ fired: 0, failed: 1 });
    const first = await findTimer(t.db, 'f1');
    expect(first).toMatchObject({ status: 'pending', attempts: 1, lastError: 'gateway down (1)' });
    expect(Date.parse(first!.runAt) - start.getTime()).toBe(backoffMs(1));
    expect(await runDueTimers(t.db, start)).toMatchObject({ fired: 0, failed: 0 }); // waiting out the backoff
    await runDueTimers(t.db, new Date(start.getTime() + backoffMs(1)));
    expect(await findTimer(t.db, 'f1')).toMatchObject({ attempts: 2 });
    await runDueTimers(t.db, new Date(start.getTime() + backoffMs(1) + backoffMs(2)));
    expect(await findTimer(t.db, 'f1')).toMatchObject({ status: 'done', attempts: 3, lastError: null });
    const rows = await t.db.query<{ what: string }>(`SELECT what FROM timer_effect WHERE what LIKE 'flaky-%'`);
    expect(rows.map((r) => r.what)).toEqual(['flaky-3']); // the failed attempts left nothing behind
    await new Promise((r) => setTimeout(r, 10));
    expect(committed).toEqual(['after-3']);

    registerTimerHandler('broken', async () => { throw new Error('always'); });
    await scheduleTimer(t.db, { kind: 'broken', key: 'b1', runAt: start, maxAttempts: 2 });
    await runDueTimers(t.db, start);
    await runDueTimers(t.db, new Date(start.getTime() + 3_600_000));
    expect(await findTimer(t.db, 'b1')).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('a handler may re-arm its own key (a retry or a next step) without the runner marking it done', async () => {
    let n = 0;
    registerTimerHandler('rearm', async (tx, timer, env) => {
      n += 1;
      if (n < 3) await scheduleTimer(tx, { kind: 'rearm', key: timer.key, runAt: new Date(env.now.getTime() + 1000) });
    });
    const now = new Date();
    await scheduleTimer(t.db, { kind: 'rearm', key: 'a1', runAt: now });
    await runDueTimers(t.db, now);
    expect(await findTimer(t.db, 'a1')).toMatchObject({ status: 'pending' });
    await runDueTimers(t.db, new Date(now.getTime() + 1000));
    await runDueTimers(t.db, new Date(now.getTime() + 2000));
    expect(n).toBe(3);
    expect(await findTimer(t.db, 'a1')).toMatchObject({ status: 'done' });
  });

  it('a timer of a kind this process has no handler for stays pending for a process that has one', async () => {
    await scheduleTimer(t.db, { kind: 'unknown-kind', key: 'u1', runAt: past() });
    await runDueTimers(t.db);
    expect(await findTimer(t.db, 'u1')).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
