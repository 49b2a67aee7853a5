-- The PostgreSQL form of ../011_screen_links.sql: the generation of each target's screen links.
CREATE TABLE screen_links (
    kind        text NOT NULL,     -- debate | poll
    target      bigint NOT NULL,   -- the debate's or poll's id
    generation  integer NOT NULL,
    revoked_at  timestamptz NOT NULL,
    PRIMARY KEY (kind, target)
);
