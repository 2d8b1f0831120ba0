-- Fan-out campaigns: one row stands for a message to a whole audience. It is written in the
-- transaction that causes it; the outbox rows are made from it afterwards, a chunk of
-- recipients per transaction, in user id order.

CREATE TABLE campaigns (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    audience_kind     TEXT NOT NULL,                 -- who: storage.models.Audience.kind
    audience_params   TEXT NOT NULL DEFAULT '{}',    -- JSON object, the audience's other fields
    priority          INTEGER NOT NULL,              -- of the outbox rows, as in outbox
    -- The message per language, as an outbox row holds it (Bot API method, JSON parameters
    -- without chat_id). A recipient whose language has none gets the default language's.
    default_language  TEXT NOT NULL CHECK (default_language IN ('fr', 'en')),
    fr_method         TEXT,
    fr_params         TEXT,
    en_method         TEXT,
    en_params         TEXT,
    status            TEXT NOT NULL DEFAULT 'expanding'
                      CHECK (status IN ('expanding', 'done', 'cancelled')),
    cursor            INTEGER NOT NULL DEFAULT 0,    -- last user id expanded (user ids are > 0)
    queued            INTEGER NOT NULL DEFAULT 0,    -- outbox rows made so far
    created_at        TEXT NOT NULL,
    finished_at       TEXT,
    CHECK ((fr_method IS NULL) = (fr_params IS NULL)),
    CHECK ((en_method IS NULL) = (en_params IS NULL)),
    CHECK (CASE default_language WHEN 'fr' THEN fr_method ELSE en_method END IS NOT NULL)
);
-- What is left to expand, at start and after each commit.
CREATE INDEX campaigns_expanding ON campaigns (id) WHERE status = 'expanding';

-- The outbox rows made from a campaign, to count its progress; unique, so that nobody gets
-- one campaign twice.
ALTER TABLE outbox ADD COLUMN campaign_id INTEGER REFERENCES campaigns (id);
CREATE UNIQUE INDEX outbox_campaign ON outbox (campaign_id, chat_id) WHERE campaign_id IS NOT NULL;

-- The prospectors to alert of a new mission, in user id order, with their markets: counting
-- or expanding them reads this index, not the profiles.
DROP INDEX prospector_alerts;
CREATE INDEX prospector_alerts ON prospector_profiles (notify_new_missions, user_id, specialties);
