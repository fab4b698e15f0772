-- The header row of an import file (for the rejected-rows download) and its warnings.
ALTER TABLE import_job ADD COLUMN header jsonb;
ALTER TABLE import_job ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]'::jsonb;
COMMENT ON COLUMN import_job.header IS 'The file''s header cells as read, in order; import_row_error.raw holds each rejected row''s cells in the same order.';
COMMENT ON COLUMN import_job.warnings IS 'Notes that did not stop the import, e.g. columns that were not recognised and ignored.';
