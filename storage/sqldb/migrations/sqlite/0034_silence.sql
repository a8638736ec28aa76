-- Silencing ("limiting", as Mastodon calls it). silenced_at is when an admin here silenced
-- an account, local or remote ('': not silenced): its posts stay on its profile and reach its
-- followers, but leave the public timelines, hashtag pages and searches of everyone else, and
-- its notifications reach only those who follow it. Nothing is deleted, and lifting it brings
-- everything back. It is this instance's own decision: a fetch of a remote actor keeps it.
ALTER TABLE actors ADD COLUMN silenced_at TEXT NOT NULL DEFAULT '';

-- An instance block's severity: 'suspend' is what every block was before (nothing accepted
-- from, fetched from or delivered to the target); 'silence' treats every account there as
-- silenced and refuses nothing. public_comment is the reason anyone may read (the instance's
-- list of blocked servers); private_comment is the admins' own note.
ALTER TABLE blocks ADD COLUMN severity TEXT NOT NULL DEFAULT 'suspend' CHECK (severity IN ('suspend', 'silence'));
ALTER TABLE blocks ADD COLUMN public_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE blocks ADD COLUMN private_comment TEXT NOT NULL DEFAULT '';
