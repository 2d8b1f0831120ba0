"""Catching up 10,000 payment reminders after a 3-day outage.

Builds a throw-away database through the real `Database` (migrations and PRAGMAs) and
bulk-seeds 10,000 companies, 100 prospectors, one statement run and one unpaid statement
per company, each with its next reminder fallen due while the bot was down for 3 days: a
third waiting on their "before" reminder (their due time passed too), a third on their
"due" one, a third on an overdue one (some of those reach MAX_OVERDUE_REMINDERS and alert
the admin). Then, on a clock stopped at the end of the outage, with the bot's real
`OutboxNotifier` and renderers and no quiet hours, it times one call of the real
`services.payouts.send_due_reminders` and counts the outbox rows it queued.

Run from the repository root:  .venv/bin/python -m benchmarks.reminders
Targets: catch-up < 10 s; exactly 10,000 reminders queued, one per statement (0 duplicates).
Always exits 0: this is a measurement; read the verdict.
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import notice_renderers
from bot.kit.i18n import LANGUAGES, Catalogs
from bot.kit.notifier import OutboxNotifier
from services import notices, payouts
from services.ports import Deps, Rules
from storage.clock import ManualClock, to_db
from storage.database import Database
from storage.models import ReminderKind
from storage.repositories import Repositories

STATEMENTS = 10_000
PROSPECTORS = 100
COMPANY_BASE_ID = 1_000_000
PROSPECTOR_BASE_ID = 2_000_000
ADMIN_ID = 1
OUTAGE = timedelta(days=3)
# The bot comes back at this moment (a Wednesday, 11:00 in Paris).
BACK_AT = datetime(2026, 3, 18, 10, 0, tzinfo=UTC)
CATCH_UP_TARGET_S = 10.0

INSERT_USER = """INSERT INTO users (id, role, language, first_name, created_at, last_seen_at)
    VALUES (?, ?, ?, ?, ?, ?)"""
INSERT_COMPANY = """INSERT INTO company_profiles (user_id, name, sector, created_at, updated_at)
    VALUES (?, ?, 'saas', ?, ?)"""
INSERT_PROSPECTOR = """INSERT INTO prospector_profiles (user_id, number, display_name,
    languages, specialties, experience_years, created_at, updated_at)
    VALUES (?, ?, ?, '["fr"]', '["b2b"]', 3, ?, ?)"""
INSERT_RUN = """INSERT INTO statement_runs (id, scheduled_for, done_at, statements)
    VALUES (1, ?, ?, ?)"""
INSERT_STATEMENT = """INSERT INTO statements (run_id, company_id, prospector_id, period_start,
    period_end, entries, gross_cents, fee_cents, net_cents, issued_at, due_at, status,
    next_reminder_at, next_reminder, overdue_reminders)
    VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'due', ?, ?, ?)"""


# --- seeding ----------------------------------------------------------------------------


def user_rows(now: str) -> Iterator[tuple[Any, ...]]:
    yield ADMIN_ID, "company", "en", "Admin", now, now
    for n in range(1, STATEMENTS + 1):
        language = "en" if n % 3 == 0 else "fr"
        yield COMPANY_BASE_ID + n, "company", language, f"Company {n}", now, now
    for n in range(1, PROSPECTORS + 1):
        yield PROSPECTOR_BASE_ID + n, "prospector", "fr", f"Prospector {n}", now, now


def statement_rows() -> Iterator[tuple[Any, ...]]:
    """One statement per company, each reminder due at some moment of the outage."""
    down_at = BACK_AT - OUTAGE
    for n in range(1, STATEMENTS + 1):
        fell_due = down_at + OUTAGE * (n / (STATEMENTS + 1))
        kind = (ReminderKind.BEFORE, ReminderKind.DUE, ReminderKind.OVERDUE)[n % 3]
        if kind is ReminderKind.BEFORE:
            due_at = fell_due + timedelta(hours=24)
            overdue = 0
            # Some of those "before" reminders' due time passed during the outage too.
            if due_at > BACK_AT:
                due_at = fell_due + timedelta(hours=1)
        elif kind is ReminderKind.DUE:
            due_at, overdue = fell_due, 0
        else:
            overdue = n % 4
            due_at = fell_due - timedelta(hours=48) * (overdue + 1)
        issued_at = due_at - timedelta(days=7)
        gross = 4_000 * (1 + n % 5)
        fee = gross // 10
        yield (
            COMPANY_BASE_ID + n,
            PROSPECTOR_BASE_ID + 1 + n % PROSPECTORS,
            to_db(issued_at - timedelta(days=6)),
            to_db(issued_at - timedelta(hours=1)),
            1 + n % 5,
            gross,
            fee,
            gross - fee,
            to_db(issued_at),
            to_db(due_at),
            to_db(fell_due),
            kind,
            overdue,
        )


async def seed(db: Database) -> None:
    now = to_db(BACK_AT - OUTAGE - timedelta(days=10))
    async with db.transaction() as tx:
        await tx.execute_many(INSERT_USER, user_rows(now))
        await tx.execute_many(
            INSERT_COMPANY,
            ((COMPANY_BASE_ID + n, f"Company {n}", now, now) for n in range(1, STATEMENTS + 1)),
        )
        await tx.execute_many(
            INSERT_PROSPECTOR,
            ((PROSPECTOR_BASE_ID + n, n, f"P {n}", now, now) for n in range(1, PROSPECTORS + 1)),
        )
        await tx.execute(INSERT_RUN, (now, now, STATEMENTS))
        await tx.execute_many(INSERT_STATEMENT, statement_rows())


def build(db: Database) -> Deps:
    clock = ManualClock(BACK_AT)
    repos = Repositories.create(db, clock)
    catalogs = Catalogs("fr")
    notifier = OutboxNotifier(catalogs, repos, notice_renderers())
    # A running bot has formatted amounts before: Babel's locale data is loaded already.
    sample = notices.PaymentReminder(
        statement_id=1,
        number="CB-2026-000001",
        net_cents=3_600,
        due_at=BACK_AT,
        kind=ReminderKind.DUE,
        code="P-0001",
    )
    for code in LANGUAGES:
        notifier.render(sample, catalogs[code])
    rules = Rules(
        min_rate_cents=50,
        max_rate_cents=1_000_000,
        zone=ZoneInfo("Europe/Paris"),
        admin_ids=frozenset({ADMIN_ID}),
        quiet_hours=None,
    )
    return Deps(db=db, repos=repos, notifier=notifier, clock=clock, rules=rules)


# --- the catch-up -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    seconds: float
    sent: int
    rows: int
    reminders: int
    statements_reminded: int
    duplicates: int
    escalations: int
    due_after: int
    sent_again: int

    @property
    def passed(self) -> bool:
        return (
            self.seconds < CATCH_UP_TARGET_S
            and self.reminders == STATEMENTS == self.statements_reminded
            and self.duplicates == 0
        )


async def measure(path: Path) -> Figures:
    db = Database(path)
    await db.open()
    try:
        started = time.perf_counter()
        await seed(db)
        print(f"seeded {STATEMENTS:,} overdue statements in {time.perf_counter() - started:.1f} s")
        deps = build(db)
        gc.collect()
        started = time.perf_counter()
        sent = await payouts.send_due_reminders(deps)
        seconds = time.perf_counter() - started
        read = db.read
        rows = int(await read.fetch_value("SELECT COUNT(*) FROM outbox"))
        # Each statement has its own company: a company chat is one statement.
        per_chat = await read.fetch_all(
            "SELECT chat_id, COUNT(*) AS n FROM outbox WHERE chat_id >= ? GROUP BY chat_id",
            (COMPANY_BASE_ID,),
        )
        escalations = int(
            await read.fetch_value("SELECT COUNT(*) FROM outbox WHERE chat_id = ?", (ADMIN_ID,))
        )
        due_after = int(
            await read.fetch_value(
                "SELECT COUNT(*) FROM statements WHERE status = 'due' AND next_reminder_at <= ?",
                (to_db(BACK_AT),),
            )
        )
        sent_again = await payouts.send_due_reminders(deps)
        return Figures(
            seconds=seconds,
            sent=sent,
            rows=rows,
            reminders=sum(int(row["n"]) for row in per_chat),
            statements_reminded=len(per_chat),
            duplicates=sum(1 for row in per_chat if row["n"] > 1),
            escalations=escalations,
            due_after=due_after,
            sent_again=sent_again,
        )
    finally:
        await db.close()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(figures: Figures) -> None:
    def row(label: str, value: str) -> None:
        print(f"{label:<48} {value:>12}")

    print(f"\nOne send_due_reminders after a {OUTAGE.days}-day outage, no quiet hours.\n")
    row("catch-up (s)", f"{figures.seconds:.2f}")
    row("outbox rows queued", f"{figures.rows:,}")
    row("outbox rows/s", f"{figures.rows / figures.seconds:,.0f}")
    row("reminders sent (send_due_reminders' count)", f"{figures.sent:,}")
    row("reminders queued (to companies)", f"{figures.reminders:,}")
    row("statements reminded", f"{figures.statements_reminded:,}")
    row("duplicates (statements with > 1 reminder)", f"{figures.duplicates:,}")
    row("escalations queued (to the admin)", f"{figures.escalations:,}")
    row("reminders still due after the catch-up", f"{figures.due_after:,}")
    row("sent by a second call at once", f"{figures.sent_again:,}")
    print("-" * 61)
    row(f"catch-up < {CATCH_UP_TARGET_S:.0f} s", verdict(figures.seconds < CATCH_UP_TARGET_S))
    row(f"exactly {STATEMENTS:,} reminders queued",
        verdict(figures.reminders == STATEMENTS == figures.statements_reminded))  # fmt: skip
    row("0 duplicates", verdict(figures.duplicates == 0))
    print(f"\nOVERALL: {verdict(figures.passed)}")


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="callboard-bench-") as folder:
        figures = await measure(Path(folder) / "reminders.sqlite3")
    report(figures)


if __name__ == "__main__":
    asyncio.run(main())
