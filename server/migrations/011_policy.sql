-- Batch runs of policies over the registry (policy as code): one row per run, one row per decided
-- person or household. Decisions keep the policy version and the date they were made for, so a
-- later policy (e.g. the concentrated-care subsidy reading the dibao outcome) and the console can
-- read "the latest decision on or before a date".
CREATE TABLE policy_run (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  policy_id      text NOT NULL,
  policy_version integer NOT NULL,
  on_date        date NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  started_by     text NOT NULL,
  scope          text[] NOT NULL DEFAULT '{}',
  total          integer,
  eligible       integer,
  errors         integer,
  amount_total   numeric,
  parameters     jsonb NOT NULL DEFAULT '{}'::jsonb,
  status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  failure        text
);
COMMENT ON TABLE policy_run IS 'One batch run of a policy over the registry for one date: who started it, over which region prefixes (scope; empty = the whole city), the parameter values used, and the totals (eligible count, monthly amount).';
COMMENT ON COLUMN policy_run.policy_id IS 'Public policy id: its path under policies/ without .yaml, e.g. tianjin/dibao.';
COMMENT ON COLUMN policy_run.parameters IS 'Parameter values in force on on_date, as used by the compiled SQL: {name: {value, from, example}}.';
COMMENT ON COLUMN policy_run.errors IS 'Rows whose registry data did not fit the policy inputs or whose formula failed (decided as NULL with an error).';
CREATE INDEX policy_run_policy_idx ON policy_run (policy_id, started_at DESC);

CREATE TABLE policy_decision (
  run_id         bigint NOT NULL REFERENCES policy_run (id),
  policy_id      text NOT NULL,
  policy_version integer NOT NULL,
  on_date        date NOT NULL,
  entity         text NOT NULL CHECK (entity IN ('person', 'household')),
  entity_id      bigint NOT NULL,
  eligible       boolean,
  outcome        text,
  amount         numeric,
  failed_rules   text[],
  error          text,
  PRIMARY KEY (run_id, entity, entity_id)
);
COMMENT ON TABLE policy_decision IS 'The decision of one batch run for one person or household: outcome, eligibility, monthly amount (CNY) and the conditions that failed; NULLs with error when the registry data could not be decided.';
CREATE INDEX policy_decision_lookup_idx ON policy_decision (policy_id, entity, entity_id, on_date);
