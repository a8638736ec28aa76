-- Video and audio uploads and attachments: what could be read of them. duration_ms is the
-- length in milliseconds (0 when not known), frame_rate a video's as a fraction such as
-- '30/1' ('' when not known), silent a video known to have no sound (Mastodon's gifv).
ALTER TABLE media ADD COLUMN duration_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE media ADD COLUMN frame_rate  TEXT    NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN silent      INTEGER NOT NULL DEFAULT 0;
