-- Staff accounts, roles bound to regions, sessions, the audit log, residents' access codes.
CREATE TABLE staff_user (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{3,40}$'),
  display_name  text NOT NULL,
  office        text NOT NULL,
  password_hash text NOT NULL,
  active        boolean NOT NULL DEFAULT true,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL
);
COMMENT ON TABLE staff_user IS 'Staff accounts: city/district/street civil-affairs staff, community and grid workers, call-seat operators, responders, auditors, department reporters. Passwords are argon2id hashes.';
COMMENT ON COLUMN staff_user.office IS 'The office shown to residents in their access log (民政局, 街道办事处…), never the staff name.';
COMMENT ON COLUMN staff_user.locked_until IS 'Temporary lockout after repeated failed logins.';

CREATE TABLE staff_role (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES staff_user (id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('city-admin', 'district-staff', 'street-staff', 'community-worker', 'grid-worker',
                                             'call-seat', 'responder', 'auditor', 'dept-reporter')),
  region_code text NOT NULL REFERENCES region (code),
  grid_id     text REFERENCES grid (id),
  CHECK ((role = 'grid-worker') = (grid_id IS NOT NULL))
);
COMMENT ON TABLE staff_role IS 'A role of a staff account bound to a region subtree (grid workers to one grid each). Every query of personal data is filtered by these bindings.';
CREATE UNIQUE INDEX staff_role_unique ON staff_role (user_id, role, region_code, coalesce(grid_id, ''));

CREATE TABLE staff_session (
  token_hash   text PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES staff_user (id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  ended_at     timestamptz,
  ip           text,
  user_agent   text
);
COMMENT ON TABLE staff_session IS 'Login sessions. The cookie carries a random token; only its SHA-256 is stored. Each session has its own CSRF token.';

CREATE TABLE audit_log (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_kind    text NOT NULL CHECK (actor_kind IN ('staff', 'resident', 'system', 'anonymous')),
  actor_user_id bigint,
  actor_name    text NOT NULL,
  role          text,
  office        text,
  region_code   text,
  action        text NOT NULL,
  entity        text,
  entity_id     text,
  subject_ids   bigint[] NOT NULL DEFAULT '{}',
  fields        text[] NOT NULL DEFAULT '{}',
  reason        text,
  outcome       text NOT NULL DEFAULT 'ok' CHECK (outcome IN ('ok', 'denied', 'failed')),
  ip            text,
  user_agent    text,
  detail        jsonb
);
COMMENT ON TABLE audit_log IS 'Every staff read and write of personal data, reveals with their reason, logins and refusals. Insert-only: a trigger refuses UPDATE and DELETE; on PostgreSQL the application role also lacks those privileges.';
COMMENT ON COLUMN audit_log.subject_ids IS 'Persons whose data the action showed or changed (a search lists every person on the page).';
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_subjects_idx ON audit_log USING gin (subject_ids);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, at);

CREATE FUNCTION audit_log_is_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is insert-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_is_insert_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_insert_only();

CREATE TABLE resident_access_code (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  person_id  bigint NOT NULL REFERENCES person (id),
  code_hash  text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
COMMENT ON TABLE resident_access_code IS 'Access codes issued on a person''s file so the resident can sign in to the portal (until real identity login exists) and see who looked at their file. Stored as argon2id hashes.';
CREATE INDEX resident_access_code_person_idx ON resident_access_code (person_id);

CREATE TABLE resident_session (
  token_hash text PRIMARY KEY,
  person_id  bigint NOT NULL REFERENCES person (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
COMMENT ON TABLE resident_session IS 'Portal sessions of residents signed in with an access code.';
