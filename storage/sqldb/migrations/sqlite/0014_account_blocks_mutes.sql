-- A local account's own blocks and mutes of other accounts (the admin's blocks of hosts and
-- actors are the blocks table). A block is federated (uri is its Block activity's id, which
-- its Undo names); a mute never leaves the instance. A mute's expires is '' for a mute
-- without end; one past its time counts as no mute and is replaced by the next. Ids are
-- never reused: the lists are paged by them.
CREATE TABLE account_blocks (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    uri       TEXT    NOT NULL UNIQUE,
    actor_id  INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created   TEXT    NOT NULL,
    UNIQUE (actor_id, target_id)
);
CREATE INDEX account_blocks_target ON account_blocks (target_id);

CREATE TABLE mutes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id      INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id     INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    notifications INTEGER NOT NULL DEFAULT 1,
    expires       TEXT    NOT NULL DEFAULT '',
    created       TEXT    NOT NULL,
    UNIQUE (actor_id, target_id)
);
CREATE INDEX mutes_target ON mutes (target_id);

-- What a local account posts with when an app does not say: Mastodon's source[privacy],
-- source[sensitive] and source[language]. No row: public, not sensitive, no language.
CREATE TABLE posting_defaults (
    actor_id  INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    privacy   TEXT    NOT NULL DEFAULT 'public',
    sensitive INTEGER NOT NULL DEFAULT 0,
    language  TEXT    NOT NULL DEFAULT ''
);

-- A local follower may keep a followed account's boosts out of its home timeline
-- (Mastodon's reblogs=false on a follow).
ALTER TABLE follows ADD COLUMN hide_reblogs INTEGER NOT NULL DEFAULT 0;
