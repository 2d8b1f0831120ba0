-- Missions posted by companies and the assignments of prospectors to them.

CREATE TABLE missions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id     INTEGER NOT NULL REFERENCES users (id),
    title          TEXT NOT NULL,
    brief          TEXT NOT NULL,
    pay_model      TEXT NOT NULL CHECK (pay_model IN ('appointment', 'lead', 'sale')),
    rate_cents     INTEGER NOT NULL CHECK (rate_cents > 0),
    slots          INTEGER NOT NULL CHECK (slots BETWEEN 1 AND 100),
    result_cap     INTEGER CHECK (result_cap BETWEEN 1 AND 100000),
    deadline       TEXT,                            -- last day, YYYY-MM-DD in TIMEZONE
    target         TEXT NOT NULL CHECK (target IN ('b2b', 'b2c')),
    approval       TEXT NOT NULL CHECK (approval IN ('auto', 'manual')),
    status         TEXT NOT NULL CHECK (status IN ('open', 'paused', 'closed')),
    active_count   INTEGER NOT NULL DEFAULT 0,      -- active assignments, kept in step
    created_at     TEXT NOT NULL,
    published_at   TEXT,
    closed_at      TEXT,
    closed_reason  TEXT CHECK (closed_reason IN ('company', 'deadline', 'cap', 'admin'))
);
-- /browse: open missions with a free slot, newest first; filters are checked on the rows
-- walked in that order, so a page costs the same whatever the table's size. Only open
-- missions are indexed, and the index carries every column the filters test, so the walk
-- stays inside this small index and reads the table only for the rows it returns.
CREATE INDEX missions_browse ON missions
    (published_at DESC, id DESC, active_count, slots, pay_model, target, rate_cents)
    WHERE status = 'open';
CREATE INDEX missions_company ON missions (company_id, id DESC);
CREATE INDEX missions_deadline ON missions (deadline) WHERE status IN ('open', 'paused');

CREATE TABLE assignments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    mission_id         INTEGER NOT NULL REFERENCES missions (id),
    prospector_id      INTEGER NOT NULL REFERENCES users (id),
    status             TEXT NOT NULL CHECK (status IN
                           ('negotiating', 'applied', 'active', 'ended', 'declined', 'left')),
    -- While applied: the posted rate applied for (a later rate change does not touch it).
    -- From activation on: the agreed rate, never changed after.
    agreed_rate_cents  INTEGER,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    activated_at       TEXT,
    UNIQUE (mission_id, prospector_id)
);
CREATE INDEX assignments_prospector ON assignments (prospector_id, status);
CREATE INDEX assignments_mission ON assignments (mission_id, status);

-- Prospectors who asked for alerts, by market, for the fan-out when a mission is published.
CREATE INDEX prospector_alerts ON prospector_profiles (notify_new_missions);
