-- Reports for the admins: made by a local account about another account, or received in a
-- Flag from another server (reporter_id is then that server's actor, uri the Flag's id). A
-- report stays open (resolved_at '') until an admin dismisses it, deletes the posts it names
-- or suspends the account; resolved_by is that admin (0 while open, so no foreign key).
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uri         TEXT    NOT NULL DEFAULT '',
    reporter_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    comment     TEXT    NOT NULL DEFAULT '',
    category    TEXT    NOT NULL DEFAULT 'other',
    forward     INTEGER NOT NULL DEFAULT 0,
    created     TEXT    NOT NULL,
    resolved_at TEXT    NOT NULL DEFAULT '',
    resolved_by INTEGER NOT NULL DEFAULT 0,
    resolution  TEXT    NOT NULL DEFAULT ''
);
-- The admin's queue: the open reports, newest first.
CREATE INDEX reports_open ON reports (id) WHERE resolved_at = '';
CREATE INDEX reports_target ON reports (target_id);

-- The posts a report names.
CREATE TABLE report_notes (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    note_id   INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    PRIMARY KEY (report_id, note_id)
);
