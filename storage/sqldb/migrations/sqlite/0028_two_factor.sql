-- Two-factor sign-in (TOTP, RFC 6238), kept with the other secrets of a local account.
-- totp_secret is the shared secret in base32 ('' when none); it is written when the account
-- starts setting it up and only used for sign-in once totp_enabled is set, after a code
-- from the authenticator confirmed it. totp_step is the last time step whose code was
-- accepted, so that no code is taken twice. recovery_codes holds the SHA-256 hashes (hex,
-- space-separated) of the single-use recovery codes left.
ALTER TABLE credentials ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN totp_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN recovery_codes TEXT NOT NULL DEFAULT '';
