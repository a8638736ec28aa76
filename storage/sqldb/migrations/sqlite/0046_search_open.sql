-- The visitors' full-text index: the terms of the live public notes of local indexable
-- accounts, the only notes a search without an account may find. A visitor's search for a
-- common word walked the whole index newest first until twenty of its matches were a
-- visitor's to see (40 ms at the 99th percentile among a million notes, BENCHMARKS.md); in
-- an index of their own every match is one. Kept beside note_search by the same writes, and
-- by the author's change of indexable. Filled when the database is next opened.
CREATE VIRTUAL TABLE note_search_open USING fts5(terms, tokenize = "ascii tokenchars '#@._-'",
    prefix = '1', content = '', contentless_delete = 1);
