-- Whole-registry monitoring runs group each windowed aggregate's feed rows once (GROUP BY person):
-- the rows of one feed type in a date window. Without this index every aggregate read all feed rows
-- through the (person_id, feed_type, event_date) index — 46 ms at 218,000 rows for 1,038 disability
-- certificates, 0.8 ms with it; at the city's 20 M rows (mostly medical) seconds per aggregate.
-- Cost on import: one more btree entry per matched row (measured in docs/benchmarks.md).
CREATE INDEX feed_row_type_date_idx ON feed_row (feed_type, event_date) WHERE person_id IS NOT NULL;
COMMENT ON INDEX feed_row_type_date_idx IS 'Feed rows of one type in a date window (the windowed aggregates of a monitoring run), matched rows only.';
