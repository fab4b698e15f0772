-- A person's creation stays on the person row itself (version 1: updated_at, updated_by,
-- change_reason and the row's own values) until the person first changes; only then is it copied
-- into record_history, together with the change. Registering or importing a person therefore
-- writes no history row: a bulk import of a city's persons no longer writes a second table with
-- three indexes for every row. Every reader of a person's history uses the view person_history,
-- which adds the creation of a never-changed person from the row. Persons registered before this
-- migration keep their creation snapshot in record_history; nothing is moved or lost.
DROP TRIGGER person_history_ins ON person;
DROP FUNCTION person_history_ins();

CREATE OR REPLACE FUNCTION person_history_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The first change: the creation, still on the old row, becomes history first (persons
  -- registered before migration 005 already have it: DO NOTHING).
  INSERT INTO record_history (entity, entity_id, version, changed_at, changed_by, reason, before, after)
  SELECT 'person', o.id, o.version, o.updated_at, o.updated_by, o.change_reason, NULL, person_snapshot(o)
  FROM old_rows o JOIN new_rows n ON n.id = o.id
  WHERE o.version = 1 AND n.version <> o.version
  ON CONFLICT (entity, entity_id, version) DO NOTHING;
  INSERT INTO record_history (entity, entity_id, version, changed_at, changed_by, reason, before, after)
  SELECT 'person', n.id, n.version, n.updated_at, n.updated_by, n.change_reason, person_snapshot(o), person_snapshot(n)
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE n.version <> o.version;
  RETURN NULL;
END $$;

CREATE VIEW person_history AS
  SELECT h.entity_id AS person_id, h.version, h.changed_at, h.changed_by, h.reason, h.before, h.after
  FROM record_history h WHERE h.entity = 'person'
  UNION ALL
  SELECT p.id, p.version, p.updated_at, p.updated_by, p.change_reason, NULL::jsonb, person_snapshot(p)
  FROM person p
  WHERE p.version = 1
    AND NOT EXISTS (SELECT 1 FROM record_history c WHERE c.entity = 'person' AND c.entity_id = p.id AND c.version = 1);

COMMENT ON VIEW person_history IS 'Every version of every person: who, when, why, before and after (before is NULL for the creation). The snapshots in record_history, plus the creation of a person never changed since it was registered, read from the person row. Read a person''s history here, never from record_history alone.';
COMMENT ON TABLE record_history IS 'One snapshot per change of a person or household: who, when, why, the state before and after. A household''s creation is here from the start; a person''s creation is copied here from the person row at its first change (migration 005), so read persons through the view person_history. The latest snapshot at or before a date is the record as of that date.';
COMMENT ON TABLE person IS 'Person file 一人一档: identity (citizen ID per GB 11643), residence and household registration 户籍, disability, ability level 能力等级, living arrangement, income and asset items. Current state; a version-1 row is also its own creation record (updated_at/updated_by/change_reason), every later change is in record_history (see the view person_history).';
COMMENT ON COLUMN person.change_reason IS 'Why the last change was made; copied into record_history by trigger (the creation''s reason, at the first change).';
COMMENT ON FUNCTION person_history_upd() IS 'Statement-level: one history row per person whose version moved, preceded at a person''s first change by its creation copied from the old row.';
