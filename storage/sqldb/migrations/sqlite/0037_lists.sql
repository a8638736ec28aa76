-- A local account's lists (Mastodon's lists): named groups of accounts it follows, each
-- with its own timeline, read from the owner's home feed. replies_policy is followed, list
-- or none; an exclusive list's members' posts leave the owner's home timeline.
CREATE TABLE lists (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id       INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    title          TEXT    NOT NULL,
    replies_policy TEXT    NOT NULL DEFAULT 'list',
    exclusive      INTEGER NOT NULL DEFAULT 0,
    created        TEXT    NOT NULL
);
CREATE INDEX lists_actor ON lists (actor_id);

-- The members of each list. An unfollow takes the account out of the follower's lists.
CREATE TABLE list_accounts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id    INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created    TEXT    NOT NULL,
    UNIQUE (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id);
