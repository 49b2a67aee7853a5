-- What a restart or a second process must not forget: the platform deliveries already handled
-- (interaction ids, Slack event ids and retries), so a retry never acts twice, and when each live
-- tally message was last edited, so no edit comes sooner than the platform's interval.
CREATE TABLE deliveries (
    key  TEXT PRIMARY KEY,
    at   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX deliveries_at ON deliveries (at);

CREATE TABLE message_edits (
    message  TEXT PRIMARY KEY,   -- platform:workspace:channel:message id
    at       TEXT NOT NULL
) WITHOUT ROWID;
