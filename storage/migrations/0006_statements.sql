-- Payout statements: what a company owes a prospector for validated results not yet on a
-- statement, issued on PAYOUT_SCHEDULE, reminded until marked paid, and the prospector's
-- receipt. Reminders are rows' `next_reminder_at`, so a restart catches up from the database.

CREATE TABLE statement_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    scheduled_for   TEXT NOT NULL UNIQUE,            -- the PAYOUT_SCHEDULE time it stands for
    done_at         TEXT NOT NULL,
    statements      INTEGER NOT NULL
);

CREATE TABLE statements (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id              INTEGER NOT NULL REFERENCES statement_runs (id),
    company_id          INTEGER NOT NULL REFERENCES users (id),
    prospector_id       INTEGER NOT NULL REFERENCES users (id),
    period_start        TEXT NOT NULL,                -- the first entry's time
    period_end          TEXT NOT NULL,                -- the last entry's time
    entries             INTEGER NOT NULL CHECK (entries > 0),
    gross_cents         INTEGER NOT NULL,
    fee_cents           INTEGER NOT NULL,
    net_cents           INTEGER NOT NULL CHECK (net_cents = gross_cents - fee_cents),
    issued_at           TEXT NOT NULL,
    due_at              TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('due', 'paid')),
    paid_at             TEXT,
    paid_by             INTEGER REFERENCES users (id),
    payment_reference   TEXT,
    receipt             TEXT CHECK (receipt IN ('confirmed', 'missing')),
    receipt_at          TEXT,
    -- The next reminder to the company while due, and which one it is.
    next_reminder_at    TEXT,
    next_reminder       TEXT CHECK (next_reminder IN ('before', 'due', 'overdue')),
    overdue_reminders   INTEGER NOT NULL DEFAULT 0,
    escalated_at        TEXT,
    UNIQUE (run_id, company_id, prospector_id)
);
CREATE INDEX statements_reminders ON statements (next_reminder_at) WHERE status = 'due';
CREATE INDEX statements_company ON statements (company_id, status, due_at);
CREATE INDEX statements_prospector ON statements (prospector_id, status);

-- Which ledger entries each statement gathers; an entry is on one statement at most.
CREATE TABLE statement_entries (
    statement_id     INTEGER NOT NULL REFERENCES statements (id),
    ledger_entry_id  INTEGER NOT NULL UNIQUE REFERENCES ledger_entries (id),
    PRIMARY KEY (statement_id, ledger_entry_id)
);
