-- Durable timers and jobs (定时任务): escalation deadlines, acknowledgement timeouts, webhook
-- retries. Rows, so they survive restarts; claimed with FOR UPDATE SKIP LOCKED by any server process.
CREATE TABLE timer (
  key          text PRIMARY KEY,
  kind         text NOT NULL,
  run_at       timestamptz NOT NULL,
  payload      jsonb NOT NULL DEFAULT '{}',
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed', 'cancelled')),
  attempts     integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 8 CHECK (max_attempts >= 1),
  last_error   text,
  generation   integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  done_at      timestamptz
);
COMMENT ON TABLE timer IS 'Durable timers: one row per key (scheduling a key again replaces it). The runner claims due pending rows with FOR UPDATE SKIP LOCKED and runs the handler of the kind in the same transaction; failures retry with backoff until max_attempts, then status failed.';
COMMENT ON COLUMN timer.generation IS 'Bumped on every reschedule, so a runner finishing an older generation does not mark the new schedule done.';
CREATE INDEX timer_due_idx ON timer (run_at) WHERE status = 'pending';
