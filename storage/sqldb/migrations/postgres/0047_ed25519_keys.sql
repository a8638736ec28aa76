-- A remote actor's Ed25519 key (FEP-521a: a Multikey of its assertionMethod), beside its RSA
-- publicKey, for the RFC 9421 signatures some servers make with it. '' when it has none.
ALTER TABLE actors ADD COLUMN ed25519_key_id text NOT NULL DEFAULT '';
ALTER TABLE actors ADD COLUMN ed25519_key_pem text NOT NULL DEFAULT '';
CREATE INDEX actors_ed25519_key_id ON actors (ed25519_key_id) WHERE ed25519_key_id <> '';
