-- A local account's e-mail address ('' for none: accounts made on the command line, the
-- instance actor) and when it was confirmed by a link mailed to it ('' while unconfirmed).
-- One address belongs to one account, in any case: a password reset finds the account by it.
ALTER TABLE credentials ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN email_confirmed_at TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX credentials_email ON credentials (lower(email)) WHERE email <> '';

-- The instance's rules, shown on its about and sign-up pages and named by reports. Their ids
-- stay when a rule's text is edited and are never reused, since reports refer to them; the
-- order is the ids'.
CREATE TABLE rules (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    text       TEXT NOT NULL,
    hint       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
