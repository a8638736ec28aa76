-- A note's name: the title a post to a Lemmy community (or mbin's, PieFed's) carries, which
-- those servers require of a thread's first post; '' for none.
ALTER TABLE notes ADD COLUMN name TEXT NOT NULL DEFAULT '';
