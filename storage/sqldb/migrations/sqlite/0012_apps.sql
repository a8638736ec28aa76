-- OAuth: the apps people sign in to (phone and web clients of the Mastodon API), the codes
-- of the authorization step, and tokens that belong to an app with the scopes granted.

CREATE TABLE apps (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id     TEXT    NOT NULL UNIQUE,
    secret_hash   TEXT    NOT NULL, -- SHA-256 of the client secret, as tokens keep theirs
    name          TEXT    NOT NULL,
    website       TEXT    NOT NULL DEFAULT '',
    redirect_uris TEXT    NOT NULL, -- one a line
    scopes        TEXT    NOT NULL, -- space-separated
    created       TEXT    NOT NULL
);

-- A code lives for minutes and is deleted by the exchange that makes its token.
CREATE TABLE auth_codes (
    hash           TEXT    PRIMARY KEY,
    app_id         INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    actor_id       INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    redirect_uri   TEXT    NOT NULL,
    scopes         TEXT    NOT NULL,
    challenge      TEXT    NOT NULL DEFAULT '',
    method         TEXT    NOT NULL DEFAULT '',
    created        TEXT    NOT NULL,
    expires        TEXT    NOT NULL
);
CREATE INDEX auth_codes_app ON auth_codes (app_id);
CREATE INDEX auth_codes_actor ON auth_codes (actor_id);

-- Tokens gain their scopes ('' is every scope: sessions, `refuge token` and older rows) and
-- their app; an app's own token (client_credentials) has no account, so actor_id may be
-- NULL now. SQLite cannot drop NOT NULL from a column, so the table is made again.
CREATE TABLE tokens_new (
    hash      TEXT    PRIMARY KEY,
    actor_id  INTEGER REFERENCES actors (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL,
    csrf      TEXT    NOT NULL DEFAULT '',
    created   TEXT    NOT NULL,
    expires   TEXT    NOT NULL DEFAULT '',
    scopes    TEXT    NOT NULL DEFAULT '',
    app_id    INTEGER REFERENCES apps (id) ON DELETE CASCADE
);
INSERT INTO tokens_new (hash, actor_id, kind, csrf, created, expires)
    SELECT hash, actor_id, kind, csrf, created, expires FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;
CREATE INDEX tokens_actor ON tokens (actor_id);
CREATE INDEX tokens_app ON tokens (app_id);
