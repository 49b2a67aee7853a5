-- Announcements owed, recorded with the change that owes them (an outbox in the row itself):
-- a debate has announced its phases up to `announced` (-1: none yet), and its result once
-- `announced` passes its last phase index; a poll has announced its result when `announced` = 1.
-- What a crash left owed is posted at the next start, or by another process.
ALTER TABLE debates ADD COLUMN announced INTEGER NOT NULL DEFAULT -1;
UPDATE debates SET announced = CASE WHEN state = 'ended' THEN phase_index + 1 ELSE phase_index END;
CREATE INDEX debates_owed ON debates (id) WHERE state = 'ended' AND announced <= phase_index;
ALTER TABLE polls ADD COLUMN announced INTEGER NOT NULL DEFAULT 0;
UPDATE polls SET announced = 1 WHERE closed_at IS NOT NULL;
CREATE INDEX polls_owed ON polls (id) WHERE closed_at IS NOT NULL AND announced = 0;
