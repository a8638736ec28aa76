-- A note imported from an account archive (Mastodon's "Request your archive") keeps the URI
-- it had where it was first posted. Unique per author, so that importing the same archive
-- again finds each post already there and adds nothing.
ALTER TABLE notes ADD COLUMN imported_from TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX notes_imported ON notes (actor_id, imported_from) WHERE imported_from <> '';
