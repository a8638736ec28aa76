-- Everyone who can act: local accounts and the remote actors we know. One table, so that
-- follows, likes and notes join on one id whatever server a person lives on.
CREATE TABLE actors (
    id               INTEGER PRIMARY KEY,
    uri              TEXT    NOT NULL UNIQUE,
    local            INTEGER NOT NULL DEFAULT 0,
    type             TEXT    NOT NULL DEFAULT 'Person',
    username         TEXT    NOT NULL,
    host             TEXT    NOT NULL,
    name             TEXT    NOT NULL DEFAULT '',
    summary          TEXT    NOT NULL DEFAULT '',
    url              TEXT    NOT NULL DEFAULT '',
    inbox            TEXT    NOT NULL DEFAULT '',
    shared_inbox     TEXT    NOT NULL DEFAULT '',
    outbox           TEXT    NOT NULL DEFAULT '',
    followers_uri    TEXT    NOT NULL DEFAULT '',
    following_uri    TEXT    NOT NULL DEFAULT '',
    featured_uri     TEXT    NOT NULL DEFAULT '',
    key_id           TEXT    NOT NULL DEFAULT '',
    public_key_pem   TEXT    NOT NULL DEFAULT '',
    private_key_pem  TEXT    NOT NULL DEFAULT '',
    password_hash    TEXT    NOT NULL DEFAULT '',
    admin            INTEGER NOT NULL DEFAULT 0,
    locked           INTEGER NOT NULL DEFAULT 0,
    discoverable     INTEGER NOT NULL DEFAULT 1,
    icon_url         TEXT    NOT NULL DEFAULT '',
    image_url        TEXT    NOT NULL DEFAULT '',
    fields_json      TEXT    NOT NULL DEFAULT '[]',
    published        TEXT    NOT NULL,
    fetched_at       TEXT    NOT NULL DEFAULT '',
    deleted_at       TEXT    NOT NULL DEFAULT ''
);
-- Mastodon's rule: a name is unique on its server regardless of case.
CREATE UNIQUE INDEX actors_username_host ON actors (lower(username), host);
CREATE INDEX actors_key_id ON actors (key_id);
CREATE INDEX actors_host ON actors (host);

