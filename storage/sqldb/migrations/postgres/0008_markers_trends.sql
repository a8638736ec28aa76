-- Timeline markers of the client API: where each account stopped reading its home timeline
-- and its notifications, so that its other apps start there. version counts the saves.
CREATE TABLE markers (
    account_id   bigint      NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    timeline     text        NOT NULL,
    last_read_id text        NOT NULL,
    version      integer     NOT NULL DEFAULT 0,
    updated      timestamptz NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

-- Trending hashtags and the instance's weekly activity read the notes of the last days:
-- by when they were published, not by every note there is.
CREATE INDEX notes_published ON notes (published);
