-- The planner's count of distinct households (and persons) where rows are grouped by them.
--
-- ANALYZE estimates a column's distinct values from a sample of ~30,000 rows, and underestimates
-- badly when equal values are stored side by side: a household's members are registered together,
-- and a feed's rows arrive person by person. On the 10 M-person demo city (4,075,187 households)
-- it put person.household_id at 366,162 distinct values and feed_row.household_id at 413,545
-- (11x and 10x too few). A whole-registry monitoring rule grouping a year of medical settlements
-- by household then planned a hash aggregate for 400,000 groups that spilled 4 million, and a
-- hash join and sort around it: 55.6 s for the medical-spending rule; with the counts below,
-- 40.5 s (EXPLAIN ANALYZE, same data, same session; docs/benchmarks.md).
--
-- A negative n_distinct is a fraction of the rows, so it scales with the table:
--  * person.household_id: -0.4, i.e. 2.5 persons a household (Tianjin's 2020 census: 2.48; the
--    demo city: 2.45).
--  * feed_row.household_id: -0.2 and feed_row.person_id: -0.5 (the demo feeds: 0.204 and 0.5).
--    A real feed table keeps years of rows for the same persons, so the true fractions fall over
--    time; an overestimate only makes the planner choose sort-based grouping, which stays fast,
--    where an underestimate plans hash tables that spill.
-- They take effect at the next ANALYZE (autovacuum's, or the demo generator's and the bench's).
ALTER TABLE person ALTER COLUMN household_id SET (n_distinct = -0.4);
ALTER TABLE feed_row ALTER COLUMN household_id SET (n_distinct = -0.2);
ALTER TABLE feed_row ALTER COLUMN person_id SET (n_distinct = -0.5);
