-- The full-text search index of the live notes (issue 19). The terms are made in Go
-- (storage/textindex: CJK text as overlapping pairs of characters, words folded and made
-- singular, hashtags and mentions whole), written space-separated; the ascii tokenizer then
-- only splits them on the spaces (it keeps every non-ASCII character, and the few ASCII ones
-- a hashtag or a mention holds). Contentless: the text is in notes already; rowid is the
-- note's id, and contentless_delete lets a note's row be replaced or deleted.
-- The notes stored before it are indexed when the database is next opened (an empty index
-- beside live notes is filled then), and again by `refuge search reindex`.
-- prefix = '1' keeps an index of every term's first character too: a search for one CJK
-- character is the prefix of the pairs it begins, which without it FTS5 merges term by term
-- (BENCHMARKS.md: 37 ms at the median for one character among a million notes).
CREATE VIRTUAL TABLE note_search USING fts5(terms, tokenize = "ascii tokenchars '#@._-'",
    prefix = '1', content = '', contentless_delete = 1);

-- Whether an account's posts may be found by the full-text search of people who did not
-- interact with them (Mastodon 4.2's indexable). Local accounts keep what their actor
-- documents already said (indexable as discoverable); remote ones say so when fetched again.
ALTER TABLE actors ADD COLUMN indexable INTEGER NOT NULL DEFAULT 0;
UPDATE actors SET indexable = discoverable WHERE local = 1;

