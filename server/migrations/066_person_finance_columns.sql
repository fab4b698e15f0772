-- A person's first two finance items (收入/财产) as typed columns, kept by PostgreSQL itself.
--
-- Batch policy runs sum every living person's current income and assets on the run's date
-- (server/src/modules/policy/inputs.ts, `finance`): the household members table and tekun's
-- supporter pass each take three totals of all 13.6 M persons of the demo city. Read out of the
-- jsonb array, a total costs ~0.48 µs a person (about nine jsonb look-ups and a numeric parse:
-- 6.5 s of CPU per total over the city, measured 2026-11-28); read from typed columns, a few
-- comparisons. Almost every person has none, one or two items (a wage or a pension), so the first
-- two are enough; a longer list still goes to policy_finance_total (migration 065), and
-- finance_count says which case a row is in.
--
-- Stored generated columns: computed on every write of `finance` by the database, so no writer can
-- leave them out of step, and they cannot be written directly. The registry validates items before
-- storing them (contracts FinanceItem: amount a finite number, dates YYYY-MM-DD), so the casts
-- below never fail on stored data. Period dates stay text, compared as the jsonb text was, under
-- the "C" collation (byte order, which is date order for YYYY-MM-DD, and cheaper than a locale's).
ALTER TABLE person
  ADD COLUMN finance_count  integer GENERATED ALWAYS AS (jsonb_array_length(finance)) STORED,
  ADD COLUMN finance0_kind  text COLLATE "C" GENERATED ALWAYS AS (finance->0->>'kind') STORED,
  ADD COLUMN finance0_category text COLLATE "C" GENERATED ALWAYS AS (finance->0->>'category') STORED,
  ADD COLUMN finance0_amount numeric GENERATED ALWAYS AS ((finance->0->>'amount')::numeric) STORED,
  ADD COLUMN finance0_from  text COLLATE "C" GENERATED ALWAYS AS (finance->0->>'periodFrom') STORED,
  ADD COLUMN finance0_to    text COLLATE "C" GENERATED ALWAYS AS (finance->0->>'periodTo') STORED,
  ADD COLUMN finance1_kind  text COLLATE "C" GENERATED ALWAYS AS (finance->1->>'kind') STORED,
  ADD COLUMN finance1_category text COLLATE "C" GENERATED ALWAYS AS (finance->1->>'category') STORED,
  ADD COLUMN finance1_amount numeric GENERATED ALWAYS AS ((finance->1->>'amount')::numeric) STORED,
  ADD COLUMN finance1_from  text COLLATE "C" GENERATED ALWAYS AS (finance->1->>'periodFrom') STORED,
  ADD COLUMN finance1_to    text COLLATE "C" GENERATED ALWAYS AS (finance->1->>'periodTo') STORED;

COMMENT ON COLUMN person.finance_count IS 'How many finance items the person has (generated from finance).';
COMMENT ON COLUMN person.finance0_amount IS 'The first finance item''s fields as typed columns (finance0_*, finance1_* for the second; generated from finance), for batch policy runs.';
