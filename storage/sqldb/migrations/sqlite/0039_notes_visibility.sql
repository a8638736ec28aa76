-- The federated timeline (public notes of every server, newest first) had only
-- notes_public (visibility, local, id), which orders by id within each of local and
-- remote: SQLite read every public note of the instance and sorted them for each page
-- (138 ms a page with 18,000 public notes; BENCHMARKS.md, issue 17). This index gives
-- them in order, so a page reads its twenty rows. PostgreSQL needs none: it walks the
-- notes' primary key backwards and stops at twenty.
CREATE INDEX notes_visibility ON notes (visibility, id);
