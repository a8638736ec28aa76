-- Timeline markers of the client API: where each account stopped reading its home timeline
-- and its notifications, so that its other apps start there. version counts the saves.
CREATE TABLE markers (
    account_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    timeline     TEXT    NOT NULL,
    last_read_id TEXT    NOT NULL,
    version      INTEGER NOT NULL DEFAULT 0,
    updated      TEXT    NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

-- Trending hashtags and the instance's weekly activity read the notes of the last days:
-- by when they were published, not by every note there is.
CREATE INDEX notes_published ON notes (published);
