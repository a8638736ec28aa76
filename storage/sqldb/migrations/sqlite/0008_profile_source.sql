-- What a local account typed for its bio, kept beside the HTML made from it so that the
-- edit form shows the text and not the markup (whose links would be lost on the next save).
-- The typed text of each profile field rides in fields_json as "source". Empty for remote
-- actors and for bios saved before this column: those are shown from their HTML.
ALTER TABLE actors ADD COLUMN summary_source TEXT NOT NULL DEFAULT '';
