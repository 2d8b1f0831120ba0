-- Timestamps are UTC text in storage.clock's fixed format, so they sort as text.

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,            -- Telegram user id (= private chat id)
    role             TEXT CHECK (role IN ('company', 'prospector')),
    language         TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    language_chosen  INTEGER NOT NULL DEFAULT 0,     -- 1 once set with /language
    first_name       TEXT NOT NULL DEFAULT '',
    username         TEXT,
    created_at       TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    banned_at        TEXT,
    ban_notice_at    TEXT,
    blocked_at       TEXT                           -- set when Telegram answers 403
);
CREATE INDEX users_role ON users (role);
CREATE INDEX users_last_seen ON users (last_seen_at);

CREATE TABLE company_profiles (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    sector      TEXT NOT NULL,
    siren       TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE prospector_profiles (
    user_id              INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    number               INTEGER NOT NULL UNIQUE,     -- public code P-0042
    display_name         TEXT NOT NULL,
    languages            TEXT NOT NULL,               -- JSON list of language codes
    specialties          TEXT NOT NULL,               -- JSON list of specialty codes
    experience_years     INTEGER NOT NULL CHECK (experience_years BETWEEN 0 AND 50),
    bio                  TEXT NOT NULL DEFAULT '',
    notify_new_missions  INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE TABLE processed_updates (
    update_id     INTEGER PRIMARY KEY,
    processed_at  TEXT NOT NULL
);
CREATE INDEX processed_updates_at ON processed_updates (processed_at);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id      INTEGER NOT NULL,
    priority     INTEGER NOT NULL,                 -- 0 notification, 1 reminder, 2 broadcast
    method       TEXT NOT NULL,                    -- Bot API method, e.g. sendMessage
    params       TEXT NOT NULL,                    -- JSON parameters, chat_id excluded
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sent', 'failed', 'undeliverable')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    not_before   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    finished_at  TEXT,
    message_id   INTEGER,
    error        TEXT
);
-- The dispatcher's two questions: the oldest pending row of each chat, and what is due.
CREATE INDEX outbox_pending_chat ON outbox (chat_id, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_due ON outbox (priority, id) WHERE status = 'pending';

CREATE TABLE persistence_user_data (
    user_id  INTEGER PRIMARY KEY,
    data     TEXT NOT NULL
);

CREATE TABLE persistence_conversations (
    name   TEXT NOT NULL,
    key    TEXT NOT NULL,                          -- JSON list, e.g. [chat_id, user_id]
    state  TEXT NOT NULL,                          -- JSON value
    PRIMARY KEY (name, key)
);
