-- Safety guard for poor elders living alone (独居困难老年人安全守护): the elder's file (一人一档),
-- contacts, absences, visits, devices, device events, quarantine, alarms, the community roster
-- of volunteers and social organisations, and vendor platforms pushing events over HTTP.
-- Work orders and timers are the shared ones (workorders module); nothing here duplicates them.
CREATE TABLE eldercare_elder (
  person_id        bigint PRIMARY KEY REFERENCES person (id),
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
  candidate_source text NOT NULL CHECK (candidate_source IN ('policy', 'staff')),
  policy_run_id    bigint REFERENCES policy_run (id),
  staff_reason     text,
  consent_by       text NOT NULL,
  consent_at       timestamptz NOT NULL,
  consent_method   text NOT NULL CHECK (consent_method IN ('signed-paper', 'verbal-witnessed', 'app')),
  consent_witness  text,
  risk_tier        text NOT NULL DEFAULT 'medium' CHECK (risk_tier IN ('low', 'medium', 'high')),
  bed_bound        boolean NOT NULL DEFAULT false,
  health_notes     text NOT NULL DEFAULT '',
  rule_params      jsonb NOT NULL DEFAULT '{}'::jsonb,
  enrolled_at      timestamptz NOT NULL DEFAULT now(),
  enrolled_by      text NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (candidate_source = 'policy' OR staff_reason IS NOT NULL),
  CHECK (consent_method <> 'verbal-witnessed' OR consent_witness IS NOT NULL)
);
COMMENT ON TABLE eldercare_elder IS 'Elders enrolled in the safety guard 一人一档: why they are candidates (the latest tianjin/elder-alone-guard decision or a staff choice with reason), their voluntary consent (who, when, how), risk tier 风险等级, health notes and per-elder alarm-rule parameters. Region and grid come from the person file.';
COMMENT ON COLUMN eldercare_elder.rule_params IS 'Per-elder overrides of policies/eldercare/guard.yaml rules (e.g. {"inactivityHours": 8}).';

CREATE TABLE eldercare_contact (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  person_id   bigint NOT NULL REFERENCES eldercare_elder (person_id),
  priority    smallint NOT NULL CHECK (priority BETWEEN 1 AND 9),
  name        text NOT NULL,
  relation    text NOT NULL,
  phone       text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (person_id, priority)
);
COMMENT ON TABLE eldercare_contact IS 'Relatives and other contacts of an enrolled elder, called first on an alarm in priority order (1 first).';

CREATE TABLE eldercare_absence (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  person_id  bigint NOT NULL REFERENCES eldercare_elder (person_id),
  kind       text NOT NULL CHECK (kind IN ('away', 'hospital')),
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  note       text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);
COMMENT ON TABLE eldercare_absence IS 'Periods an elder is away from home or in hospital (外出/住院): inactivity and door rules are suppressed until the end.';
CREATE INDEX eldercare_absence_person_idx ON eldercare_absence (person_id, ends_at);

CREATE TABLE eldercare_visit (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  person_id   bigint NOT NULL REFERENCES eldercare_elder (person_id),
  visited_at  timestamptz NOT NULL,
  visitor     text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('home', 'phone', 'video')),
  note        text NOT NULL DEFAULT '',
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE eldercare_visit IS 'Visit log 走访记录 of an enrolled elder; the visit plan (days between visits by risk tier) lives in policies/eldercare/guard.yaml.';
CREATE INDEX eldercare_visit_person_idx ON eldercare_visit (person_id, visited_at DESC);

CREATE TABLE eldercare_device (
  id                text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{3,64}$'),
  person_id         bigint NOT NULL REFERENCES eldercare_elder (person_id),
  kind              text NOT NULL CHECK (kind IN ('call-button', 'presence', 'fall-radar', 'door')),
  vendor            text NOT NULL,
  serial            text NOT NULL,
  room              text NOT NULL CHECK (room IN ('living-room', 'bedroom', 'bathroom', 'kitchen', 'entrance', 'worn')),
  mounting          text CHECK (mounting IN ('ceiling', 'wall', 'door', 'table', 'worn')),
  mounting_height_m numeric(4, 2),
  installed_at      timestamptz NOT NULL,
  installed_by      text NOT NULL,
  active            boolean NOT NULL DEFAULT true,
  last_seen_at      timestamptz,
  battery_percent   smallint,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (vendor, serial)
);
COMMENT ON TABLE eldercare_device IS 'IoT devices installed at an enrolled elder''s home: one-key call button 一键呼叫, infrared presence 红外, fall radar 跌倒雷达, door sensor 门磁; where and by whom installed; last message and battery (a silent device opens a maintenance work order).';
CREATE INDEX eldercare_device_person_idx ON eldercare_device (person_id);

