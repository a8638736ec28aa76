-- The hashtags each local account follows (Mastodon's followed tags): public posts that
-- carry one enter the account's home feed as they are stored. name is lower case, without #.
CREATE TABLE followed_tags (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    created    TEXT    NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX followed_tags_name ON followed_tags (name);
