-- The PostgreSQL form of ../006_versions.sql: a debate's row version (changed by
-- compare-and-set), the count of changes to its people and texts, and the generations of shared
-- state every process enforces.
ALTER TABLE debates ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE debates ADD COLUMN touched bigint NOT NULL DEFAULT 0;
CREATE TABLE generations (
    name   text PRIMARY KEY,
    value  bigint NOT NULL
);
