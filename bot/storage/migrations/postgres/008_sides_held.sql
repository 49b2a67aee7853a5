-- The PostgreSQL form of ../008_sides_held.sql: who held a side in a debate, kept when they
-- leave it, filled by a trigger in the same statement that stores the debater.
CREATE TABLE sides_held (
    debate_id  bigint NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    user_id    text NOT NULL,
    side       text NOT NULL,   -- the first side they held: pro | con
    PRIMARY KEY (debate_id, user_id)
);

INSERT INTO sides_held (debate_id, user_id, side)
    SELECT debate_id, user_id, role FROM participants WHERE role IN ('pro', 'con')
    ON CONFLICT DO NOTHING;
INSERT INTO sides_held (debate_id, user_id, side)
    SELECT DISTINCT ON (debate_id, user_id) debate_id, user_id, side FROM speeches
    WHERE side IN ('pro', 'con') ORDER BY debate_id, user_id, id
    ON CONFLICT DO NOTHING;

CREATE FUNCTION side_held() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role IN ('pro', 'con') THEN
        INSERT INTO sides_held (debate_id, user_id, side) VALUES (NEW.debate_id, NEW.user_id, NEW.role)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER participants_side_held AFTER INSERT OR UPDATE OF role ON participants
FOR EACH ROW EXECUTE FUNCTION side_held();
