-- Machine translations of notes, kept so that the translation service is asked once per
-- note, version and language. version is the note's edit time (or publication time) as
-- the translating code wrote it: an edit makes a new version, whose translation is made
-- afresh; those of older versions are removed when it is kept. media_json holds the
-- attachments' descriptions, translated: [{"MediaID": 1, "Description": "..."}].
CREATE TABLE note_translations (
    note_id    bigint      NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    version    text        NOT NULL,
    target     text        NOT NULL,
    source     text        NOT NULL DEFAULT '',
    content    text        NOT NULL,
    summary    text        NOT NULL DEFAULT '',
    media_json text        NOT NULL DEFAULT '[]',
    provider   text        NOT NULL DEFAULT '',
    created    timestamptz NOT NULL,
    PRIMARY KEY (note_id, version, target)
);
