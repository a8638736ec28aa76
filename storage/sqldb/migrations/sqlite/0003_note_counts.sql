-- Post counts kept on each actor by triggers, so that a profile page does not count a
-- prolific account's notes one by one (200 ms for 100,000 notes). notes_public counts the
-- notes anyone may read (public and unlisted), notes_total every note; deleted notes count
-- in neither. They are columns rather than a table of their own so that storing a note
-- adds no row anywhere but where the note goes.
ALTER TABLE actors ADD COLUMN notes_public INTEGER NOT NULL DEFAULT 0;
ALTER TABLE actors ADD COLUMN notes_total INTEGER NOT NULL DEFAULT 0;

UPDATE actors SET
    notes_public = (SELECT count(*) FROM notes n WHERE n.actor_id = actors.id AND n.deleted_at = ''
                    AND n.visibility IN ('public', 'unlisted')),
    notes_total = (SELECT count(*) FROM notes n WHERE n.actor_id = actors.id AND n.deleted_at = '');

CREATE TRIGGER notes_count_insert AFTER INSERT ON notes WHEN NEW.deleted_at = '' BEGIN
    UPDATE actors SET notes_public = notes_public + (NEW.visibility IN ('public', 'unlisted')),
        notes_total = notes_total + 1 WHERE id = NEW.actor_id;
END;

CREATE TRIGGER notes_count_delete AFTER DELETE ON notes WHEN OLD.deleted_at = '' BEGIN
    UPDATE actors SET notes_public = notes_public - (OLD.visibility IN ('public', 'unlisted')),
        notes_total = notes_total - 1 WHERE id = OLD.actor_id;
END;

CREATE TRIGGER notes_count_update AFTER UPDATE OF actor_id, visibility, deleted_at ON notes BEGIN
    UPDATE actors SET notes_public = notes_public - (OLD.visibility IN ('public', 'unlisted')),
        notes_total = notes_total - 1 WHERE id = OLD.actor_id AND OLD.deleted_at = '';
    UPDATE actors SET notes_public = notes_public + (NEW.visibility IN ('public', 'unlisted')),
        notes_total = notes_total + 1 WHERE id = NEW.actor_id AND NEW.deleted_at = '';
END;

-- The notes only some may read, found without walking an actor's public ones: what a
-- signed-in visitor's count adds to the public one. Partial, so that storing a public note
-- (nearly all of them) does not write to it.
CREATE INDEX notes_actor_private ON notes (actor_id) WHERE visibility IN ('followers', 'direct');
