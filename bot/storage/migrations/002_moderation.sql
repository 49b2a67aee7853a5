-- Moderation: strikes, mutes, removals, the word list of each workspace, moderator roles, the
-- moderator log channel, slow mode, discussion threads, vote flags and when users were first seen.
-- Everything a workspace owns is keyed by platform + workspace.
CREATE TABLE strikes (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    at         TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    by_user    TEXT NOT NULL,
    debate_id  INTEGER
);
CREATE INDEX strikes_user ON strikes (platform, workspace, user_id, at);

-- One mute per user and workspace; `channel` is where it was given (its end is told there).
CREATE TABLE mutes (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    until      TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    by_user    TEXT NOT NULL,
    channel    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (platform, workspace, user_id)
) WITHOUT ROWID;

-- Users removed from a debate ("debate:<id>") or a discussion ("discuss:<id>") for the rest of it.
CREATE TABLE removals (
    scope      TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    at         TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scope, user_id)
) WITHOUT ROWID;

-- The workspace's own word list on top of the shipped one; allowed = 1 for the allow list.
CREATE TABLE filter_words (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    word       TEXT NOT NULL,
    allowed    INTEGER NOT NULL DEFAULT 0,
    added_by   TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, word, allowed)
) WITHOUT ROWID;

CREATE TABLE moderator_roles (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    role       TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, role)
) WITHOUT ROWID;

CREATE TABLE log_channels (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    PRIMARY KEY (platform, workspace)
) WITHOUT ROWID;

-- Slow mode of a running debate or open discussion (scope as in `removals`).
CREATE TABLE slowmodes (
    scope      TEXT PRIMARY KEY,
    seconds    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE discussions (
    id              INTEGER PRIMARY KEY,
    platform        TEXT NOT NULL,
    workspace       TEXT NOT NULL,
    channel         TEXT NOT NULL,   -- the discussion's own thread or room
    parent_channel  TEXT NOT NULL,   -- where it was opened
    topic           TEXT NOT NULL,
    language        TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    closed_at       TEXT
);
CREATE INDEX discussions_open ON discussions (closed_at) WHERE closed_at IS NULL;

-- Ballots a moderator should look at; `voter` is the same key as in `votes` (a hash when anonymous).
CREATE TABLE vote_flags (
    debate_id  INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    voter      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    stage      TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (debate_id, voter, reason)
) WITHOUT ROWID;

-- Participants who joined a debate after its pre-vote had closed.
CREATE TABLE late_joins (
    debate_id  INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (debate_id, user_id)
) WITHOUT ROWID;

-- When the bot first saw a user act in a workspace (who counts as a new participant), keyed by
-- the keyed voter hash rather than the user id: it is recorded on anonymous votes too.
CREATE TABLE members_seen (
    platform    TEXT NOT NULL,
    workspace   TEXT NOT NULL,
    member      TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, member)
) WITHOUT ROWID;
