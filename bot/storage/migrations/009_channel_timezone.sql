-- The time zone a channel reads times in (`/debate timezone Asia/Tokyo`), an IANA name; NULL:
-- the process's BOT_TIMEZONE. Kept beside the channel's language, in the same row.
ALTER TABLE channel_settings ADD COLUMN timezone TEXT;
