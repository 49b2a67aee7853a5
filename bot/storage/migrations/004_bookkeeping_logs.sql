-- First sightings and vote flags become append-only logs. Keyed by member hash or voter, each
-- new row went to a random place in its table; under a storm of newcomers every batch then
-- rewrote about one page per row (measured: 30-42 ms per 1,000 first sightings with 50,000-
-- 100,000 stored, against 1.1 ms appended). The bot writes each sighting and each flag once
-- (it keeps them in memory), and reading takes the earliest sighting and each flag once.
CREATE TABLE members_seen_log (
    platform    TEXT NOT NULL,
    workspace   TEXT NOT NULL,
    member      TEXT NOT NULL,   -- the keyed voter hash, never a user id
    first_seen  TEXT NOT NULL
);
INSERT INTO members_seen_log (platform, workspace, member, first_seen)
    SELECT platform, workspace, member, first_seen FROM members_seen;
DROP TABLE members_seen;
ALTER TABLE members_seen_log RENAME TO members_seen;

CREATE TABLE vote_flags_log (
    debate_id  INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    voter      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    stage      TEXT NOT NULL,
    at         TEXT NOT NULL
);
INSERT INTO vote_flags_log (debate_id, voter, reason, stage, at)
    SELECT debate_id, voter, reason, stage, at FROM vote_flags;
DROP TABLE vote_flags;
ALTER TABLE vote_flags_log RENAME TO vote_flags;
CREATE INDEX vote_flags_debate ON vote_flags (debate_id);  -- new debates have the highest ids: appended too
