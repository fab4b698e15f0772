/**
 * A batch run answers 202 and goes on in the background; if its process dies mid-run, the run
 * must not stay "running" for ever in the console. A run whose transaction (and so its advisory
 * lock) is gone is reported failed as interrupted when runs are read; a run still going (its lock
 * held by another connection) is left alone, and so is a run younger than a minute.
 * PGlite, and PostgreSQL with MINSHENG_TEST_DATABASE_URL (there with a second connection holding
 * the lock, as a run in another server process does).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemScope } from '../../platform/auth/scope.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import * as service from './service.ts';

let t: TestDb;
beforeAll(async () => { t = await testDb({ regions: false }); });
afterAll(async () => { await t.close(); });

async function runningRun(startedSecondsAgo: number): Promise<number> {
  const [r] = await t.db.query<{ id: number }>(
    `INSERT INTO policy_run (policy_id, policy_version, on_date, started_by, started_at)
     VALUES ('tianjin/dibao', 1, '2026-03-01', 'test', now() - make_interval(secs => $1)) RETURNING id`, [startedSecondsAgo]);
  return r!.id;
}

describe('interrupted batch runs', () => {
  it('a run left running by a dead process is shown failed as interrupted; a just-started one is not', async () => {
    const dead = await runningRun(600);
    const young = await runningRun(5);
    const runs = await service.listRuns(t.db, 'tianjin/dibao', systemScope());
    const byId = new Map(runs.map((r) => [r.id, r]));
    expect(byId.get(dead)).toMatchObject({ status: 'failed', failure: expect.stringMatching(/^interrupted/) });
    expect(byId.get(dead)?.finishedAt).not.toBeNull();
    expect(byId.get(young)).toMatchObject({ status: 'running', failure: null });
    // The single-run read reaps too, and a done run is never touched.
    const other = await runningRun(600);
    expect(await service.getVisibleRun(t.db, 'tianjin/dibao', other, systemScope())).toMatchObject({ status: 'failed' });
  });

  it.runIf(Boolean(process.env.MINSHENG_TEST_DATABASE_URL))(
    'a run still going in another process (its lock held) stays running', async () => {
      const live = await runningRun(600);
      const other = new pg.Client({ connectionString: t.url });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query(`SELECT pg_advisory_xact_lock(hashtextextended('minsheng.policy_run:' || $1::bigint, 0))`, [live]);
        expect(await service.getVisibleRun(t.db, 'tianjin/dibao', live, systemScope())).toMatchObject({ status: 'running' });
        await other.query('ROLLBACK'); // the process "dies": its transaction ends, the lock is free
        expect(await service.getVisibleRun(t.db, 'tianjin/dibao', live, systemScope())).toMatchObject({ status: 'failed' });
      } finally {
        await other.end();
      }
    });
});
