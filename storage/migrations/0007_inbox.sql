-- The inbox: every update fetched from Telegram is stored here, in a transaction of its own,
-- before Telegram is told it was received; a crash then loses nothing, and the next start
-- processes the rows still pending. The same row is the record that the update was handled:
-- the first handler run claims it (pending → taken), so a redelivered update acts once.
-- It replaces processed_updates, whose ids are kept as taken.

CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'taken')),
    received_at  TEXT NOT NULL,
    payload      TEXT,                             -- the update's JSON while pending
    CHECK ((status = 'pending') = (payload IS NOT NULL))
);
CREATE INDEX inbox_pending ON inbox (update_id) WHERE status = 'pending';
CREATE INDEX inbox_received_at ON inbox (received_at);

INSERT INTO inbox (update_id, status, received_at, payload)
SELECT update_id, 'taken', processed_at, NULL FROM processed_updates;

DROP TABLE processed_updates;
