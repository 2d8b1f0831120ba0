-- The admins' audit log: one row per admin action (a broadcast, a ban, an unban, a dispute
-- decision), written in the same transaction as the action, so the log and the marketplace
-- never disagree.

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    admin_id    INTEGER NOT NULL,                -- Telegram user id of the admin who acted
    action      TEXT NOT NULL,                   -- storage.models.AuditAction
    subject_id  INTEGER,                         -- the user, dispute or broadcast acted on
    details     TEXT NOT NULL DEFAULT '{}',      -- JSON object: what the action affected
    created_at  TEXT NOT NULL
);
-- /audit pages newest first.
CREATE INDEX audit_log_newest ON audit_log (id DESC);
