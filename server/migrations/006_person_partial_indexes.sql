-- Household members and phone numbers are looked up by value (= $1), never as "no household" or
-- "no phone": persons without them need no index entry. A persons file carries no household (the
-- households file places persons later), so a bulk import of persons writes one index less per row.
DROP INDEX person_household_idx;
CREATE INDEX person_household_idx ON person (household_id) WHERE household_id IS NOT NULL;
DROP INDEX person_phone_idx;
CREATE INDEX person_phone_idx ON person (phone) WHERE phone IS NOT NULL;
COMMENT ON INDEX person_household_idx IS 'Members of a household (household_id = $1); persons without a household are not in it.';
COMMENT ON INDEX person_phone_idx IS 'Search by phone number (phone = $1); persons without a phone are not in it.';
