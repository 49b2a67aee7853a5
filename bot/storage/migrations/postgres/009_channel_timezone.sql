-- The PostgreSQL form of ../009_channel_timezone.sql: a channel's own time zone (NULL: BOT_TIMEZONE).
ALTER TABLE channel_settings ADD COLUMN timezone text;
