-- The classroom screen's links (`/debate screen`, `/poll screen`): a link carries the generation
-- of its target's links when it was made; `/debate screen revoke:yes` counts the generation up,
-- and every link made before stops working. No row: generation 0, nothing revoked yet.
CREATE TABLE screen_links (
    kind        TEXT NOT NULL,     -- debate | poll
    target      INTEGER NOT NULL,  -- the debate's or poll's id
    generation  INTEGER NOT NULL,
    revoked_at  TEXT NOT NULL,
    PRIMARY KEY (kind, target)
);
