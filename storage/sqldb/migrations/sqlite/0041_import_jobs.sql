-- Import jobs: a local account's import of one of Mastodon's CSV lists (or an archive),
-- run in the background by a runner that leases the job until lease_until; a job whose
-- process died is taken up again once its lease runs out. file is the input's name under
-- the data folder's imports/ (empty when the CLI reads its own file); report is JSON.
CREATE TABLE import_jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id    INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    mode        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    file        TEXT    NOT NULL DEFAULT '',
    total       INTEGER NOT NULL DEFAULT 0,
    done        INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    report      TEXT    NOT NULL DEFAULT '',
    lease_until TEXT    NOT NULL DEFAULT '',
    created     TEXT    NOT NULL,
    finished    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX import_jobs_actor ON import_jobs (actor_id, id);
CREATE INDEX import_jobs_waiting ON import_jobs (state, id) WHERE state IN ('queued', 'running');