CREATE TABLE eldercare_event (
  event_id    text PRIMARY KEY,
  device_id   text NOT NULL REFERENCES eldercare_device (id),
  person_id   bigint NOT NULL REFERENCES eldercare_elder (person_id),
  type        text NOT NULL CHECK (type IN ('sos', 'fall', 'presence', 'door', 'heartbeat', 'battery')),
  at          timestamptz NOT NULL,
  value       jsonb,
  via         text NOT NULL CHECK (via IN ('mqtt', 'http')),
  received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  processed_at timestamptz
);
COMMENT ON TABLE eldercare_event IS 'Device events as received (MQTT or a vendor''s HTTP push), stored once per event id: a redelivered message is recognised and ignored.';
CREATE INDEX eldercare_event_person_idx ON eldercare_event (person_id, type, at DESC);
CREATE INDEX eldercare_event_unprocessed_idx ON eldercare_event (received_at) WHERE processed_at IS NULL;
COMMENT ON COLUMN eldercare_event.processed_at IS 'Set once the rules ran on the event; a process killed in between leaves it NULL and the recovery sweep runs the rules again (opening an alarm is idempotent).';

CREATE TABLE eldercare_quarantine (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  via         text NOT NULL CHECK (via IN ('mqtt', 'http')),
  topic       text,
  device_id   text,
  payload     text NOT NULL,
  reason      text NOT NULL
);
COMMENT ON TABLE eldercare_quarantine IS 'Device messages refused at ingest (unknown device, malformed payload, bad signature) with the reason; kept for the operators, never processed.';
CREATE INDEX eldercare_quarantine_at_idx ON eldercare_quarantine (received_at DESC);

CREATE TABLE eldercare_alarm (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  person_id      bigint NOT NULL REFERENCES eldercare_elder (person_id),
  rule           text NOT NULL,
  severity       text NOT NULL CHECK (severity IN ('critical', 'high', 'normal')),
  opened_at      timestamptz NOT NULL,
  work_order_id  bigint,
  plan           jsonb NOT NULL,
  workday        boolean NOT NULL,
  closed_at      timestamptz,
  outcome        text CHECK (outcome IN ('false-alarm', 'helped-at-home', 'to-hospital', 'deceased', 'no-answer-resolved', 'other')),
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE eldercare_alarm IS 'An alarm for an elder: the rule that opened it, the escalation plan frozen when it opened (relatives, grid worker or roster by working day, call seat), and its work order of type alarm where every step, notification, timeout and acknowledgement is an action. Opening is idempotent across processes by the evidence''s dedupe_key.';
COMMENT ON COLUMN eldercare_alarm.closed_at IS 'Copied from the work order''s resolution so correlation can find the open alarm quickly; the action log stays the truth.';
CREATE INDEX eldercare_alarm_open_idx ON eldercare_alarm (person_id) WHERE closed_at IS NULL;

CREATE TABLE eldercare_alarm_evidence (
  alarm_id  bigint NOT NULL REFERENCES eldercare_alarm (id),
  seq       integer NOT NULL,
  rule      text NOT NULL,
  event_ids text[] NOT NULL DEFAULT '{}',
  at        timestamptz NOT NULL,
  explanation jsonb NOT NULL,
  dedupe_key  text NOT NULL UNIQUE,
  PRIMARY KEY (alarm_id, seq)
);
COMMENT ON TABLE eldercare_alarm_evidence IS 'Why an alarm fired, append-only: each rule that fired on which events with its parameters. Evidence that belongs together (a fall, then no presence) joins one alarm; dedupe_key names the firing (rule + event or silence start) so it is recorded once.';

CREATE TABLE eldercare_roster (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  community_code text NOT NULL REFERENCES region (code),
  kind           text NOT NULL CHECK (kind IN ('volunteer', 'social-organisation')),
  name           text NOT NULL,
  phone          text NOT NULL,
  user_id        bigint REFERENCES staff_user (id),
  priority       smallint NOT NULL DEFAULT 1,
  active         boolean NOT NULL DEFAULT true,
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE eldercare_roster IS 'Volunteers 志愿者 and third-party social organisations 社会组织 on a community''s roster: alerted on non-working days when no relative acknowledges.';
CREATE INDEX eldercare_roster_community_idx ON eldercare_roster (community_code, kind, priority);

CREATE TABLE eldercare_vendor (
  id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{2,40}$'),
  name        text NOT NULL,
  hmac_secret text NOT NULL CHECK (length(hmac_secret) >= 16),
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE eldercare_vendor IS 'Vendor platforms that push device events over HTTP, each with its own HMAC-SHA256 secret for the X-Minsheng-Signature header.';
