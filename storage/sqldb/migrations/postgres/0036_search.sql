-- The full-text search index of the live notes (issue 19). The terms are made in Go
-- (storage/textindex: CJK text as overlapping pairs of characters, words folded and made
-- singular, hashtags and mentions whole) and written as a tsvector literal, positions
-- included, with no parser or dictionary in between, so that the lexemes are the very terms
-- SQLite's index holds and a search finds the same notes on both.
-- The notes stored before it are indexed when the database is next opened (an empty index
-- beside live notes is filled then), and again by `refuge search reindex`.
CREATE TABLE note_search (
    note_id bigint   PRIMARY KEY REFERENCES notes (id) ON DELETE CASCADE,
    terms   tsvector NOT NULL
);
CREATE INDEX note_search_terms ON note_search USING gin (terms);

-- Whether an account's posts may be found by the full-text search of people who did not
-- interact with them (Mastodon 4.2's indexable). Local accounts keep what their actor
-- documents already said (indexable as discoverable); remote ones say so when fetched again.
ALTER TABLE actors ADD COLUMN indexable boolean NOT NULL DEFAULT false;
UPDATE actors SET indexable = discoverable WHERE local;

