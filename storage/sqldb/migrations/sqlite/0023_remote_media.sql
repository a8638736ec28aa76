-- The remote media cache: a row for each file of another server that a stored note or
-- actor names (storage.RemoteMedia says what each column is). key is storage.MediaKey(url),
-- the name the file is served under. Ids are never reused (AUTOINCREMENT): a worker
-- settles a leased row by id, and a row dropped meanwhile must not hand its id to a new
-- one, whose URL the worker never fetched.
--
-- Nothing is queued here for the notes and actors stored before this migration: SQL cannot
-- make the key in SQLite. Go code queues those, if at all, with QueueRemoteMedia.
CREATE TABLE remote_media (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT    NOT NULL UNIQUE,
    url        TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    path       TEXT    NOT NULL DEFAULT '',
    thumb_path TEXT    NOT NULL DEFAULT '',
    media_type TEXT    NOT NULL DEFAULT '',
    blurhash   TEXT    NOT NULL DEFAULT '',
    width      INTEGER NOT NULL DEFAULT 0,
    height     INTEGER NOT NULL DEFAULT 0,
    bytes      INTEGER NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_try   TEXT    NOT NULL,
    error      TEXT    NOT NULL DEFAULT '',
    used       TEXT    NOT NULL DEFAULT '',
    created    TEXT    NOT NULL
);
CREATE INDEX remote_media_due ON remote_media (state, next_try);
CREATE INDEX remote_media_used ON remote_media (state, used);

-- What the cache asks to tell whether a file is still named, and by whom.
CREATE INDEX media_url ON media (url);
CREATE INDEX actors_icon_url ON actors (icon_url);
CREATE INDEX actors_image_url ON actors (image_url);
