-- Account moves: the other accounts an actor says it also is (alsoKnownAs, a JSON array of
-- actor URIs), the account it moved to ('' when it did not) and when it moved ('': never).
-- Kept for local and remote actors alike: a local account's aliases let another move here,
-- its moved_at keeps it to one move in 30 days; a remote actor's moved_to is shown on its page.
ALTER TABLE actors ADD COLUMN also_known_as_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE actors ADD COLUMN moved_to TEXT NOT NULL DEFAULT '';
ALTER TABLE actors ADD COLUMN moved_at TEXT NOT NULL DEFAULT '';
