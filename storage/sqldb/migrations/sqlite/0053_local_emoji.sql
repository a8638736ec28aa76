-- The instance's own custom emoji, added by its admin: :shortcode: in a local post becomes
-- the picture (a file under the data folder's media, served as uploads are) and goes out as
-- an Emoji tag.
CREATE TABLE custom_emojis (
    id         INTEGER PRIMARY KEY,
    shortcode  TEXT    NOT NULL UNIQUE,
    path       TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    media_type TEXT    NOT NULL,
    created    TEXT    NOT NULL
);
