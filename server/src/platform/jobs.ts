/**
 * Durable timers (定时任务): a row per timer in table `timer` (migration 021), so they survive a
 * restart and several server processes can share them. A runner claims one due timer at a time
 * with `FOR UPDATE SKIP LOCKED` inside a transaction and runs its handler in that same
 * transaction: the handler's writes and the "done" mark commit together, and no other process can
 * claim the row meanwhile, so a timer never fires twice. A failing handler is rolled back to a
 * savepoint, and the timer is retried later with exponential backoff, up to its max attempts.
 *
 * A process only claims the kinds it has a handler for, so a module whose handlers register late
 * (or not at all, e.g. in a CLI process) never makes another's timers fail.
 */
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import type { Db, Queryable } from './db.ts';

export interface Timer {
  key: string;
  kind: string;
  runAt: string;
  payload: Record<string, unknown>;
  /** Attempts made before this one. */
  attempts: number;
}

export interface TimerEnv {
  /** The runner's clock (tests pass a fixed one). */
  now: Date;
  config: Config | undefined;
  /** The database itself, for work after the commit (afterCommit callbacks); inside the handler use `tx`. */
  db: Db;
}

/** Runs in the claiming transaction: use `tx` for every write so it commits with the "done" mark. */
export type TimerHandler = (tx: Queryable, timer: Timer, env: TimerEnv) => Promise<void>;

const handlers = new Map<string, TimerHandler>();

/** One handler per kind; registering a kind again replaces its handler. */
export function registerTimerHandler(kind: string, handler: TimerHandler): void {
  handlers.set(kind, handler);
}

export interface NewTimer {
  kind: string;
  /** Unique: scheduling an existing key replaces that timer (time, payload, attempts). */
  key: string;
  runAt: Date | string;
  payload?: Record<string, unknown>;
  maxAttempts?: number;
}

/** Schedules (or re-arms) a timer. Pass the caller's transaction so the timer exists only if it commits. */
export async function scheduleTimer(db: Queryable, t: NewTimer): Promise<void> {
  const runAt = typeof t.runAt === 'string' ? new Date(t.runAt) : t.runAt;
  if (Number.isNaN(runAt.getTime())) throw new RangeError(`timer ${t.key}: runAt is not a time`);
  await db.query(
    `INSERT INTO timer (key, kind, run_at, payload, max_attempts) VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, run_at = EXCLUDED.run_at, payload = EXCLUDED.payload,
       max_attempts = EXCLUDED.max_attempts, status = 'pending', attempts = 0, last_error = NULL, done_at = NULL,
       generation = timer.generation + 1, updated_at = now()`,
    [t.key, t.kind, runAt.toISOString(), JSON.stringify(t.payload ?? {}), t.maxAttempts ?? 8]);
}

/** scheduleTimer for many timers in one statement (distinct keys), e.g. a batch of new work orders. */
export async function scheduleTimers(db: Queryable, timers: readonly NewTimer[]): Promise<void> {
  if (timers.length === 0) return;
  const rows = timers.map((t) => {
    const runAt = typeof t.runAt === 'string' ? new Date(t.runAt) : t.runAt;
    if (Number.isNaN(runAt.getTime())) throw new RangeError(`timer ${t.key}: runAt is not a time`);
    return { key: t.key, kind: t.kind, run_at: runAt.toISOString(), payload: t.payload ?? {}, max_attempts: t.maxAttempts ?? 8 };
  });
  await db.query(
    `INSERT INTO timer (key, kind, run_at, payload, max_attempts)
     SELECT x.key, x.kind, x.run_at, x.payload, x.max_attempts FROM jsonb_to_recordset($1::jsonb) AS x(key text, kind text, run_at timestamptz, payload jsonb, max_attempts integer)
     ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, run_at = EXCLUDED.run_at, payload = EXCLUDED.payload,
       max_attempts = EXCLUDED.max_attempts, status = 'pending', attempts = 0, last_error = NULL, done_at = NULL,
       generation = timer.generation + 1, updated_at = now()`,
    [JSON.stringify(rows)]);
}

/** Cancels a pending timer; true when there was one. */
export async function cancelTimer(db: Queryable, key: string): Promise<boolean> {
  const rows = await db.query(`UPDATE timer SET status = 'cancelled', updated_at = now() WHERE key = $1 AND status = 'pending' RETURNING key`, [key]);
  return rows.length > 0;
}

export interface TimerState { key: string; kind: string; runAt: string; status: 'pending' | 'done' | 'failed' | 'cancelled'; attempts: number; lastError: string | null }

export async function findTimer(db: Queryable, key: string): Promise<TimerState | undefined> {
  const [row] = await db.query<TimerState>(
    `SELECT key, kind, run_at AS "runAt", status, attempts, last_error AS "lastError" FROM timer WHERE key = $1`, [key]);
  return row;
}

/** Delay before the next attempt: 5 s, 10 s, 20 s … at most an hour. */
export const backoffMs = (attempts: number): number => Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);

// ---- after-commit callbacks ------------------------------------------------------------------

const commitQueues = new WeakMap<object, Array<() => void | Promise<void>>>();

/**
 * Runs `fn` after the transaction `db` commits, when the transaction was opened by
 * `withTransaction` or by the timer runner; with a plain connection (no transaction of ours) it
 * runs at once. A rolled-back transaction drops its callbacks.
 */
