-- Installations of the Slack app in many workspaces (OAuth), and the one-time `state` values of
-- installs in progress. `sealed` is the whole installation (bot token, refresh token, scopes)
-- encrypted with a key derived from BOT_SECRET: the database alone hands out no token. One row per
-- workspace (the latest install); an uninstall deletes it and keeps the workspace's debates.
CREATE TABLE installations (
    platform    text NOT NULL,
    enterprise  text NOT NULL,   -- '' outside an Enterprise Grid
    workspace   text NOT NULL,
    user_id     text NOT NULL,   -- who installed it
    sealed      bytea NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (platform, enterprise, workspace)
);

CREATE TABLE oauth_states (
    state    text PRIMARY KEY,
    expires  timestamptz NOT NULL
);
CREATE INDEX oauth_states_expires ON oauth_states (expires);
