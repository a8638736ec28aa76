-- Sign-up (issue 16). An account made while sign-ups need an admin's approval is pending
-- until approved: it keeps its name but is shown nowhere and cannot sign in. Rejecting it
-- deletes the row, which frees the name.
ALTER TABLE actors ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;

-- Invite links: any account may make them while sign-up is by invite, admins always. A link
-- lets max_uses people sign up (0: any number) until expires_at ('': never); uses counts
-- those who did, in the transaction that made their account.
CREATE TABLE invites (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT    NOT NULL UNIQUE,
    actor_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    max_uses   INTEGER NOT NULL DEFAULT 0,
    uses       INTEGER NOT NULL DEFAULT 0,
    expires_at TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL
);
CREATE INDEX invites_actor ON invites (actor_id, id);

-- What someone told when signing up on the sign-up form or through the API: why they want
-- to join (for the admin who approves) and the invite they came with (0: none).
CREATE TABLE sign_ups (
    actor_id   INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    reason     TEXT    NOT NULL DEFAULT '',
    invite_id  INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL
);