-- Notes, local and remote. Counts are derived from likes/announces/notes when read.
CREATE TABLE notes (
    id               INTEGER PRIMARY KEY,
    uri              TEXT    NOT NULL UNIQUE,
    actor_id         INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    local            INTEGER NOT NULL DEFAULT 0,
    url              TEXT    NOT NULL DEFAULT '',
    content          TEXT    NOT NULL DEFAULT '',
    source           TEXT    NOT NULL DEFAULT '',
    summary          TEXT    NOT NULL DEFAULT '',
    sensitive        INTEGER NOT NULL DEFAULT 0,
    language         TEXT    NOT NULL DEFAULT '',
    content_map_json TEXT    NOT NULL DEFAULT '{}',
    in_reply_to_uri  TEXT    NOT NULL DEFAULT '',
    conversation     TEXT    NOT NULL DEFAULT '',
    visibility       TEXT    NOT NULL,
    to_json          TEXT    NOT NULL DEFAULT '[]',
    cc_json          TEXT    NOT NULL DEFAULT '[]',
    published        TEXT    NOT NULL,
    updated          TEXT    NOT NULL DEFAULT '',
    deleted_at       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX notes_actor ON notes (actor_id, id);
CREATE INDEX notes_reply ON notes (in_reply_to_uri);
CREATE INDEX notes_public ON notes (visibility, local, id);

-- Mention and Hashtag entries of a note, as sent in its tag array.
CREATE TABLE note_tags (
    note_id  INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    type     TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    href     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX note_tags_note ON note_tags (note_id);
CREATE INDEX note_tags_hashtag ON note_tags (type, name, note_id);

-- Media: uploads of local accounts (stored under the data folder) and remote attachments (by URL).
CREATE TABLE media (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    note_id     INTEGER REFERENCES notes (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    url         TEXT    NOT NULL DEFAULT '',
    path        TEXT    NOT NULL DEFAULT '',
    thumb_path  TEXT    NOT NULL DEFAULT '',
    media_type  TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    blurhash    TEXT    NOT NULL DEFAULT '',
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    created     TEXT    NOT NULL
);
CREATE INDEX media_note ON media (note_id, position);

-- Activities: every one we made (kept as the JSON we deliver and serve at its id) and every
-- one we received (kept by id so that a second delivery is a no-op).
CREATE TABLE activities (
    id         INTEGER PRIMARY KEY,
    uri        TEXT    NOT NULL UNIQUE,
    actor_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    local      INTEGER NOT NULL DEFAULT 0,
    type       TEXT    NOT NULL,
    object_uri TEXT    NOT NULL DEFAULT '',
    note_id    INTEGER REFERENCES notes (id) ON DELETE SET NULL,
    visibility TEXT    NOT NULL DEFAULT 'public',
    json       TEXT    NOT NULL DEFAULT '',
    published  TEXT    NOT NULL
);
CREATE INDEX activities_actor ON activities (actor_id, local, id);
CREATE INDEX activities_object ON activities (object_uri);

-- Follows in both directions. uri is the Follow activity's id, which Accept/Undo refer to.
CREATE TABLE follows (
    id          INTEGER PRIMARY KEY,
    uri         TEXT    NOT NULL UNIQUE,
    follower_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    followee_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    accepted    INTEGER NOT NULL DEFAULT 0,
    created     TEXT    NOT NULL,
    UNIQUE (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, accepted);

CREATE TABLE likes (
    id       INTEGER PRIMARY KEY,
    uri      TEXT    NOT NULL UNIQUE,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    note_id  INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    created  TEXT    NOT NULL,
    UNIQUE (actor_id, note_id)
);
CREATE INDEX likes_note ON likes (note_id);

CREATE TABLE announces (
    id         INTEGER PRIMARY KEY,
    uri        TEXT    NOT NULL UNIQUE,
    actor_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    note_id    INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    visibility TEXT    NOT NULL DEFAULT 'public',
    created    TEXT    NOT NULL,
    UNIQUE (actor_id, note_id)
);
CREATE INDEX announces_note ON announces (note_id);
CREATE INDEX announces_actor ON announces (actor_id, id);

-- Pinned notes, served as the featured collection.
CREATE TABLE pins (
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    note_id  INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    created  TEXT    NOT NULL,
    PRIMARY KEY (actor_id, note_id)
);

-- A local account's home feed, written when something arrives, read newest first.
CREATE TABLE feed (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    note_id     INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    announce_id INTEGER REFERENCES announces (id) ON DELETE CASCADE,
    created     TEXT    NOT NULL,
    UNIQUE (account_id, note_id, announce_id)
);
CREATE INDEX feed_account ON feed (account_id, id);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    type       TEXT    NOT NULL,
    actor_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    note_id    INTEGER REFERENCES notes (id) ON DELETE CASCADE,
    created    TEXT    NOT NULL,
    read       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_account ON notifications (account_id, id);

-- The delivery queue: one row per (activity, inbox), written in the activity's transaction.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    inbox       TEXT    NOT NULL,
    host        TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_try    TEXT    NOT NULL,
    last_error  TEXT    NOT NULL DEFAULT '',
    created     TEXT    NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_next ON deliveries (next_try);

-- API bearer tokens and web sessions, both kept only as SHA-256 hashes.
CREATE TABLE tokens (
    hash      TEXT    PRIMARY KEY,
    actor_id  INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL,
    csrf      TEXT    NOT NULL DEFAULT '',
    created   TEXT    NOT NULL,
    expires   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX tokens_actor ON tokens (actor_id);

-- Instance-wide settings fixed at first start, such as the domain every stored URI is under.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
