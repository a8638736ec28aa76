-- note_recipients (0005) keeps, for a remote note, only the local accounts it addresses or
-- mentions: whether a remote actor may read a remote note is its own server's business,
-- never asked here, and a note may name 10,000 recipients (and 1,000 mentions), which
-- were all stored. A local note keeps every recipient, remote ones included: they are the
-- actors allowed to fetch it from us.
DROP TRIGGER note_recipients_insert;
DROP TRIGGER note_recipients_mention_insert;

CREATE TRIGGER note_recipients_insert AFTER INSERT ON notes
WHEN NEW.visibility NOT IN ('public', 'unlisted') BEGIN
    INSERT OR IGNORE INTO note_recipients (actor_uri, author_id, note_id, via)
        SELECT value, NEW.actor_id, NEW.id, 'to' FROM
            (SELECT value FROM json_each(NEW.to_json) WHERE type = 'text'
             UNION ALL
             SELECT value FROM json_each(NEW.cc_json) WHERE type = 'text')
        WHERE NEW.local = 1 OR EXISTS (SELECT 1 FROM actors a WHERE a.uri = value AND a.local = 1);
END;

CREATE TRIGGER note_recipients_mention_insert AFTER INSERT ON note_tags
WHEN NEW.type = 'Mention' BEGIN
    INSERT OR IGNORE INTO note_recipients (actor_uri, author_id, note_id, via)
        SELECT NEW.href, n.actor_id, n.id, 'mention' FROM notes n
        WHERE n.id = NEW.note_id AND n.visibility NOT IN ('public', 'unlisted')
        AND (n.local = 1 OR EXISTS (SELECT 1 FROM actors a WHERE a.uri = NEW.href AND a.local = 1));
END;

DELETE FROM note_recipients WHERE note_id IN (SELECT id FROM notes WHERE local = 0)
    AND actor_uri NOT IN (SELECT uri FROM actors WHERE local = 1);
