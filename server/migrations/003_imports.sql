CREATE TABLE import_job (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('persons', 'households', 'relations')),
  file_name   text NOT NULL,
  encoding    text,
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  processed   integer NOT NULL DEFAULT 0,
  accepted    integer NOT NULL DEFAULT 0,
  rejected    integer NOT NULL DEFAULT 0,
  failure     text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  started_by  text NOT NULL
);
COMMENT ON TABLE import_job IS 'One bulk import of persons, households or relations from a CSV/XLSX file, with its progress and counts.';

CREATE TABLE import_row_error (
  job_id  bigint NOT NULL REFERENCES import_job (id) ON DELETE CASCADE,
  row_no  integer NOT NULL,
  field   text NOT NULL,
  message text NOT NULL,
  raw     jsonb NOT NULL
);
COMMENT ON TABLE import_row_error IS 'Rejected rows of an import: row number in the file, the field and the reason, and the raw row for the rejected-rows download.';
CREATE INDEX import_row_error_job_idx ON import_row_error (job_id, row_no);
