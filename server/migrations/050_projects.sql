-- People's livelihood projects (民心工程): the annual plan as data (plan year → category → project →
-- task), and an append-only history of department reports, reviews and evidence. Everything a task
-- "is now" (status, actual figures, actual dates, milestones done) is derived from its PUBLISHED
-- reports; the task rows hold only the plan.

CREATE TABLE project_plan (
  year              integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
  title             text NOT NULL,
  -- Headline figures as announced (20 projects, 66 tasks, 19 lead departments, 1,402 suggestions).
  headline          jsonb NOT NULL,
  source            jsonb NOT NULL,
  coverage_note     text NOT NULL,
  coverage_note_en  text NOT NULL,
  loaded_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE project_plan IS 'An annual 民心工程 plan: headline figures with their source, and an honest note on how much of the plan the public sources list.';

CREATE TABLE project_department (
  code       text PRIMARY KEY CHECK (code ~ '^[a-z0-9-]{2,40}$'),
  name       text NOT NULL UNIQUE,
  full_name  text NOT NULL UNIQUE
);
COMMENT ON TABLE project_department IS 'Lead and co-lead departments 牵头/配合部门 (市城市管理委 …). A reporter account belongs to one (project_reporter, or its office name).';

CREATE TABLE project_reporter (
  user_id          bigint PRIMARY KEY REFERENCES staff_user (id),
  department_code  text NOT NULL REFERENCES project_department (code),
  assigned_by      text NOT NULL,
  assigned_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE project_reporter IS 'Which department a staff account reports for (牵头部门填报员); without a row the account''s office name is matched to the department''s full or short name.';

CREATE TABLE project_category (
  plan_year            integer NOT NULL REFERENCES project_plan (year),
  code                 text NOT NULL,
  no                   integer NOT NULL,
  title                text NOT NULL,
  official_task_count  integer NOT NULL CHECK (official_task_count >= 0),
  PRIMARY KEY (plan_year, code)
);
COMMENT ON TABLE project_category IS 'The plan''s categories (四大类) with the task counts the city announced (11 / 19 / 25 / 11 in 2026).';

CREATE TABLE project (
  id             serial PRIMARY KEY,
  plan_year      integer NOT NULL,
  code           text NOT NULL,
  category_code  text NOT NULL,
  title          text NOT NULL,
  official_name  boolean NOT NULL,
  description    text,
  UNIQUE (plan_year, code),
  FOREIGN KEY (plan_year, category_code) REFERENCES project_category (plan_year, code)
);
COMMENT ON TABLE project IS 'A project 项 of the plan. official_name is false when the sources do not name it and Minsheng groups the listed tasks under a descriptive title.';

CREATE TABLE project_task (
  id               serial PRIMARY KEY,
  plan_year        integer NOT NULL REFERENCES project_plan (year),
  code             text NOT NULL CHECK (code ~ '^[a-z0-9-]{2,40}$'),
  project_id       integer NOT NULL REFERENCES project (id),
  sort             integer NOT NULL DEFAULT 0,
  title            text NOT NULL,
  description      text,
  lead_department  text NOT NULL REFERENCES project_department (code),
  co_lead          text[] NOT NULL DEFAULT '{}',
  -- District codes (12 digits); empty = city-wide 全市.
  districts        text[] NOT NULL DEFAULT '{}',
  -- [{key, label, unit, target, atLeast}]
  targets          jsonb NOT NULL DEFAULT '[]',
  planned_start    date,
  planned_end      date,
  weight           numeric NOT NULL DEFAULT 1 CHECK (weight > 0),
  source           jsonb NOT NULL,
  UNIQUE (plan_year, code),
  CHECK (planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start)
);
COMMENT ON TABLE project_task IS 'A concrete task 具体工作 with its lead department, quantified targets, districts, planned dates and progress weight; the plan only (progress comes from published reports).';
CREATE INDEX project_task_dept_idx ON project_task (lead_department);

CREATE TABLE project_milestone (
  id            serial PRIMARY KEY,
  task_id       integer NOT NULL REFERENCES project_task (id),
  seq           integer NOT NULL,
  title         text NOT NULL,
  planned_date  date,
  weight        numeric NOT NULL DEFAULT 1 CHECK (weight > 0),
  UNIQUE (task_id, seq)
);
COMMENT ON TABLE project_milestone IS 'Milestones 节点 of a task with their weights; a milestone is done when a published report says so.';

CREATE TABLE project_update (
  id               bigserial PRIMARY KEY,
  task_id          integer NOT NULL REFERENCES project_task (id),
  client_key       text,
  status           text NOT NULL CHECK (status IN ('not-started', 'in-progress', 'completed', 'suspended')),
  progress         numeric CHECK (progress IS NULL OR (progress >= 0 AND progress <= 1)),
  note             text NOT NULL,
  figures          jsonb NOT NULL DEFAULT '{}',
  milestones_done  integer[] NOT NULL DEFAULT '{}',
  actual_start     date,
  actual_end       date,
  department_code  text NOT NULL REFERENCES project_department (code),
  reporter_user_id bigint REFERENCES staff_user (id),
  reporter_name    text NOT NULL,
  reported_at      timestamptz NOT NULL DEFAULT now(),
  example          boolean NOT NULL DEFAULT false,
  UNIQUE (task_id, client_key)
);
COMMENT ON TABLE project_update IS 'Append-only progress reports of a department (填报): status, figures, milestones done, with evidence; public only after an approving review.';
CREATE INDEX project_update_task_idx ON project_update (task_id, reported_at DESC);

CREATE TABLE project_review (
  update_id        bigint PRIMARY KEY REFERENCES project_update (id),
  decision         text NOT NULL CHECK (decision IN ('approve', 'return')),
  comment          text NOT NULL DEFAULT '',
  reviewer_user_id bigint REFERENCES staff_user (id),
  reviewer_name    text NOT NULL,
  reviewer_office  text NOT NULL,
  reviewed_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE project_review IS 'The city office''s one review per report (审核): approve publishes it, return sends it back with a comment (the department files a new report). Append-only.';

CREATE TABLE project_evidence (
  id               bigserial PRIMARY KEY,
  update_id        bigint REFERENCES project_update (id),
  kind             text NOT NULL CHECK (kind IN ('photo', 'document', 'link', 'figures')),
  title            text NOT NULL,
  url              text,
  mime             text,
  bytes            integer,
  sha256           text,
  content          bytea,
  figures          jsonb,
  uploader_user_id bigint REFERENCES staff_user (id),
  department_code  text REFERENCES project_department (code),
  uploaded_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind IN ('photo', 'document')) = (content IS NOT NULL))
);
COMMENT ON TABLE project_evidence IS 'Evidence behind a report 佐证材料: photos and documents (bytes sniffed and stored here, in the database, so several servers share them), links and figures. An upload is unattached (update_id NULL) until its report is filed.';
CREATE INDEX project_evidence_update_idx ON project_evidence (update_id);
