-- Machine translations of notes, kept so that the translation service is asked once per
-- note, version and language. version is the note's edit time (or publication time) as
-- the translating code wrote it: an edit makes a new version, whose translation is made
-- afresh; those of older versions are removed when it is kept. media_json holds the
-- attachments' descriptions, translated: [{"MediaID": 1, "Description": "..."}].
CREATE TABLE note_translations (
    note_id    INTEGER     NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    version    TEXT        NOT NULL,
    target     TEXT        NOT NULL,
    source     TEXT        NOT NULL DEFAULT '',
    content    TEXT        NOT NULL,
    summary    TEXT        NOT NULL DEFAULT '',
    media_json TEXT        NOT NULL DEFAULT '[]',
    provider   TEXT        NOT NULL DEFAULT '',
    created    TEXT        NOT NULL,
    PRIMARY KEY (note_id, version, target)
);
