-- Admins' broadcasts: one admin message copied to an audience through a campaign, and what
-- the admin is shown of it. The progress message's id and when it was last edited live
-- here, so that a restart goes on editing the same message no more often than before, and
-- the final report is queued once: by the transaction that moves the broadcast out of
-- 'sending'.

CREATE TABLE broadcasts (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id          INTEGER NOT NULL UNIQUE REFERENCES campaigns (id),
    admin_id             INTEGER NOT NULL,      -- who started it: progress and report go there
    audience             TEXT NOT NULL,         -- storage.models.Audience.kind
    source_chat_id       INTEGER NOT NULL,      -- the admin's message that is copied
    source_message_id    INTEGER NOT NULL,
    paid                 INTEGER NOT NULL DEFAULT 0,   -- Telegram's paid broadcasts
    recipients           INTEGER NOT NULL,      -- the audience's size when it started
    status               TEXT NOT NULL DEFAULT 'sending'
                         CHECK (status IN ('sending', 'finished', 'cancelled')),
    progress_message_id  INTEGER,               -- the admin's progress message, once sent
    progress_at          TEXT NOT NULL,         -- when it was last sent or edited (claimed)
    started_at           TEXT NOT NULL,
    ended_at             TEXT,
    -- The outcome when it ended (cancelled: what went out before).
    sent                 INTEGER,
    blocked              INTEGER,
    failed               INTEGER
);
-- One broadcast at a time.
CREATE UNIQUE INDEX broadcasts_sending ON broadcasts (status) WHERE status = 'sending';
-- A preview is sent once, however often its Send is tapped.
CREATE UNIQUE INDEX broadcasts_source ON broadcasts (source_chat_id, source_message_id);
