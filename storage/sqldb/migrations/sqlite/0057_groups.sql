-- Communities (FEP-1b12). A group is a local actor of type Group; these are what it has
-- beyond the actor row. notes.audience is the group a note was posted in (its audience),
-- '' for none.
ALTER TABLE notes ADD COLUMN audience TEXT NOT NULL DEFAULT '';
CREATE INDEX notes_audience ON notes (audience, id) WHERE audience <> '';

CREATE TABLE local_groups (
    actor_id           INTEGER NOT NULL PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    owner_id           INTEGER NOT NULL REFERENCES actors (id),
    posting_restricted INTEGER NOT NULL DEFAULT 0,
    rules              TEXT    NOT NULL DEFAULT '',
    created            TEXT    NOT NULL
);

CREATE TABLE group_moderators (
    group_id INTEGER NOT NULL REFERENCES local_groups (actor_id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created  TEXT    NOT NULL,
    PRIMARY KEY (group_id, actor_id)
);

-- A ban of an account (actor_id, with its host) or of a whole server (actor_id 0).
CREATE TABLE group_bans (
    id       INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES local_groups (actor_id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL DEFAULT 0,
    host     TEXT    NOT NULL,
    reason   TEXT    NOT NULL DEFAULT '',
    created  TEXT    NOT NULL,
    UNIQUE (group_id, actor_id, host)
);

-- What a group announced: the Announce of the note (announce_uri) and, for a note that came
-- in a Create, the Announce of that activity (activity_uri).
CREATE TABLE group_posts (
    group_id     INTEGER NOT NULL REFERENCES local_groups (actor_id) ON DELETE CASCADE,
    note_id      INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    author_id    INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    announce_uri TEXT    NOT NULL UNIQUE,
    activity_uri TEXT    NOT NULL DEFAULT '',
    created      TEXT    NOT NULL,
    removed      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (group_id, note_id)
);
CREATE INDEX group_posts_created ON group_posts (group_id, created);
CREATE INDEX group_posts_note ON group_posts (note_id);

CREATE TABLE group_log (
    id           INTEGER PRIMARY KEY,
    group_id     INTEGER NOT NULL REFERENCES local_groups (actor_id) ON DELETE CASCADE,
    moderator_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    action       TEXT    NOT NULL,
    target       TEXT    NOT NULL DEFAULT '',
    reason       TEXT    NOT NULL DEFAULT '',
    created      TEXT    NOT NULL
);
CREATE INDEX group_log_group ON group_log (group_id, id);

-- What each server runs, as its NodeInfo says: a group sends each member's server the form
-- of Announce its software shows.
CREATE TABLE peer_software (
    host     TEXT NOT NULL PRIMARY KEY,
    software TEXT NOT NULL,
    version  TEXT NOT NULL DEFAULT '',
    fetched  TEXT NOT NULL
);
