-- A household's members (户内成员) as the batch policy runs group them, read from an index.
--
-- The members table of a family run (server/src/modules/policy/inputs.ts, the household's
-- `members` list reduced to aggregates: its size, income and assets) groups every living person
-- of the city by household: two full scans of the person table (4.6 GB for the 13.6 M-person demo
-- city, 340 bytes a row), one for each half of the households, to read a dozen narrow columns.
-- This index holds exactly those columns in household order (0.9 GB): the grouping reads the
-- index alone (an index-only scan: 15.0 -> 10.9 s a half on the 2026-11-29 machine). It is not
-- partial: the persons without a household are grouped too (under no key). person_household_idx
-- stays: monitoring's household pass (issue 5) was measured reading it, and it is a quarter the size (215 MB).
--
-- finance_more: the whole finance list when it has more than two items, else NULL. The batch
-- totals read the first two items from their typed columns (migration 066) and only a longer list
-- from the jsonb; reading it from this column instead of `finance` lets the index hold it (NULL
-- costs nothing for the almost everyone who has at most two items) so that no run needs the table.
ALTER TABLE person
  ADD COLUMN finance_more jsonb GENERATED ALWAYS AS (CASE WHEN jsonb_array_length(finance) > 2 THEN finance END) STORED;
COMMENT ON COLUMN person.finance_more IS 'The finance list when it has more than two items, else NULL (generated from finance): batch policy runs read longer lists from here.';

CREATE INDEX person_members_idx ON person (household_id) INCLUDE (birth_date, deceased_on, finance_count,
  finance0_kind, finance0_category, finance0_amount, finance0_from, finance0_to,
  finance1_kind, finance1_category, finance1_amount, finance1_from, finance1_to, finance_more);
COMMENT ON INDEX person_members_idx IS 'Persons by household with the columns a household''s members table reads (living, finance totals): batch policy runs group them from the index alone.';
