-- Web Push: each API token may have one subscription (a new one replaces it), which goes
-- with the token. The token's secret is kept with it, only for as long as the subscription
-- lasts: the payload carries it, as Mastodon's does, and apps (Mastodon's own for iOS) tell
-- by it which of their accounts a push is for; the payload is encrypted to the app, which
-- holds the token already. alerts is the notification types the app asked for,
-- space-separated with a space on each side, so that one is found with LIKE '% name %'.
CREATE TABLE push_subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT    NOT NULL UNIQUE REFERENCES tokens (hash) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    endpoint   TEXT    NOT NULL,
    access_token TEXT  NOT NULL,
    p256dh     TEXT    NOT NULL, -- the browser's public key, base64url
    auth       TEXT    NOT NULL, -- the browser's auth secret, base64url
    alerts     TEXT    NOT NULL,
    policy     TEXT    NOT NULL,
    created    TEXT    NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);

-- Pushes waiting to be sent: one per (notification, subscription), queued in the
-- notification's transaction and leased and retried by the push workers as deliveries are.
-- Ids are never reused, for the same reason as deliveries' (0009).
CREATE TABLE pushes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_try        TEXT    NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    created         TEXT    NOT NULL
);
CREATE INDEX pushes_next ON pushes (next_try);
CREATE INDEX pushes_subscription ON pushes (subscription_id);
CREATE INDEX pushes_notification ON pushes (notification_id);
