-- rebuilds tables
-- Results of calls, their review and disputes, and the ledger of what each company owes each
-- prospector. Missions gain the status `completed` (the cap of validated results reached),
-- which SQLite can only add by rebuilding the table.

CREATE TABLE missions_rebuilt (
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
    status         TEXT NOT NULL CHECK (status IN ('open', 'paused', 'closed', 'completed')),
    active_count   INTEGER NOT NULL DEFAULT 0,      -- active assignments, kept in step
    created_at     TEXT NOT NULL,
    published_at   TEXT,
    closed_at      TEXT,
    closed_reason  TEXT CHECK (closed_reason IN ('company', 'deadline', 'cap', 'admin'))
);
INSERT INTO missions_rebuilt SELECT * FROM missions;
DROP TABLE missions;
ALTER TABLE missions_rebuilt RENAME TO missions;
-- The indexes of 0002, unchanged.
CREATE INDEX missions_browse ON missions
    (published_at DESC, id DESC, active_count, slots, pay_model, target, rate_cents)
    WHERE status = 'open';
CREATE INDEX missions_company ON missions (company_id, id DESC);
CREATE INDEX missions_deadline ON missions (deadline) WHERE status IN ('open', 'paused');

CREATE TABLE results (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment_id    INTEGER NOT NULL REFERENCES assignments (id),
    mission_id       INTEGER NOT NULL REFERENCES missions (id),
    prospector_id    INTEGER NOT NULL REFERENCES users (id),
    contact_name     TEXT NOT NULL,
    contact_company  TEXT,
    phone            TEXT NOT NULL,                 -- E.164
    appointment_at   TEXT,                          -- UTC, appointment missions only
    notes            TEXT NOT NULL DEFAULT '',
    proof_kind       TEXT CHECK (proof_kind IN ('photo', 'document', 'voice', 'audio')),
    proof_file_id    TEXT,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'validated', 'rejected')),
    submitted_at     TEXT NOT NULL,
    review_due_at    TEXT,                          -- while pending: validated then unless reviewed
    reviewed_at      TEXT,
    reviewed_by      TEXT CHECK (reviewed_by IN ('company', 'auto', 'dispute')),
    reason           TEXT,                          -- why it was rejected
    dispute_due_at   TEXT,                          -- after a rejection: last moment to dispute
    CHECK ((proof_kind IS NULL) = (proof_file_id IS NULL)),
    -- The same number twice on one mission is one contact, not two results.
    UNIQUE (mission_id, phone)
);
CREATE INDEX results_review_due ON results (review_due_at) WHERE status = 'pending';
CREATE INDEX results_mission ON results (mission_id, status, id);
CREATE INDEX results_assignment ON results (assignment_id, status);

CREATE TABLE disputes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    result_id    INTEGER NOT NULL UNIQUE REFERENCES results (id),
    explanation  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'validated', 'kept_rejected')),
    opened_at    TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   INTEGER REFERENCES users (id),     -- the admin
    note         TEXT
);
CREATE INDEX disputes_open ON disputes (id) WHERE status = 'open';

-- What companies owe prospectors. Entries are written once and never changed: a correction
-- is a new entry. One validation entry per result, whoever validated it.
CREATE TABLE ledger_entries (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT NOT NULL CHECK (kind IN ('validation', 'correction')),
    result_id      INTEGER NOT NULL REFERENCES results (id),
    mission_id     INTEGER NOT NULL REFERENCES missions (id),
    company_id     INTEGER NOT NULL REFERENCES users (id),
    prospector_id  INTEGER NOT NULL REFERENCES users (id),
    gross_cents    INTEGER NOT NULL,
    fee_cents      INTEGER NOT NULL,
    net_cents      INTEGER NOT NULL CHECK (net_cents = gross_cents - fee_cents),
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX ledger_one_validation ON ledger_entries (result_id) WHERE kind = 'validation';
CREATE INDEX ledger_prospector ON ledger_entries (prospector_id, company_id);
CREATE INDEX ledger_mission ON ledger_entries (mission_id);
CREATE TRIGGER ledger_entries_are_never_changed BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are never changed: write a correction');
END;
CREATE TRIGGER ledger_entries_are_never_deleted BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are never deleted: write a correction');
END;
