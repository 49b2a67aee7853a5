-- The PostgreSQL form of ../007_owed_announcements.sql: announcements owed, in the row itself.
ALTER TABLE debates ADD COLUMN announced integer NOT NULL DEFAULT -1;
UPDATE debates SET announced = CASE WHEN state = 'ended' THEN phase_index + 1 ELSE phase_index END;
CREATE INDEX debates_owed ON debates (id) WHERE state = 'ended' AND announced <= phase_index;
ALTER TABLE polls ADD COLUMN announced integer NOT NULL DEFAULT 0;
UPDATE polls SET announced = 1 WHERE closed_at IS NOT NULL;
CREATE INDEX polls_owed ON polls (id) WHERE closed_at IS NOT NULL AND announced = 0;
