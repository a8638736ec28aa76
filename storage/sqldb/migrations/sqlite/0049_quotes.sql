-- Quote posts (FEP-044f, and the older forms Misskey and others write): the post a note
-- quotes, whether the quoted author's approval holds (quote_state), and the approval stamp
-- that proves it (a QuoteAuthorization's id). quote_policy is who may quote the note: for
-- a local one its author's choice, for a remote one what its server advertises.
ALTER TABLE notes ADD COLUMN quote_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN quote_state TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN quote_authorization TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN quote_policy TEXT NOT NULL DEFAULT '';
CREATE INDEX notes_quote_authorization ON notes (quote_authorization) WHERE quote_authorization <> '';

-- The quotes of local notes that their authors approved: each is the stamp served at
-- <note>/quotes/<id>, which other servers check before they show the quote.
CREATE TABLE quote_approvals (
    id        INTEGER PRIMARY KEY,
    note_id   INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    quote_uri TEXT    NOT NULL,
    actor_id  INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created   TEXT    NOT NULL,
    UNIQUE (note_id, quote_uri)
);
