-- Standalone polls and their ballots.
CREATE TABLE polls (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    channel      TEXT NOT NULL,
    question     TEXT NOT NULL,
    options      TEXT NOT NULL,               -- JSON list of option texts
    mode         TEXT NOT NULL,               -- single | multi | ranked
    max_choices  INTEGER NOT NULL,
    anonymous    INTEGER NOT NULL DEFAULT 0,
    tally        TEXT NOT NULL DEFAULT 'live', -- live | hidden
    language     TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    closes_at    TEXT,
    closed_at    TEXT,
    closed_by    TEXT NOT NULL DEFAULT '',    -- deadline | moderator
    message_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX polls_open ON polls (closed_at) WHERE closed_at IS NULL;
CREATE INDEX polls_place ON polls (platform, workspace, channel);

-- One ballot per (poll, voter); `voter` is a keyed hash in anonymous polls, never the id.
CREATE TABLE poll_ballots (
    poll_id  INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter    TEXT NOT NULL,
    name     TEXT NOT NULL DEFAULT '',        -- display name; '' in anonymous polls
    choices  TEXT NOT NULL,                   -- JSON list of option indices, best first
    at       TEXT NOT NULL,
    PRIMARY KEY (poll_id, voter)
) WITHOUT ROWID;
