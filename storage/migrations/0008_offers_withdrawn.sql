-- rebuilds tables
-- Offers gain the status `withdrawn`: a prospector who leaves a mission takes back every
-- offer still pending in their thread, so none can be accepted later. SQLite adds a value
-- to a CHECK only by rebuilding the table.

CREATE TABLE offers_rebuilt (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id     INTEGER NOT NULL REFERENCES threads (id),
    author_id     INTEGER NOT NULL REFERENCES users (id),
    amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
    status        TEXT NOT NULL CHECK (status IN
                      ('pending', 'accepted', 'declined', 'superseded', 'withdrawn')),
    created_at    TEXT NOT NULL,
    decided_at    TEXT
);
INSERT INTO offers_rebuilt SELECT * FROM offers;
DROP TABLE offers;
ALTER TABLE offers_rebuilt RENAME TO offers;
-- The index of 0003, unchanged.
CREATE INDEX offers_thread ON offers (thread_id, id);
