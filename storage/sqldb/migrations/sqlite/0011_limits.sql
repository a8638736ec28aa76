-- Rate limits that hold for the whole instance (sign-in attempts), kept here rather than in
-- a process so that they still hold when several processes share a database.
CREATE TABLE limits (
    key    TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    at     TEXT NOT NULL
);
