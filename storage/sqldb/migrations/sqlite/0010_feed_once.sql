-- A note is in an account's feed once for itself and once per announce that brought it.
-- The table's UNIQUE (account_id, note_id, announce_id) cannot say so for the note itself,
-- since NULLs never conflict, and AddToFeed used to check with NOT EXISTS first; an index
-- on the announce or 0 says it, so that one INSERT ... ON CONFLICT DO NOTHING, written the
-- same way for PostgreSQL, is enough. The feed holds no such pair twice: that check kept it so.
CREATE UNIQUE INDEX feed_once ON feed (account_id, note_id, coalesce(announce_id, 0));
