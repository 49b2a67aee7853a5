-- Installations of the Slack app in many workspaces (OAuth), and the one-time `state` values of
-- installs in progress. `sealed` is the whole installation (bot token, refresh token, scopes)
-- encrypted with a key derived from BOT_SECRET: the file alone hands out no token. One row per
-- workspace (the latest install); an uninstall deletes it and keeps the workspace's debates.
CREATE TABLE installations (
    platform    TEXT NOT NULL,
    enterprise  TEXT NOT NULL,   -- '' outside an Enterprise Grid
    workspace   TEXT NOT NULL,
    user_id     TEXT NOT NULL,   -- who installed it
    sealed      BLOB NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (platform, enterprise, workspace)
) WITHOUT ROWID;

CREATE TABLE oauth_states (
    state    TEXT PRIMARY KEY,
    expires  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX oauth_states_expires ON oauth_states (expires);
