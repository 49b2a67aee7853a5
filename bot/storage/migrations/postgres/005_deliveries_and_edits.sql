-- What a restart or a second process must not forget: the platform deliveries already handled
-- (interaction ids, Slack event ids and retries), so a retry never acts twice, and when each live
-- tally message was last edited, so no edit comes sooner than the platform's interval.
CREATE TABLE deliveries (
    key  text PRIMARY KEY,
    at   timestamptz NOT NULL
);
CREATE INDEX deliveries_at ON deliveries (at);

CREATE TABLE message_edits (
    message  text PRIMARY KEY,   -- platform:workspace:channel:message id
    at       timestamptz NOT NULL
);
CREATE INDEX message_edits_at ON message_edits (at);
