-- The secrets of local accounts, apart from the actors table that every page, collection and
-- join reads: a query that lists actors can no longer carry a private key or a password hash
-- along with them. One row per local account; remote actors have none.
CREATE TABLE credentials (
    actor_id        INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    password_hash   TEXT    NOT NULL DEFAULT '',
    private_key_pem TEXT    NOT NULL DEFAULT ''
);

INSERT INTO credentials (actor_id, password_hash, private_key_pem)
    SELECT id, password_hash, private_key_pem FROM actors WHERE local = 1;

-- No index, trigger or view names these columns (the triggers of 0003 and 0005 write only
-- the note counts), so SQLite can drop them.
ALTER TABLE actors DROP COLUMN private_key_pem;
ALTER TABLE actors DROP COLUMN password_hash;
