-- Private threads between a mission's company and one prospector, and rate offers.

CREATE TABLE threads (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    mission_id       INTEGER NOT NULL REFERENCES missions (id),
    prospector_id    INTEGER NOT NULL REFERENCES users (id),
    company_id       INTEGER NOT NULL REFERENCES users (id),
    created_at       TEXT NOT NULL,
    last_message_at  TEXT NOT NULL,
    UNIQUE (mission_id, prospector_id)
);
CREATE INDEX threads_prospector ON threads (prospector_id, last_message_at DESC);
CREATE INDEX threads_company ON threads (company_id, last_message_at DESC);

CREATE TABLE offers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id     INTEGER NOT NULL REFERENCES threads (id),
    author_id     INTEGER NOT NULL REFERENCES users (id),
    amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
    status        TEXT NOT NULL
                  CHECK (status IN ('pending', 'accepted', 'declined', 'superseded')),
    created_at    TEXT NOT NULL,
    decided_at    TEXT
);
CREATE INDEX offers_thread ON offers (thread_id, id);

CREATE TABLE thread_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id   INTEGER NOT NULL REFERENCES threads (id),
    sender_id   INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN
                    ('text', 'photo', 'document', 'voice', 'audio', 'video', 'offer')),
    body        TEXT NOT NULL DEFAULT '',          -- text or caption, as the sender wrote it
    file_id     TEXT,
    offer_id    INTEGER REFERENCES offers (id),
    created_at  TEXT NOT NULL,
    read_at     TEXT                               -- when the recipient opened the thread
);
CREATE INDEX thread_messages_thread ON thread_messages (thread_id, id);
CREATE INDEX thread_messages_unread ON thread_messages (thread_id) WHERE read_at IS NULL;

-- A relayed message remembers its thread, so that a Telegram reply to it finds the way back.
ALTER TABLE outbox ADD COLUMN thread_id INTEGER REFERENCES threads (id);
CREATE INDEX outbox_delivered ON outbox (chat_id, message_id) WHERE message_id IS NOT NULL;
