-- Medical settlements' (医保结算) out-of-pocket amounts by household, read from an index.
--
-- The 刚性支出 rule (tianjin/rigid-expenditure-hardship) sums each household's out-of-pocket
-- medical spending of the last 12 months (server/src/modules/policy/inputs.ts, `medical`). Over
-- the feed table itself that is a scan of every feed row (27.2 M rows, 5.9 GB on the demo city)
-- and the amount parsed out of each medical row's jsonb: 6.4–7.4 s for each of the two parts a
-- family run makes it in (2026-11-29). The amount as a typed column (generated from `data`, so it
-- is never out of step) and a partial index holding the medical rows in household order with
-- their date and amount let the sum read the index alone (an index-only scan: a fraction of the
-- table's pages, no sort before the grouping).
ALTER TABLE feed_row
  ADD COLUMN out_of_pocket numeric GENERATED ALWAYS AS (CASE WHEN feed_type = 'medical' THEN (data->>'outOfPocket')::numeric END) STORED;
COMMENT ON COLUMN feed_row.out_of_pocket IS 'A medical settlement''s out-of-pocket amount (data.outOfPocket; generated), NULL for other feeds.';

CREATE INDEX feed_row_medical_household_idx ON feed_row (household_id) INCLUDE (event_date, out_of_pocket)
  WHERE feed_type = 'medical' AND household_id IS NOT NULL;
COMMENT ON INDEX feed_row_medical_household_idx IS 'Medical rows by household with date and amount: the 12-month out-of-pocket sums of policy runs, read from the index alone.';
