-- Delivery ids are never reused. A worker finishes, retries or releases a delivery by its id
-- after its POST; with plain rowids, a row deleted meanwhile (a note deleted while its Create
-- or Update was in flight takes those rows back) let the next row queued take the same id,
-- and the worker's late "finish" then deleted the new delivery, unsent. AUTOINCREMENT keeps
-- every id once. SQLite cannot add it to a table, so the table is made again.
CREATE TABLE deliveries_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    inbox       TEXT    NOT NULL,
    host        TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_try    TEXT    NOT NULL,
    last_error  TEXT    NOT NULL DEFAULT '',
    created     TEXT    NOT NULL,
    UNIQUE (activity_id, inbox)
);
INSERT INTO deliveries_new (id, activity_id, inbox, host, attempts, next_try, last_error, created)
    SELECT id, activity_id, inbox, host, attempts, next_try, last_error, created FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_next ON deliveries (next_try);
