-- Work orders (工单) shared by every module: an append-only action log per order, and a row per
-- order holding the state derived from that log (kept for listing and filtering; it is rewritten
-- only from deriveState(actions) in the same transaction as each action).
CREATE TABLE work_order (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type             text NOT NULL CHECK (type ~ '^[a-z][a-z0-9.-]{1,40}$'),
  subject_kind     text NOT NULL,
  subject_id       text NOT NULL,
  region_code      text NOT NULL REFERENCES region (code),
  grid_id          text,
  title            text NOT NULL,
  priority         text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'critical')),
  payload          jsonb NOT NULL DEFAULT '{}',
  client_key       text UNIQUE,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL,
  -- Derived from the action log (deriveState); never written otherwise.
  status           text NOT NULL CHECK (status IN ('open', 'accepted', 'resolved', 'closed')),
  assignee         jsonb NOT NULL,
  assignee_user_id bigint,
  assignee_role    text,
  escalation_level integer NOT NULL DEFAULT 0,
  due_at           timestamptz,
  resolved_at      timestamptz,
  closed_at        timestamptz,
  last_action_seq  integer NOT NULL,
  auto_escalate    boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE work_order IS 'Work orders 工单 of every module (verification tasks, alarms, device maintenance, missed visits, complaints). The state columns are a projection of work_order_action computed by deriveState in the same transaction as each action.';
COMMENT ON COLUMN work_order.client_key IS 'Idempotency key of the creating module: creating again with the same key returns this order.';
COMMENT ON COLUMN work_order.region_code IS 'Community (or street/district) the order belongs to; decides who may see it.';
CREATE INDEX work_order_region_idx ON work_order (region_code text_pattern_ops);
CREATE INDEX work_order_grid_idx ON work_order (grid_id);
CREATE INDEX work_order_assignee_user_idx ON work_order (assignee_user_id);
CREATE INDEX work_order_subject_idx ON work_order (subject_kind, subject_id);
CREATE INDEX work_order_open_due_idx ON work_order (due_at) WHERE status IN ('open', 'accepted');

CREATE TABLE work_order_action (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  work_order_id    bigint NOT NULL REFERENCES work_order (id),
  seq              integer NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('created', 'assigned', 'accepted', 'note', 'visit', 'escalated', 'notified',
                     'acknowledged', 'dispatched', 'on-site', 'timeout', 'resolved', 'closed', 'reopened')),
  actor            text NOT NULL,
  at               timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  note             text,
  assignee         jsonb,
  data             jsonb,
  client_action_id text,
  UNIQUE (work_order_id, seq),
  UNIQUE (work_order_id, client_action_id)
);
COMMENT ON TABLE work_order_action IS 'The append-only action log of a work order (created, assigned, accepted, note, visit, escalated, notified, acknowledged, dispatched, on-site, timeout, resolved, closed, reopened): who, when (to the second), what. A trigger refuses UPDATE and DELETE.';
COMMENT ON COLUMN work_order_action.client_action_id IS 'Idempotency key of the client: the same (order, key) is stored once.';

CREATE FUNCTION work_order_action_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'work_order_action is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER work_order_action_no_update BEFORE UPDATE OR DELETE ON work_order_action FOR EACH ROW EXECUTE FUNCTION work_order_action_is_append_only();
CREATE TRIGGER work_order_action_no_truncate BEFORE TRUNCATE ON work_order_action FOR EACH STATEMENT EXECUTE FUNCTION work_order_action_is_append_only();

-- Who an overdue order escalates to, per order type ('*' for every type without its own chain).
CREATE TABLE work_order_escalation (
  order_type         text NOT NULL,
  level              integer NOT NULL CHECK (level >= 0),
  role               text NOT NULL,
  grace_working_days integer NOT NULL CHECK (grace_working_days >= 0),
  source             text NOT NULL,
  example            boolean NOT NULL DEFAULT true,
  PRIMARY KEY (order_type, level)
);
COMMENT ON TABLE work_order_escalation IS 'Escalation chain 逐级上报 of overdue work orders as data: level 0 is the first responsible role, each next level receives the order when it is overdue, with grace_working_days more working days to act. example=true: not from an official text.';
INSERT INTO work_order_escalation (order_type, level, role, grace_working_days, source, example) VALUES
  ('*', 0, 'grid-worker', 0, '网格员 → 社区 → 街道 (issue 5 §4); grace periods are example values', true),
  ('*', 1, 'community-worker', 2, '网格员 → 社区 → 街道 (issue 5 §4); grace periods are example values', true),
  ('*', 2, 'street-staff', 3, '网格员 → 社区 → 街道 (issue 5 §4); grace periods are example values', true);
