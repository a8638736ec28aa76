-- Rate limits that hold for the whole instance (sign-in attempts), kept here rather than in
-- a process, since several processes share the database.
CREATE TABLE limits (
    key    text             PRIMARY KEY,
    tokens double precision NOT NULL,
    at     timestamptz      NOT NULL
);
