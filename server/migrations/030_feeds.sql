-- Data feeds from other departments (大数据比对): one row per imported batch, one row per feed
-- record with the person it was matched to, and the review queue for records matched only on
-- name + birth date + region (never linked silently).
CREATE TABLE feed_batch (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feed_type      text NOT NULL CHECK (feed_type IN ('medical', 'disability', 'unemployment', 'death', 'real-estate', 'vehicle', 'business', 'contribution')),
  schema_version integer NOT NULL,
  department     text NOT NULL,
  period         text NOT NULL,
  file_name      text NOT NULL,
  checksum       text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
  encoding       text,
  status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  processed      integer NOT NULL DEFAULT 0,
  accepted       integer NOT NULL DEFAULT 0,
  rejected       integer NOT NULL DEFAULT 0,
  matched        integer NOT NULL DEFAULT 0,
  in_review      integer NOT NULL DEFAULT 0,
  unmatched      integer NOT NULL DEFAULT 0,
  warnings       jsonb NOT NULL DEFAULT '[]'::jsonb,
  failure        text,
  started_by     text NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz
);
COMMENT ON TABLE feed_batch IS 'One imported batch of a department data feed (医保, 残联, 人社, deaths, 不动产, vehicles, 市场监管, contribution bases): source department, period, file checksum (sha256), counts and who imported it. A batch with the same checksum, or the same type + department + period, is imported once.';
CREATE UNIQUE INDEX feed_batch_checksum_done_idx ON feed_batch (feed_type, checksum) WHERE status = 'done';
CREATE UNIQUE INDEX feed_batch_period_done_idx ON feed_batch (feed_type, department, period) WHERE status = 'done';

CREATE TABLE feed_row_error (
  batch_id bigint NOT NULL REFERENCES feed_batch (id) ON DELETE CASCADE,
  row_no   integer NOT NULL,
  field    text NOT NULL,
  message  text NOT NULL
);
COMMENT ON TABLE feed_row_error IS 'Rejected rows of a feed batch: row number in the file, the field, and why (bad ID check digit, date in the future, duplicate in the file...).';
CREATE INDEX feed_row_error_batch_idx ON feed_row_error (batch_id, row_no);

CREATE TABLE feed_row (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id     bigint NOT NULL REFERENCES feed_batch (id) ON DELETE CASCADE,
  feed_type    text NOT NULL,
  row_no       integer NOT NULL,
  citizen_id   text,
  name         text,
  birth_date   date,
  region_code  text,
  event_date   date NOT NULL,
  data         jsonb NOT NULL,
  person_id    bigint REFERENCES person (id),
  match_status text NOT NULL CHECK (match_status IN ('matched', 'review', 'unmatched')),
  matched_by   text CHECK (matched_by IN ('citizen-id', 'review')),
  UNIQUE (batch_id, row_no)
);
COMMENT ON TABLE feed_row IS 'One record of a feed, typed per its versioned schema (data), dated (event_date: settlement, certificate, registration, death or transaction date) and linked to a registry person by citizen ID, or after staff review.';
COMMENT ON COLUMN feed_row.data IS 'The record''s fields after validation (camelCase, as in the feed schema), e.g. {"total": 1200.5, "outOfPocket": 300, "hospital": "…"}.';
CREATE INDEX feed_row_person_idx ON feed_row (person_id, feed_type, event_date) WHERE person_id IS NOT NULL;
CREATE INDEX feed_row_review_idx ON feed_row (batch_id) WHERE match_status = 'review';

CREATE TABLE feed_match_review (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feed_row_id bigint NOT NULL UNIQUE REFERENCES feed_row (id) ON DELETE CASCADE,
  candidates  bigint[] NOT NULL,
  region_code text,
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'rejected')),
  person_id   bigint REFERENCES person (id),
  decided_by  text,
  decided_at  timestamptz,
  note        text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'confirmed') = (person_id IS NOT NULL))
);
COMMENT ON TABLE feed_match_review IS 'Feed records whose citizen ID is missing or unknown but whose name + birth date + region fit registry persons: staff confirm one candidate or reject; only a confirmation links the record.';
CREATE INDEX feed_match_review_open_idx ON feed_match_review (region_code text_pattern_ops) WHERE status = 'open';
