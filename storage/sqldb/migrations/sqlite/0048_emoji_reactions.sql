-- Emoji reactions to notes (Pleroma's and honk's EmojiReact, Misskey's Like with a
-- reaction, and local accounts' own). They are not likes: an actor may react to one note
-- with several emoji, each once, and likes allow one per actor and note. emoji is the
-- Unicode emoji or a custom emoji's shortcode between colons; image_url is a custom
-- emoji's picture on its own server, '' for a Unicode one.
CREATE TABLE emoji_reactions (
    id        INTEGER PRIMARY KEY,
    uri       TEXT    NOT NULL UNIQUE,
    actor_id  INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    note_id   INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    emoji     TEXT    NOT NULL,
    image_url TEXT    NOT NULL DEFAULT '',
    created   TEXT    NOT NULL,
    UNIQUE (actor_id, note_id, emoji)
);
CREATE INDEX emoji_reactions_note ON emoji_reactions (note_id);

-- A reaction's notification says which emoji, as Pleroma's pleroma:emoji_reaction does.
ALTER TABLE notifications ADD COLUMN emoji TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN emoji_url TEXT NOT NULL DEFAULT '';
