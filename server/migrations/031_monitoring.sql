-- Low-income dynamic monitoring (低收入人口动态监测): rule runs, the warnings they raise, and one
-- closed-loop assistance chain per household (一户一条闭环救助链) as an append-only action log.
CREATE TABLE monitoring_run (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  on_date      date NOT NULL,
  trigger      text NOT NULL CHECK (trigger IN ('manual', 'feed-batch', 'review')),
  batch_id     bigint REFERENCES feed_batch (id),
  started_by   text NOT NULL,
  scope        text[] NOT NULL DEFAULT '{}',
  persons      integer,
  status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  rules        integer NOT NULL DEFAULT 0,
  raised       integer NOT NULL DEFAULT 0,
  suppressed   integer NOT NULL DEFAULT 0,
  problems     jsonb NOT NULL DEFAULT '[]'::jsonb,
  per_rule     jsonb NOT NULL DEFAULT '[]'::jsonb,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
COMMENT ON TABLE monitoring_run IS 'One run of the warning rules (policies/monitoring) for a date: over the whole registry or a region (scope), or over the persons a feed batch touched (persons = their number). problems: rule files that did not load (file, line, column) and rules that failed; per_rule: candidates, raised and suppressed per rule.';

CREATE TABLE monitoring_chain (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject_key  text NOT NULL,
  household_id bigint REFERENCES household (id),
  person_id    bigint REFERENCES person (id),
  region_code  text NOT NULL,
  grid_id      text,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  opened_at    timestamptz NOT NULL DEFAULT now(),
  closed_at    timestamptz,
  CHECK (household_id IS NOT NULL OR person_id IS NOT NULL)
);
COMMENT ON TABLE monitoring_chain IS 'The closed-loop assistance chain of one household (一户一条闭环救助链; a person without a household has their own): from the first warning to closure. Its links are monitoring_chain_action; status is kept in step with the log in the same transaction (closed once a close action is stored).';
COMMENT ON COLUMN monitoring_chain.subject_key IS 'household:<id>, or person:<id> for a person without a household; at most one open chain per key.';
CREATE UNIQUE INDEX monitoring_chain_open_idx ON monitoring_chain (subject_key) WHERE status = 'open';
CREATE INDEX monitoring_chain_region_idx ON monitoring_chain (region_code text_pattern_ops);

CREATE TABLE monitoring_warning (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id        bigint NOT NULL REFERENCES monitoring_run (id),
  rule_id       text NOT NULL,
  rule_version  integer NOT NULL,
  severity      text NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
  subject_key   text NOT NULL,
  person_id     bigint REFERENCES person (id),
  household_id  bigint REFERENCES household (id),
  region_code   text NOT NULL,
  grid_id       text,
  on_date       date NOT NULL,
  reason        text NOT NULL,
  evidence      jsonb NOT NULL,
  evidence_hash text NOT NULL,
  chain_id      bigint NOT NULL REFERENCES monitoring_chain (id),
  raised_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE monitoring_warning IS 'A warning raised by a rule for a household (or a person): severity, the Chinese reason filled from the evidence, the evidence (the rule''s input) and its hash; the same warning is not raised again for the household within the rule''s suppression window unless the evidence hash changes.';
CREATE INDEX monitoring_warning_subject_idx ON monitoring_warning (rule_id, subject_key, on_date DESC);
CREATE INDEX monitoring_warning_region_idx ON monitoring_warning (region_code text_pattern_ops, raised_at DESC);
CREATE INDEX monitoring_warning_chain_idx ON monitoring_warning (chain_id);

CREATE TABLE monitoring_chain_action (
  chain_id         bigint NOT NULL REFERENCES monitoring_chain (id),
  seq              integer NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('opened', 'warning', 'task', 'visit', 'reevaluated', 'decision', 'aid', 'follow-up', 'note', 'closed')),
  actor            text NOT NULL,
  at               timestamptz NOT NULL DEFAULT now(),
  client_action_id text,
  note             text,
  data             jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (chain_id, seq),
  UNIQUE (chain_id, client_action_id)
);
COMMENT ON TABLE monitoring_chain_action IS 'Append-only links of an assistance chain: opened, warning, task (verification work order), visit (findings), reevaluated (policy decisions), decision, aid, follow-up, note, closed; who and when; idempotent by (chain, client action id). The chain''s state is derived from these by a pure function.';

CREATE TABLE monitoring_photo (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain_id   bigint NOT NULL REFERENCES monitoring_chain (id),
  mime       text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
  bytes      bytea NOT NULL CHECK (octet_length(bytes) <= 5242880),
  sha256     text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE monitoring_photo IS 'A photo taken on a verification visit (≤ 5 MB, JPEG/PNG/WebP by its first bytes), referenced from the visit link of the chain.';
