-- The functions of migration 060 only read tables: declared PARALLEL SAFE, so a query that reads
-- the latest verdicts can still use parallel workers. Without it (a SQL function is PARALLEL UNSAFE
-- unless declared), every whole-registry monitoring rule query that reads an assistance category
-- ran on one core: the 10 M-person city's medical rule went from a parallel grouping of its 10.5 M
-- feed rows to a single-process one that spilled 1 GB to disk (44.8 s -> 79.1 s, docs/benchmarks.md).
ALTER FUNCTION policy_run_covers(bigint, text[], text, bigint) PARALLEL SAFE;
ALTER FUNCTION policy_latest_verdicts(text, text, date) PARALLEL SAFE;
ALTER FUNCTION policy_latest_decision(text, text, bigint, date) PARALLEL SAFE;
