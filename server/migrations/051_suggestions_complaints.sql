-- Residents' suggestions (我为民心工程提建议) and complaints/demands (群众诉求 "一键直达").
-- Both keep an append-only action log; the current state is derived from it by a pure function
-- and kept beside the row (state columns) in the same transaction, so lists filter in SQL.

CREATE TABLE suggestion (
  id             bigserial PRIMARY KEY,
  receipt        text NOT NULL UNIQUE,
  -- Text as published: citizen IDs and phone numbers typed in are redacted at intake; the raw
  -- text is never stored.
  title          text NOT NULL,
  body           text NOT NULL,
  topic          text NOT NULL,
  region_code    text REFERENCES region (code),
  anonymous      boolean NOT NULL,
  contact_name   text,
  contact_phone  text,
  submitted_at   timestamptz NOT NULL DEFAULT now(),
  -- Derived from suggestion_action (see suggestions/state.ts).
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'adopted', 'not-adopted', 'merged', 'rejected')),
  merged_into    bigint REFERENCES suggestion (id),
  response       text,
  CHECK (NOT anonymous OR (contact_name IS NULL AND contact_phone IS NULL))
);
COMMENT ON TABLE suggestion IS 'A resident''s suggestion for the livelihood projects; public once moderated. Contact data (optional) is personal and never public.';
CREATE INDEX suggestion_status_idx ON suggestion (status, submitted_at DESC);

CREATE TABLE suggestion_action (
  id             bigserial PRIMARY KEY,
  suggestion_id  bigint NOT NULL REFERENCES suggestion (id),
  kind           text NOT NULL CHECK (kind IN ('submitted', 'published', 'rejected', 'categorised', 'merged', 'adopted', 'not-adopted', 'linked', 'unlinked', 'responded')),
  data           jsonb NOT NULL DEFAULT '{}',
  actor          text NOT NULL,
  at             timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE suggestion_action IS 'Append-only moderation log of a suggestion (publish, reject, categorise, merge, adopt, link to a project or task).';
CREATE INDEX suggestion_action_idx ON suggestion_action (suggestion_id, id);

CREATE TABLE suggestion_link (
  suggestion_id  bigint NOT NULL REFERENCES suggestion (id),
  kind           text NOT NULL CHECK (kind IN ('project', 'task')),
  target_id      integer NOT NULL,
  PRIMARY KEY (suggestion_id, kind, target_id)
);
COMMENT ON TABLE suggestion_link IS 'Current links from a suggestion to the projects or tasks it led to (derived from linked/unlinked actions).';

CREATE TABLE complaint (
  id                bigserial PRIMARY KEY,
  -- Random 80-bit code: the resident's only key to follow the complaint.
  ticket            text NOT NULL UNIQUE,
  category          text NOT NULL,
  region_code       text NOT NULL REFERENCES region (code),
  place             text NOT NULL,
  description       text NOT NULL,
  contact_name      text,
  contact_phone     text,
  office            text NOT NULL,
  office_region     text NOT NULL REFERENCES region (code),
  sla_working_days  integer NOT NULL,
  due_at            timestamptz,
  work_order_id     bigint,
  submitted_at      timestamptz NOT NULL DEFAULT now(),
  -- Derived from complaint_event.
  status            text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'in-progress', 'answered', 'closed'))
);
COMMENT ON TABLE complaint IS 'A resident''s complaint or demand 群众诉求 with its place and category; routed to the responsible office as a work order with an SLA in working days. Contact data is personal (masked, audited).';
CREATE INDEX complaint_region_idx ON complaint (region_code, submitted_at DESC);

CREATE TABLE complaint_event (
  id            bigserial PRIMARY KEY,
  complaint_id  bigint NOT NULL REFERENCES complaint (id),
  kind          text NOT NULL CHECK (kind IN ('received', 'accepted', 'note', 'replied', 'rated', 'closed')),
  note          text,
  score         integer CHECK (score IS NULL OR score BETWEEN 1 AND 5),
  public        boolean NOT NULL DEFAULT true,
  actor         text NOT NULL,
  office        text,
  client_key    text,
  at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (complaint_id, client_key)
);
COMMENT ON TABLE complaint_event IS 'Append-only history of a complaint: received, accepted, notes, the reply, the resident''s rating, closing.';
CREATE INDEX complaint_event_idx ON complaint_event (complaint_id, id);
