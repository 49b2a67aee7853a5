-- First sightings and vote flags become append-only logs, as in ../004_bookkeeping_logs.sql:
-- the bot writes each sighting and each flag once (it keeps them in memory), and reading takes
-- the earliest sighting and each flag once. Their rows stay; only the unique keys go.
ALTER TABLE members_seen DROP CONSTRAINT members_seen_pkey;
ALTER TABLE vote_flags DROP CONSTRAINT vote_flags_pkey;
CREATE INDEX vote_flags_debate ON vote_flags (debate_id);
