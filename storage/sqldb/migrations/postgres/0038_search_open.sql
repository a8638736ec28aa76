-- The visitors' full-text index: the terms of the live public notes of local indexable
-- accounts, the only notes a search without an account may find, so that such a search
-- reads none of the others. Kept beside note_search by the same writes, and by the author's
-- change of indexable. Filled when the database is next opened.
CREATE TABLE note_search_open (
    note_id bigint   PRIMARY KEY REFERENCES notes (id) ON DELETE CASCADE,
    terms   tsvector NOT NULL
);

-- A GIN index keeps new entries in a pending list that every search reads whole until a
-- vacuum, or the list's limit (4 MB by default), merges them in: a search for a word in
-- no note read 487 pages of it among a million notes (BENCHMARKS.md). A list of 256 kB
-- is merged sixteen times as often, in smaller steps, and read in a fraction of the time.
CREATE INDEX note_search_open_terms ON note_search_open USING gin (terms) WITH (gin_pending_list_limit = 256);
ALTER INDEX note_search_terms SET (gin_pending_list_limit = 256);
