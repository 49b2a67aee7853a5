-- Several processes (or a restarted one) on one database keep their caches honest with these:
-- `version` counts the changes of a debate's own row (phase, state, deadline, messages), each
-- made by a compare-and-set, so two processes never both move a debate on; `touched` counts the
-- changes of its people, speeches and questions. `generations` counts the changes of shared
-- state that every process enforces (moderation), so each reloads it when the count moves.
ALTER TABLE debates ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE debates ADD COLUMN touched INTEGER NOT NULL DEFAULT 0;
CREATE TABLE generations (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
) WITHOUT ROWID;
