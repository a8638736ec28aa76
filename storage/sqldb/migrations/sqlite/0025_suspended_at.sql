-- When an admin suspended a local account, or when a remote actor's own server said it is
-- suspended ('': not suspended). Nothing is deleted by a suspension: the account's posts,
-- follows and tokens stay, refused or hidden while it lasts, and all return when it is lifted.
ALTER TABLE actors ADD COLUMN suspended_at TEXT NOT NULL DEFAULT '';
