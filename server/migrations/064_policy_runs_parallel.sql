-- policy_fence(): the fence between the stages of a compiled policy query (@minsheng/rules,
-- SQL_SETUP; a test holds this file equal to it). VOLATILE, so PostgreSQL never pulls a stage up
-- into the next one (which would copy each expression into every place that reads it); PARALLEL
-- SAFE and inlined to `true` at planning, so the query still runs in parallel workers at no cost
-- per row. The former fence, OFFSET 0, allowed no parallel plan: every batch run used one core.
CREATE OR REPLACE FUNCTION policy_fence() RETURNS boolean LANGUAGE sql VOLATILE PARALLEL SAFE AS 'SELECT true';

-- A run's decisions in one pass that may run in parallel workers (policy service, decisionTable):
-- `count(*)` gives the total, and policy_collect the decisions to store, each worker collecting its
-- own and the leader joining them (array_append works in place: linear in the rows collected).
CREATE TYPE policy_run_row AS (id bigint, eligible boolean, outcome text, amount numeric, failed_rules text[], error text);
CREATE AGGREGATE policy_collect(policy_run_row) (
  SFUNC = array_append, STYPE = policy_run_row[], COMBINEFUNC = array_cat, INITCOND = '{}', PARALLEL = SAFE
);
