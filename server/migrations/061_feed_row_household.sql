-- A matched feed row carries its person's household (户), kept in step by triggers.
--
-- Household rules of a monitoring run (e.g. the 12-month out-of-pocket medical spending of all
-- members) group feed rows by household. Without this column every such aggregate joined the
-- window's feed rows to person for the household: on the 13.6 M-person demo city, 14.3 M medical
-- rows against 13.6 M persons, about 25 s of a 63 s rule query (docs/benchmarks.md, issue 5).
-- With it the aggregate is one grouped pass over the feed rows alone.
--
-- The value is always the CURRENT household of the row's person (what the per-entity path reads
-- through person.household_id), never the household at the event date:
--  - a row is matched (person_id set on insert or by a later match / staff review): its person's household;
--  - a person moves to another household or leaves one: their rows follow (one index range of
--    feed_row_person_idx per moved person).
-- A writer may supply household_id itself on INSERT only as its person's current household (the SQL
-- demo feed generator does, from the same person row it reads); otherwise the trigger looks it up.

ALTER TABLE feed_row ADD COLUMN household_id bigint;
COMMENT ON COLUMN feed_row.household_id IS 'The current household of person_id (copied; maintained by triggers on feed_row and person), for household aggregates without a join to person.';

UPDATE feed_row r SET household_id = p.household_id FROM person p WHERE p.id = r.person_id AND p.household_id IS NOT NULL;

CREATE FUNCTION feed_row_set_household() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.household_id := (SELECT p.household_id FROM person p WHERE p.id = NEW.person_id);
  RETURN NEW;
END $$;

CREATE TRIGGER feed_row_household_on_insert BEFORE INSERT ON feed_row
  FOR EACH ROW WHEN (NEW.person_id IS NOT NULL AND NEW.household_id IS NULL) EXECUTE FUNCTION feed_row_set_household();
CREATE TRIGGER feed_row_household_on_match BEFORE UPDATE OF person_id, household_id ON feed_row
  FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id OR OLD.household_id IS DISTINCT FROM NEW.household_id) EXECUTE FUNCTION feed_row_set_household();

CREATE FUNCTION person_moves_feed_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE feed_row SET household_id = NEW.household_id WHERE person_id = NEW.id AND household_id IS DISTINCT FROM NEW.household_id;
  RETURN NULL;
END $$;

CREATE TRIGGER person_household_to_feed_rows AFTER UPDATE OF household_id ON person
  FOR EACH ROW WHEN (OLD.household_id IS DISTINCT FROM NEW.household_id) EXECUTE FUNCTION person_moves_feed_rows();
