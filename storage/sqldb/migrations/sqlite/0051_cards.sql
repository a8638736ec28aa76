-- Cards: what a page shows of a remote Article, Page, Event, Video or Audio beside its
-- content and attachments (storage.Card). Its text and times are one JSON document
-- (card_json, '' for a note): they are only ever read whole with the note and never
-- searched or sorted on, so one column keeps the note's SELECT and scan small and lets a
-- card learn a field without a migration. Its picture has a column of its own
-- (card_image), because the remote media cache asks which notes name a file before it
-- drops or prunes it; the index serves that question.
ALTER TABLE notes ADD COLUMN card_json TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN card_image TEXT NOT NULL DEFAULT '';
CREATE INDEX notes_card_image ON notes (card_image) WHERE card_image <> '';
