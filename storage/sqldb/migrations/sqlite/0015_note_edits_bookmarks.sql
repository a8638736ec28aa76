-- The versions of an edited note, oldest first: the first edit keeps the original (at the
-- note's publication) and every edit its new version, so that the last row is the note as
-- it is now. Local and remote edits alike (UpdateNote writes them). media_json is the
-- attachments of that version, each with the description it had then.
CREATE TABLE note_edits (
    id         INTEGER PRIMARY KEY,
    note_id    INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    content    TEXT    NOT NULL DEFAULT '',
    summary    TEXT    NOT NULL DEFAULT '',
    sensitive  INTEGER NOT NULL DEFAULT 0,
    language   TEXT    NOT NULL DEFAULT '',
    media_json TEXT    NOT NULL DEFAULT '[]',
    created    TEXT    NOT NULL
);
CREATE INDEX note_edits_note ON note_edits (note_id, id);

-- What a local account bookmarked: private, never federated. Listed newest first by id.
CREATE TABLE bookmarks (
    id       INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    note_id  INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    created  TEXT    NOT NULL,
    UNIQUE (actor_id, note_id)
);
CREATE INDEX bookmarks_actor ON bookmarks (actor_id, id);
CREATE INDEX bookmarks_note ON bookmarks (note_id);

-- The favourites list reads an account's likes newest first.
CREATE INDEX likes_actor ON likes (actor_id, id);
