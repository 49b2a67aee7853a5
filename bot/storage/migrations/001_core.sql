-- Debates, their participants, speeches, questions and votes; the audit log; channel settings.
CREATE TABLE debates (
    id                 INTEGER PRIMARY KEY,
    platform           TEXT NOT NULL,
    workspace          TEXT NOT NULL,
    channel            TEXT NOT NULL,   -- where the debate lives (its thread, where there is one)
    parent_channel     TEXT NOT NULL,   -- where it was started
    motion_id          TEXT NOT NULL,
    motion_title       TEXT NOT NULL,
    motion_text        TEXT NOT NULL,
    format_id          TEXT NOT NULL,
    language           TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    phase_index        INTEGER NOT NULL DEFAULT 0,
    state              TEXT NOT NULL,
    deadline           TEXT,
    paused_remaining   REAL,
    anonymous          INTEGER NOT NULL DEFAULT 0,
    ended_at           TEXT,
    messages           TEXT NOT NULL DEFAULT '{}'   -- JSON: opening and tally message ids
);
CREATE INDEX debates_open ON debates (state) WHERE state != 'ended';
CREATE INDEX debates_place ON debates (platform, workspace, channel);

CREATE TABLE participants (
    debate_id  INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    joined_at  TEXT NOT NULL,
    PRIMARY KEY (debate_id, user_id)
) WITHOUT ROWID;

CREATE TABLE speeches (
    id           INTEGER PRIMARY KEY,
    debate_id    INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    phase_index  INTEGER NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    side         TEXT NOT NULL,
    text         TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX speeches_debate ON speeches (debate_id);

CREATE TABLE questions (
    id         INTEGER PRIMARY KEY,
    debate_id  INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    text       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending',
    reason     TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL
);
CREATE INDEX questions_debate ON questions (debate_id);

-- One ballot per (debate, stage, voter); `voter` is a keyed hash in anonymous debates.
CREATE TABLE votes (
    debate_id  INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    stage      TEXT NOT NULL,
    voter      TEXT NOT NULL,
    choice     TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (debate_id, stage, voter)
) WITHOUT ROWID;

CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    debate_id  INTEGER,
    details    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_place ON audit (platform, workspace, at);

CREATE TABLE channel_settings (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    language   TEXT,
    PRIMARY KEY (platform, workspace, channel)
) WITHOUT ROWID;
