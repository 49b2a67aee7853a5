-- Who held a side (pro or con) in a debate, kept when they leave it: a debater may neither vote
-- in that debate nor take another side in it, also after `/debate leave` and after a restart.
-- Filled from `participants` by the triggers below, in the same statement that stores the
-- debater; the rows of debates from before this migration come from their participants and
-- speeches.
CREATE TABLE sides_held (
    debate_id  INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    side       TEXT NOT NULL,   -- the first side they held: pro | con
    PRIMARY KEY (debate_id, user_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO sides_held (debate_id, user_id, side)
    SELECT debate_id, user_id, role FROM participants WHERE role IN ('pro', 'con');
INSERT OR IGNORE INTO sides_held (debate_id, user_id, side)
    SELECT debate_id, user_id, side FROM speeches WHERE side IN ('pro', 'con') ORDER BY id;

CREATE TRIGGER participants_side_held_insert AFTER INSERT ON participants
WHEN NEW.role IN ('pro', 'con')
BEGIN
    INSERT OR IGNORE INTO sides_held (debate_id, user_id, side) VALUES (NEW.debate_id, NEW.user_id, NEW.role);
END;

-- an UPSERT that finds the row runs the UPDATE triggers, not the INSERT ones
CREATE TRIGGER participants_side_held_update AFTER UPDATE OF role ON participants
WHEN NEW.role IN ('pro', 'con')
BEGIN
    INSERT OR IGNORE INTO sides_held (debate_id, user_id, side) VALUES (NEW.debate_id, NEW.user_id, NEW.role);
END;
