-- The Idempotency-Key a client sent with a post, for an hour: a client that retries a post
-- whose answer it lost sends the same key and is given the first note instead of a second.
-- One row per account and key; a row past its hour is replaced by the next post with it.
CREATE TABLE idempotency_keys (
    actor_id bigint      NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    key      text        NOT NULL,
    note_id  bigint      NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    created  timestamptz NOT NULL,
    PRIMARY KEY (actor_id, key)
);
CREATE INDEX idempotency_keys_note ON idempotency_keys (note_id);
