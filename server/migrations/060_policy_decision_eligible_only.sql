-- ADR 0004, option 2 (with option 0): a batch run stores only its eligible and its error
-- decisions; a done run covers its scope, and an entity it covers without a row in it was decided
-- "not eligible" on the run's date. Every reader asks the two functions below instead of reading
-- policy_decision's rows as "the latest decision".
--
-- Rows of non-eligible decisions written before this migration are left in place: the functions
-- read only eligible and error rows as verdicts, and a run with a row for an entity covers it, so
-- the answers are the same with or without them (delete them at leisure:
-- DELETE FROM policy_decision WHERE eligible IS NOT TRUE AND error IS NULL).

-- The run's row is written before its decisions in the same code path (runPolicy); the per-row key
-- check was more than half of the insert's cost. Code that deletes a run deletes its decisions.
ALTER TABLE policy_decision DROP CONSTRAINT IF EXISTS policy_decision_run_id_fkey;

-- The first error message of the run (the smallest, as `min(error)` over its error decisions), for
-- the console; NULL when the run had no errors.
ALTER TABLE policy_run ADD COLUMN first_error text;
COMMENT ON COLUMN policy_run.first_error IS 'The message of the run''s first data error (min(error) over its error decisions); NULL without errors.';
UPDATE policy_run r SET first_error = (SELECT min(d.error) FROM policy_decision d WHERE d.run_id = r.id AND d.error IS NOT NULL)
WHERE r.errors > 0;

COMMENT ON TABLE policy_decision IS 'The eligible and the error decisions of one batch run, one row per person or household: outcome, eligibility, monthly amount (CNY); NULLs with error when the registry data could not be decided. An entity in the scope of a done run without a row in it was decided not eligible (policy_run.total counts every decided entity); read through policy_latest_verdicts / policy_latest_decision. Rows written before migration 060 may also hold non-eligible decisions.';
COMMENT ON COLUMN policy_run.total IS 'Persons or households decided by the run (eligible, not eligible and errors); only eligible and error decisions are stored in policy_decision.';
COMMENT ON COLUMN policy_run.scope IS 'Region prefixes (''120101*'') and grids (''grid:ID'') the run decided; empty = the whole city. The run covers an entity whose residence community starts with a prefix or whose grid is listed (the entity''s current record).';

-- "The latest done run of a policy on or before a date": by date, then by id.
CREATE INDEX policy_run_latest_idx ON policy_run (policy_id, on_date DESC, id DESC) WHERE status = 'done';

-- Whether a run's scope (policy_run.scope) covers a residence community / grid.
CREATE FUNCTION policy_scope_covers(run_scope text[], community text, grid text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT cardinality(run_scope) = 0 OR EXISTS (
    SELECT 1 FROM unnest(run_scope) AS s(p)
    WHERE CASE WHEN s.p LIKE 'grid:%' THEN substr(s.p, 6) = grid ELSE community LIKE rtrim(s.p, '*') || '%' END)
$$;
COMMENT ON FUNCTION policy_scope_covers(text[], text, text) IS 'Whether a policy run''s scope covers a residence community or grid (empty scope = the whole city).';

-- Whether a done run covers an entity: its scope covers the entity's current residence community
-- or grid, or the run has a row for it (it was in scope when the run ran, and has moved since).
CREATE FUNCTION policy_run_covers(run_id bigint, run_scope text[], entity text, entity_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT cardinality(run_scope) = 0
    OR EXISTS (SELECT 1 FROM policy_decision x WHERE x.run_id = $1 AND x.entity = $3 AND x.entity_id = $4)
    OR CASE $3
         WHEN 'person' THEN EXISTS (SELECT 1 FROM person e WHERE e.id = $4 AND policy_scope_covers($2, e.residence_community, e.grid_id))
         ELSE EXISTS (SELECT 1 FROM household e WHERE e.id = $4 AND policy_scope_covers($2, e.residence_community, e.grid_id))
       END
$$;
COMMENT ON FUNCTION policy_run_covers(bigint, text[], text, bigint) IS 'Whether a policy run decided an entity: its scope covers the entity''s residence community or grid, or it has a row for it.';

-- For every entity whose latest verdict of the policy on or before the date is stored (eligible,
-- or an error: eligible NULL): that verdict. The latest verdict is the one of the latest done run
-- of the policy on or before the date that covers the entity; an entity absent here is not
-- eligible (its latest covering run has no row for it, or no run covers it). For batch readers:
-- join it by entity_id; `WHERE eligible` for the eligible ones.
CREATE FUNCTION policy_latest_verdicts(policy text, entity text, on_date date)
RETURNS TABLE (entity_id bigint, run_id bigint, run_on date, eligible boolean, outcome text, amount numeric, error text)
LANGUAGE sql STABLE AS $$
  SELECT d.entity_id, d.run_id, r.on_date, d.eligible, d.outcome, d.amount, d.error
  FROM policy_decision d JOIN policy_run r ON r.id = d.run_id AND r.status = 'done'
  WHERE d.policy_id = $1 AND d.entity = $2 AND d.on_date <= $3
    AND (d.eligible OR d.error IS NOT NULL)
    AND NOT EXISTS (
      SELECT 1 FROM policy_run l
      WHERE l.policy_id = $1 AND l.status = 'done' AND l.on_date <= $3
        AND (l.on_date > r.on_date OR (l.on_date = r.on_date AND l.id > r.id))
        AND (cardinality(l.scope) = 0 OR policy_run_covers(l.id, l.scope, $2, d.entity_id)))
$$;
COMMENT ON FUNCTION policy_latest_verdicts(text, text, date) IS 'The stored latest verdicts of a policy on or before a date (eligible, or error with eligible NULL), one row per entity; an entity absent is not eligible.';

-- One entity's latest decision of the policy on or before the date: the latest done run covering
-- it, and its row in that run (eligible, or an error) or, without a row, not eligible (eligible
-- false, outcome NULL). No row at all when no done run covers the entity.
CREATE FUNCTION policy_latest_decision(policy text, entity text, entity_id bigint, on_date date)
RETURNS TABLE (run_id bigint, run_on date, eligible boolean, outcome text, amount numeric, error text)
LANGUAGE sql STABLE AS $$
  SELECT r.id, r.on_date, CASE WHEN d.run_id IS NULL THEN false ELSE d.eligible END, d.outcome, d.amount, d.error
  FROM policy_run r LEFT JOIN policy_decision d ON d.run_id = r.id AND d.entity = $2 AND d.entity_id = $3
  WHERE r.policy_id = $1 AND r.status = 'done' AND r.on_date <= $4
    AND (d.run_id IS NOT NULL OR cardinality(r.scope) = 0 OR policy_run_covers(r.id, r.scope, $2, $3))
  ORDER BY r.on_date DESC, r.id DESC
  LIMIT 1
$$;
COMMENT ON FUNCTION policy_latest_decision(text, text, bigint, date) IS 'One entity''s latest decision of a policy on or before a date: the latest done run covering it, eligible/error from its row there, or not eligible without one.';
