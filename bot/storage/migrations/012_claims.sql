-- Argument maps (issue #19): the claims of a debate or discussion, their impact ratings, and
-- which maps a moderator revealed. `space` is `debate:<id>` or `discuss:<id>`. A removed claim
-- keeps its row (`removed_at`): its subtree is hidden, the audit log names it.
CREATE TABLE claims (
    id           INTEGER PRIMARY KEY,
    space        TEXT NOT NULL,
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    parent_id    INTEGER REFERENCES claims (id),  -- NULL: on the thesis (motion or topic)
    side         TEXT NOT NULL CHECK (side IN ('pro', 'con')),
    text         TEXT NOT NULL,
    author_id    TEXT NOT NULL,
    author_name  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    edited_at    TEXT,
    removed_at   TEXT,
    removed_by   TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL DEFAULT '',        -- where its card was posted
    message_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX claims_space ON claims (space, platform, workspace);

-- One rating per (claim, rater), changeable; `rater` is a keyed hash in anonymous debates,
-- and `at` then the epoch (a time could name the rater).
CREATE TABLE claim_ratings (
    claim_id  INTEGER NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    rater     TEXT NOT NULL,
    impact    INTEGER NOT NULL CHECK (impact BETWEEN 0 AND 4),
    at        TEXT NOT NULL,
    PRIMARY KEY (claim_id, rater)
) WITHOUT ROWID;

CREATE TABLE claim_reveals (
    space  TEXT PRIMARY KEY,
    by     TEXT NOT NULL,
    at     TEXT NOT NULL
);
