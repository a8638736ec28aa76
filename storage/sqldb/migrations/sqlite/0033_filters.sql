-- A local account's keyword filters (Mastodon's custom filters): posts whose text, content
-- warning or media descriptions hold one of a filter's keywords are hidden from it, or
-- shown behind the filter's title, in the filter's contexts (space-separated: home,
-- notifications, public, thread, account) until expires ('' for never).
CREATE TABLE filters (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    title    TEXT    NOT NULL,
    contexts TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    expires  TEXT    NOT NULL DEFAULT '',
    created  TEXT    NOT NULL
);
CREATE INDEX filters_actor ON filters (actor_id);

CREATE TABLE filter_keywords (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    filter_id  INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword    TEXT    NOT NULL,
    whole_word INTEGER NOT NULL DEFAULT 1,
    created    TEXT    NOT NULL
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id);
