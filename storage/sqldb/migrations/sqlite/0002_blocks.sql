-- Instance-level blocks set by the admin: target is a host (with its port, if any), which
-- blocks every actor there, or one actor's URI. Deliveries from a blocked target are refused,
-- and nothing is fetched from or delivered to it.
CREATE TABLE blocks (
    target  TEXT PRIMARY KEY,
    created TEXT NOT NULL
);
