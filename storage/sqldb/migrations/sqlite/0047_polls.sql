-- Polls: a note that is a Question has one row here, its choices with their counts in
-- options_json ([{"title": ..., "votes": n}], in order). A local poll's counts are its
-- poll_votes, added to as each comes; a remote poll's are what its server last sent,
-- plus the votes of local accounts since. notes.has_poll says which notes to look for, so
-- that a list of notes without polls asks nothing more.
ALTER TABLE notes ADD COLUMN has_poll INTEGER NOT NULL DEFAULT 0;

CREATE TABLE polls (
    note_id      INTEGER PRIMARY KEY REFERENCES notes (id) ON DELETE CASCADE,
    multiple     INTEGER NOT NULL DEFAULT 0,
    expires_at   TEXT    NOT NULL, -- '' when it has no end
    options_json TEXT    NOT NULL,
    voters       INTEGER NOT NULL DEFAULT 0,
    -- When this server handled the poll's end (voters notified, a local poll's final
    -- results sent); '' before.
    ended_at     TEXT    NOT NULL DEFAULT '',
    -- A local poll whose counts changed since its results were last sent: when they first
    -- changed; '' when nothing is waiting.
    changed_at   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX polls_ending ON polls (expires_at) WHERE ended_at = '' AND expires_at <> '';
CREATE INDEX polls_changed ON polls (changed_at) WHERE changed_at <> '';

-- The votes: of anyone in a local poll, and of local accounts in remote ones. An account
-- chooses an option once; a single-choice poll takes one option an account.
CREATE TABLE poll_votes (
    id       INTEGER PRIMARY KEY,
    note_id  INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    choice   INTEGER NOT NULL,
    created  TEXT    NOT NULL,
    UNIQUE (note_id, actor_id, choice)
);
CREATE INDEX poll_votes_actor ON poll_votes (actor_id);
