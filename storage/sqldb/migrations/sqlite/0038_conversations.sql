-- A local account's conversations (Mastodon's AccountConversation): one per thread of
-- direct notes it takes part in, as author or recipient, keyed by the thread's context
-- (the notes' conversation, or the thread's root when they carry none). last_note_id is
-- its newest note, by which the list is ordered and paged; unread until the account reads
-- it, or writes in it. conversation_notes holds the notes of each, so that deleting the
-- newest moves last_note_id back, and deleting the last one drops the conversation.
-- Written where notes are stored and deleted (CreateNote, tombstone).
CREATE TABLE conversations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id     INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    context      TEXT    NOT NULL,
    last_note_id INTEGER NOT NULL,
    unread       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (actor_id, context)
);
CREATE INDEX conversations_actor_last ON conversations (actor_id, last_note_id);
CREATE INDEX conversations_last ON conversations (last_note_id);

CREATE TABLE conversation_notes (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    note_id         INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, note_id)
);
CREATE INDEX conversation_notes_note ON conversation_notes (note_id);
