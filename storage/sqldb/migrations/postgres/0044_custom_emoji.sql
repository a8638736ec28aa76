-- The custom emoji a remote actor's name and bio use (its Emoji tags: [{"Type": "Emoji",
-- "Name": ":shortcode:", "Href": picture URL}]), shown as their pictures from the remote
-- media cache. A note's are among its note_tags.
ALTER TABLE actors ADD COLUMN emojis_json text NOT NULL DEFAULT '[]';
