"""Payout statements, the runs that issue them, and the ledger entries they gather."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.clock import Clock, from_db, to_db
from storage.database import Database, Reader, Row, Transaction
from storage.models import PayoutSummary, Receipt, ReminderKind, Statement, StatementGroup

_TIMES = (
    "period_start", "period_end", "issued_at", "due_at", "paid_at", "receipt_at",
    "next_reminder_at", "escalated_at",
)  # fmt: skip
_COLUMNS = """
    s.id, s.company_id, s.prospector_id, s.period_start, s.period_end, s.entries,
    s.gross_cents, s.fee_cents, s.net_cents, s.issued_at, s.due_at, s.status, s.paid_at,
    s.paid_by, s.payment_reference, s.receipt, s.receipt_at, s.next_reminder_at,
    s.next_reminder, s.overdue_reminders, s.escalated_at,
    c.name AS company_name, p.number AS prospector_number
"""
# Every statement is read with the public names of its two sides.
_FROM = """
    statements s
    JOIN company_profiles c ON c.user_id = s.company_id
    JOIN prospector_profiles p ON p.user_id = s.prospector_id
"""


_FROM_DUE = _FROM.replace("statements s", "statements s INDEXED BY statements_reminders")


def _statement(row: Row) -> Statement:
    data: dict[str, Any] = dict(row)
    for name in _TIMES:
        data[name] = from_db(data[name]) if data[name] else None
    return Statement.model_validate(data)


class StatementRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # --- runs ---

    async def last_run(self, reader: Reader | None = None) -> datetime | None:
        value = await (reader or self._db.read).fetch_value(
            "SELECT MAX(scheduled_for) FROM statement_runs"
        )
        return from_db(value) if value else None

    async def start_run(self, tx: Transaction, scheduled_for: datetime) -> int | None:
        """Record the run for `scheduled_for`; None if it was done already."""
        changed = await tx.execute(
            """
            INSERT INTO statement_runs (scheduled_for, done_at, statements) VALUES (?, ?, 0)
            ON CONFLICT (scheduled_for) DO NOTHING
            """,
            (to_db(scheduled_for), to_db(self._clock.now())),
        )
        if not changed:
            return None
        value = await tx.fetch_value(
            "SELECT id FROM statement_runs WHERE scheduled_for = ?", (to_db(scheduled_for),)
        )
        return int(value)

    async def finish_run(self, tx: Transaction, run_id: int, statements: int) -> None:
        await tx.execute(
            "UPDATE statement_runs SET statements = ? WHERE id = ?", (statements, run_id)
        )

    # --- issuing ---

    async def unstatemented(self, tx: Transaction) -> list[StatementGroup]:
        """Validated entries on no statement yet, grouped by company and prospector."""
        rows = await tx.fetch_all(
            """
            SELECT l.company_id, l.prospector_id, COUNT(*) AS entries,
                SUM(l.gross_cents) AS gross_cents, SUM(l.fee_cents) AS fee_cents,
                SUM(l.net_cents) AS net_cents, MIN(l.created_at) AS first_at,
                MAX(l.created_at) AS last_at
            FROM ledger_entries l
            WHERE NOT EXISTS (SELECT 1 FROM statement_entries e WHERE e.ledger_entry_id = l.id)
            GROUP BY l.company_id, l.prospector_id
            ORDER BY l.company_id, l.prospector_id
            """
        )
        groups = []
        for row in rows:
            data: dict[str, Any] = dict(row)
            data["first_at"], data["last_at"] = from_db(row["first_at"]), from_db(row["last_at"])
            groups.append(StatementGroup.model_validate(data))
        return groups

    async def create(
        self,
        tx: Transaction,
        run_id: int,
        group: StatementGroup,
        due_at: datetime,
        first_reminder: tuple[datetime, ReminderKind],
    ) -> int:
        """The statement of `group`, gathering its entries, in `tx`."""
        statement_id = await tx.insert(
            """
            INSERT INTO statements (run_id, company_id, prospector_id, period_start,
                period_end, entries, gross_cents, fee_cents, net_cents, issued_at, due_at,
                status, next_reminder_at, next_reminder)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'due', ?, ?)
            """,
            (
                run_id,
                group.company_id,
                group.prospector_id,
                to_db(group.first_at),
                to_db(group.last_at),
                group.entries,
                group.gross_cents,
                group.fee_cents,
                group.net_cents,
                to_db(self._clock.now()),
                to_db(due_at),
                to_db(first_reminder[0]),
                first_reminder[1],
            ),
        )
        await tx.execute(
            """
            INSERT INTO statement_entries (statement_id, ledger_entry_id)
            SELECT ?, l.id FROM ledger_entries l
            WHERE l.company_id = ? AND l.prospector_id = ?
              AND NOT EXISTS (SELECT 1 FROM statement_entries e WHERE e.ledger_entry_id = l.id)
            """,
            (statement_id, group.company_id, group.prospector_id),
        )
        return statement_id

    async def get(self, statement_id: int, reader: Reader | None = None) -> Statement | None:
        row = await (reader or self._db.read).fetch_one(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE s.id = ?", (statement_id,)
        )
        return _statement(row) if row else None

    async def entry_rows(self, statement_id: int, reader: Reader | None = None) -> list[Row]:
        """The statement's entries with their result and mission, for its CSV."""
        return await (reader or self._db.read).fetch_all(
            """
            SELECT l.result_id, l.mission_id, m.title, r.contact_name, l.created_at,
                l.gross_cents, l.fee_cents, l.net_cents
            FROM statement_entries e
            JOIN ledger_entries l ON l.id = e.ledger_entry_id
            JOIN missions m ON m.id = l.mission_id
            JOIN results r ON r.id = l.result_id
            WHERE e.statement_id = ? ORDER BY l.id
            """,
            (statement_id,),
        )

    # --- reminders ---

    async def reminders_due(self, tx: Transaction, now: datetime, limit: int) -> list[Statement]:
        rows = await tx.fetch_all(
            f"""
            SELECT {_COLUMNS} FROM {_FROM_DUE}
            WHERE s.status = 'due' AND s.next_reminder_at <= ?
            ORDER BY s.next_reminder_at, s.id LIMIT ?
            """,
            (to_db(now), limit),
        )
        return [_statement(row) for row in rows]

    async def schedule_reminder(
        self,
        tx: Transaction,
        statement_id: int,
        at: datetime,
        kind: ReminderKind,
        *,
        overdue_sent: bool = False,
        escalated: bool = False,
    ) -> None:
        await tx.execute(
            """
            UPDATE statements SET next_reminder_at = ?, next_reminder = ?,
                overdue_reminders = overdue_reminders + ?,
                escalated_at = CASE WHEN ? THEN ? ELSE escalated_at END
            WHERE id = ? AND status = 'due'
            """,
            (
                to_db(at),
                kind,
                int(overdue_sent),
                int(escalated),
                to_db(self._clock.now()),
                statement_id,
            ),
        )

    # --- payment and receipt ---

    async def mark_paid(
        self, tx: Transaction, statement_id: int, paid_by: int, reference: str
    ) -> bool:
        """Paid, with the reference: no more reminders. False if it was paid already."""
        changed = await tx.execute(
            """
            UPDATE statements SET status = 'paid', paid_at = ?, paid_by = ?,
                payment_reference = ?, next_reminder_at = NULL, next_reminder = NULL
            WHERE id = ? AND status = 'due'
            """,
            (to_db(self._clock.now()), paid_by, reference, statement_id),
        )
        return changed > 0

    async def record_receipt(self, tx: Transaction, statement_id: int, receipt: Receipt) -> bool:
        """The prospector's word on a paid statement, once."""
        changed = await tx.execute(
            """
            UPDATE statements SET receipt = ?, receipt_at = ?
            WHERE id = ? AND status = 'paid' AND receipt IS NULL
            """,
            (receipt, to_db(self._clock.now()), statement_id),
        )
        return changed > 0

    # --- lists ---

    async def for_company(self, company_id: int, paid_since: datetime) -> list[Statement]:
        """The company's statements still due, then those paid since `paid_since`."""
        rows = await self._db.read.fetch_all(
            f"""
            SELECT {_COLUMNS} FROM {_FROM}
            WHERE s.company_id = ? AND (s.status = 'due' OR s.paid_at >= ?)
            ORDER BY s.status = 'paid', s.due_at, s.id
            LIMIT 50
            """,
            (company_id, to_db(paid_since)),
        )
        return [_statement(row) for row in rows]

    async def summary_for_prospector(
        self, prospector_id: int, now: datetime, month_start: datetime
    ) -> list[PayoutSummary]:
        """Per company: validated not yet on a statement, on statements due (not yet
        overdue), overdue, paid this month, and all time."""
        rows = await self._db.read.fetch_all(
            """
            SELECT l.company_id, c.name AS company_name,
                SUM(CASE WHEN s.id IS NULL THEN l.net_cents ELSE 0 END) AS unstatemented_cents,
                SUM(CASE WHEN s.status = 'due' AND s.due_at > ? THEN l.net_cents ELSE 0 END)
                    AS due_cents,
                SUM(CASE WHEN s.status = 'due' AND s.due_at <= ? THEN l.net_cents ELSE 0 END)
                    AS overdue_cents,
                SUM(CASE WHEN s.status = 'paid' AND s.paid_at >= ? THEN l.net_cents ELSE 0 END)
                    AS paid_this_month_cents,
                SUM(l.net_cents) AS all_time_cents
            FROM ledger_entries l
            JOIN company_profiles c ON c.user_id = l.company_id
            LEFT JOIN statement_entries e ON e.ledger_entry_id = l.id
            LEFT JOIN statements s ON s.id = e.statement_id
            WHERE l.prospector_id = ?
            GROUP BY l.company_id ORDER BY all_time_cents DESC, l.company_id
            """,
            (to_db(now), to_db(now), to_db(month_start), prospector_id),
        )
        return [PayoutSummary.model_validate(dict(row)) for row in rows]
