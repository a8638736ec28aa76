-- A local account's blocks of whole servers ("Block the whole server"): what the accounts on
-- domain (a host, with its port if any, as actors.host) post, boost or notify is hidden from
-- it, and the follows between it and them ended when the block was made.
CREATE TABLE account_domain_blocks (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    domain   TEXT    NOT NULL,
    created  TEXT    NOT NULL
);
CREATE UNIQUE INDEX account_domain_blocks_actor_domain ON account_domain_blocks (actor_id, domain);