export function afterCommit(db: Queryable, fn: () => void | Promise<void>): void {
  const queue = commitQueues.get(db);
  if (queue) queue.push(fn);
  else void Promise.resolve().then(fn).catch((e: unknown) => console.error('[afterCommit]', e));
}

const runQueue = (queue: Array<() => void | Promise<void>>): void => {
  for (const fn of queue) void Promise.resolve().then(fn).catch((e: unknown) => console.error('[afterCommit]', e));
};

/** A transaction with after-commit callbacks; given a transaction already (no `transaction` method), joins it. */
export async function withTransaction<T>(db: Queryable | Db, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  if (!('transaction' in db)) return fn(db);
  const queue: Array<() => void | Promise<void>> = [];
  const result = await db.transaction(async (tx) => { commitQueues.set(tx, queue); return fn(tx); });
  runQueue(queue);
  return result;
}

// ---- the runner ------------------------------------------------------------------------------

interface TimerRow { key: string; kind: string; run_at: string; payload: Record<string, unknown>; attempts: number; max_attempts: number; generation: number }

/** Claims and runs one due timer; undefined when none is due (for the kinds this process handles). */
async function runOne(db: Db, now: Date, config: Config | undefined): Promise<'fired' | 'failed' | undefined> {
  const kinds = [...handlers.keys()];
  if (kinds.length === 0) return undefined;
  const queue: Array<() => void | Promise<void>> = [];
  const outcome = await db.transaction(async (tx) => {
    const [row] = await tx.query<TimerRow>(
      `SELECT key, kind, run_at, payload, attempts, max_attempts, generation FROM timer
       WHERE status = 'pending' AND run_at <= $1 AND kind = ANY($2::text[])
       ORDER BY run_at, key LIMIT 1 FOR UPDATE SKIP LOCKED`, [now.toISOString(), kinds]);
    if (!row) return undefined;
    const handler = handlers.get(row.kind);
    await tx.query('SAVEPOINT timer_handler');
    commitQueues.set(tx, queue);
    try {
      if (!handler) throw new Error(`no handler for timer kind ${row.kind}`);
      await handler(tx, { key: row.key, kind: row.kind, runAt: row.run_at, payload: row.payload, attempts: row.attempts }, { now, config, db });
      await tx.query('RELEASE SAVEPOINT timer_handler');
      // Only this generation: a handler that re-armed its own key keeps the new schedule.
      await tx.query(`UPDATE timer SET status = 'done', attempts = attempts + 1, done_at = now(), updated_at = now(), last_error = NULL
                      WHERE key = $1 AND generation = $2`, [row.key, row.generation]);
      return 'fired' as const;
    } catch (err) {
      queue.length = 0;
      await tx.query('ROLLBACK TO SAVEPOINT timer_handler');
      const attempts = row.attempts + 1;
      const message = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
      await tx.query(
        `UPDATE timer SET attempts = $2, last_error = $3, updated_at = now(),
           status = CASE WHEN $2 >= max_attempts THEN 'failed' ELSE 'pending' END, run_at = $4
         WHERE key = $1 AND generation = $5`,
        [row.key, attempts, message, new Date(now.getTime() + backoffMs(attempts)).toISOString(), row.generation]);
      console.error(`[timers] ${row.kind} ${row.key} failed (attempt ${attempts}/${row.max_attempts}): ${message}`);
      return 'failed' as const;
    }
  });
  runQueue(queue);
  return outcome;
}

/** Runs every timer due at `now` (at most `limit`); for tests and the runner. */
export async function runDueTimers(db: Db, now: Date = new Date(), opts: { limit?: number; config?: Config } = {}): Promise<{ fired: number; failed: number }> {
  const limit = opts.limit ?? 500;
  let fired = 0;
  let failed = 0;
  while (fired + failed < limit) {
    const outcome = await runOne(db, now, opts.config);
    if (outcome === undefined) break;
    if (outcome === 'fired') fired += 1; else failed += 1;
  }
  return { fired, failed };
}

/**
 * Polls for due timers every `pollMs` (default 250 ms: an alarm's escalation timeout fires within
 * about a quarter second of its time). Returns the stop function, which waits for the running
 * batch. Done timers older than a day are purged now and then.
 */
export function startTimerRunner(ctx: AppContext, opts: { pollMs?: number } = {}): () => Promise<void> {
  const pollMs = opts.pollMs ?? 250;
  let stopped = false;
  let handle: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let lastPurge = 0;
  const tick = (): void => {
    current = (async () => {
      try {
        await runDueTimers(ctx.db, new Date(), { config: ctx.config });
        if (Date.now() - lastPurge > 600_000) {
          lastPurge = Date.now();
          await ctx.db.query(`DELETE FROM timer WHERE status IN ('done', 'cancelled') AND updated_at < now() - interval '1 day'`);
        }
      } catch (err) {
        console.error('[timers] runner:', err instanceof Error ? err.message : err);
      }
    })();
    void current.then(() => { if (!stopped) handle = setTimeout(tick, pollMs); });
  };
  tick();
  return async () => {
    stopped = true;
    if (handle) clearTimeout(handle);
    await current;
  };
}
