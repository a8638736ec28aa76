-- The links mailed to an account's address: confirmation of an address (the one sign-up
-- gave, or a new one the account asked for, which replaces the old once confirmed) and
-- password reset. Only the secret's hash is stored; a link is used once and expires. One per
-- account and purpose: asking again replaces the earlier link, as Mastodon's does.
CREATE TABLE email_tokens (
    hash       text        PRIMARY KEY,
    actor_id   bigint      NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    purpose    text        NOT NULL,
    email      text        NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX email_tokens_actor ON email_tokens (actor_id, purpose);
