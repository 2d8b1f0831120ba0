"""The rules of payout statements on their own: one statement per company and prospector
adding up its ledger entries, each entry taken once, a run done once per scheduled time,
the due date from the payment terms, marking paid and the prospector's receipt, and the
schedule's catch-up after downtime."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kit.jobs import latest_scheduled
from services import assignments, notices, payouts, results
from services.missions import Published, publish
from services.payouts import PaidOutcome, ReceiptOutcome
from services.ports import Deps
from services.results import Submitted
from storage.clock import ManualClock
from storage.models import PayModel, Receipt, ReminderKind, Statement, StatementStatus
from tests.rules import (
    RecordingNotifier,
    details,
    fields,
    open_deps,
    seed_company,
    seed_prospector,
)

ACME, GLOBEX, JO, ANN, ADMIN, OTHER_ADMIN = 1, 2, 10, 11, 99, 98
PARIS = ZoneInfo("Europe/Paris")
WEEKLY = "0 9 * * MON"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Deps, RecordingNotifier]]:
    deps, notifier = await open_deps(tmp_path / "payouts.sqlite3")
    yield await seeded(deps), notifier
    await deps.db.close()


async def seeded(deps: Deps) -> Deps:
    """Two companies, two prospectors, two admins; 12.5 % fee, no quiet hours."""
    deps = replace(deps, rules=replace(deps.rules, admin_ids=frozenset({ADMIN, OTHER_ADMIN}),
                                       fee_percent=Decimal("12.5")))  # fmt: skip
    await seed_company(deps, ACME, "Acme")
    await seed_company(deps, GLOBEX, "Globex")
    await seed_prospector(deps, JO, "Jo")
    await seed_prospector(deps, ANN, "Ann")
    await seed_company(deps, ADMIN, "Admin")
    await seed_company(deps, OTHER_ADMIN, "Other admin")
    return deps


_phones = iter(range(10_000_000, 99_999_999))


async def validated(deps: Deps, company: int, prospector: int, rate_cents: int) -> int:
    """A result at `rate_cents` the company validated: a new ledger entry; its result id."""
    outcome = await publish(deps, company, fields(pay_model=PayModel.LEAD, rate_cents=rate_cents,
                                                  slots=3))  # fmt: skip
    assert isinstance(outcome, Published)
    await assignments.take(deps, prospector, outcome.mission_id)
    assignment = await deps.repos.assignments.find(outcome.mission_id, prospector)
    assert assignment is not None
    phone = f"+336{next(_phones) % 100_000_000:08d}"
    submitted = await results.submit(deps, prospector, assignment.id, details(phone))
    assert isinstance(submitted, Submitted), submitted
    assert await results.validate(deps, company, [submitted.result_id]) == 1
    return submitted.result_id


def clock_of(deps: Deps) -> ManualClock:
    assert isinstance(deps.clock, ManualClock)
    return deps.clock


def move_to(deps: Deps, moment: datetime) -> None:
    clock = clock_of(deps)
    clock.advance(moment - clock.now())


async def statements(deps: Deps) -> list[Statement]:
    rows = await deps.db.read.fetch_all("SELECT id FROM statements ORDER BY id")
    found = [await deps.repos.statements.get(row["id"]) for row in rows]
    return [statement for statement in found if statement is not None]


async def entry_sums(deps: Deps, statement_id: int) -> tuple[int, int, int, int]:
    row = await deps.db.read.fetch_one(
        """
        SELECT COUNT(*), SUM(l.gross_cents), SUM(l.fee_cents), SUM(l.net_cents)
        FROM statement_entries e JOIN ledger_entries l ON l.id = e.ledger_entry_id
        WHERE e.statement_id = ?
        """,
        (statement_id,),
    )
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def sent_of(notifier: RecordingNotifier, kind: type[notices.Notice]) -> list[tuple[int, object]]:
    return [(user, notice) for user, notice in notifier.sent if isinstance(notice, kind)]


# --- issuing -----------------------------------------------------------------------------


async def test_one_statement_per_company_and_prospector_adding_up_its_entries(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    for company, prospector, rate in ((ACME, JO, 4_000), (ACME, JO, 1_005), (ACME, ANN, 2_500),
                                      (GLOBEX, JO, 777)):  # fmt: skip
        await validated(deps, company, prospector, rate)
    issued = await payouts.issue_statements(deps, clock_of(deps).now())
    assert issued == 3
    found = await statements(deps)
    assert [(s.company_id, s.prospector_id, s.entries) for s in found] == [
        (ACME, JO, 2), (ACME, ANN, 1), (GLOBEX, JO, 1),
    ]  # fmt: skip
    for statement in found:
        count, gross, fee, net = await entry_sums(deps, statement.id)
        assert (statement.entries, statement.gross_cents, statement.fee_cents,
                statement.net_cents) == (count, gross, fee, net)  # fmt: skip
        assert statement.net_cents == statement.gross_cents - statement.fee_cents
    acme_jo = found[0]
    assert (acme_jo.gross_cents, acme_jo.fee_cents) == (5_005, 500 + 126)
    told = sorted(
        (user, n.statement_id, n.to_company)
        for user, n in notifier.sent
        if isinstance(n, notices.StatementIssued)
    )
    assert told == sorted(
        [(s.company_id, s.id, True) for s in found]
        + [(s.prospector_id, s.id, False) for s in found]
    )


async def test_entries_on_a_statement_are_not_taken_again(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, _ = world
    await validated(deps, ACME, JO, 4_000)
    first = clock_of(deps).now()
    assert await payouts.issue_statements(deps, first) == 1
    # Nothing new: the next run issues nothing.
    clock_of(deps).advance(timedelta(days=7))
    assert await payouts.issue_statements(deps, first + timedelta(days=7)) == 0
    # One new entry: the next run's statement gathers it alone.
    await validated(deps, ACME, JO, 3_000)
    clock_of(deps).advance(timedelta(days=7))
    assert await payouts.issue_statements(deps, first + timedelta(days=14)) == 1
    old, new = await statements(deps)
    assert (old.entries, old.gross_cents) == (1, 4_000)
    assert (new.entries, new.gross_cents) == (1, 3_000)
    taken = await deps.db.read.fetch_value(
        "SELECT COUNT(*) - COUNT(DISTINCT ledger_entry_id) FROM statement_entries"
    )
    assert taken == 0


async def test_a_run_for_the_same_scheduled_time_is_done_once(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    await validated(deps, ACME, JO, 4_000)
    scheduled = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    counts = await asyncio.gather(
        payouts.issue_statements(deps, scheduled), payouts.issue_statements(deps, scheduled)
    )
    assert sorted(counts, key=lambda count: count is None) == [1, None]
    await validated(deps, ACME, JO, 3_000)
    assert await payouts.issue_statements(deps, scheduled) is None
    assert len(await statements(deps)) == 1
    assert len(sent_of(notifier, notices.StatementIssued)) == 2
    assert await deps.repos.statements.last_run() == scheduled


async def test_the_due_date_is_the_issue_plus_the_payment_terms(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, _ = world
    await validated(deps, ACME, JO, 4_000)
    now = clock_of(deps).now()
    assert await payouts.issue_statements(deps, now) == 1
    [statement] = await statements(deps)
    assert statement.issued_at == now
    assert statement.due_at == now + timedelta(days=7)
    assert statement.status is StatementStatus.DUE
    assert statement.next_reminder is ReminderKind.BEFORE
    assert statement.next_reminder_at == statement.due_at - timedelta(hours=24)


async def test_terms_of_zero_are_due_at_issue_and_reminded_as_due(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    deps = replace(deps, rules=replace(deps.rules, payment_terms=timedelta(0)))
    await validated(deps, ACME, JO, 4_000)
    now = clock_of(deps).now()
    assert await payouts.issue_statements(deps, now) == 1
    [statement] = await statements(deps)
    assert statement.due_at == statement.next_reminder_at == now
    assert statement.next_reminder is ReminderKind.DUE
    assert await payouts.send_due_reminders(deps) == 1
    [(user, reminder)] = sent_of(notifier, notices.PaymentReminder)
    assert user == ACME and isinstance(reminder, notices.PaymentReminder)
    assert reminder.kind is ReminderKind.DUE


@settings(max_examples=20, deadline=None)
@given(
    entries=st.lists(
        st.tuples(st.sampled_from([(ACME, JO), (ACME, ANN), (GLOBEX, JO)]),
                  st.integers(min_value=50, max_value=1_000_000)),
        min_size=1, max_size=6,
    ),
    percent=st.decimals(min_value=0, max_value=100, places=2),
)  # fmt: skip
def test_statements_add_up_their_ledger_entries(
    entries: list[tuple[tuple[int, int], int]], percent: Decimal
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(check_totals(Path(folder) / "db.sqlite3", entries, percent))


async def check_totals(
    path: Path, entries: list[tuple[tuple[int, int], int]], percent: Decimal
) -> None:
    deps, _ = await open_deps(path)
    try:
        deps = await seeded(deps)
        deps = replace(deps, rules=replace(deps.rules, fee_percent=percent))
        for (company, prospector), rate in entries:
            await validated(deps, company, prospector, rate)
        pairs = {pair for pair, _ in entries}
        assert await payouts.issue_statements(deps, clock_of(deps).now()) == len(pairs)
        ledger = await deps.db.read.fetch_all("SELECT * FROM ledger_entries")
        for statement in await statements(deps):
            mine = [row for row in ledger if (row["company_id"], row["prospector_id"]) == (
                statement.company_id, statement.prospector_id)]  # fmt: skip
            assert statement.entries == len(mine)
            assert statement.gross_cents == sum(row["gross_cents"] for row in mine)
            assert statement.fee_cents == sum(row["fee_cents"] for row in mine)
            assert statement.net_cents == sum(row["net_cents"] for row in mine)
            assert statement.net_cents == statement.gross_cents - statement.fee_cents
            assert statement.gross_cents == sum(
                rate for pair, rate in entries
                if pair == (statement.company_id, statement.prospector_id)
            )  # fmt: skip
    finally:
        await deps.db.close()


# --- payment and receipt -----------------------------------------------------------------


async def issued_one(deps: Deps) -> Statement:
    await validated(deps, ACME, JO, 4_000)
    assert await payouts.issue_statements(deps, clock_of(deps).now()) == 1
    [statement] = await statements(deps)
    return statement


async def test_marking_paid_is_the_company_s_own_once_and_stops_the_reminders(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    statement = await issued_one(deps)
    assert await payouts.mark_paid(deps, GLOBEX, statement.id, "VIR-1") is PaidOutcome.NOT_ALLOWED
    assert await payouts.mark_paid(deps, ACME, 9_999, "VIR-1") is PaidOutcome.NOT_ALLOWED
    assert await payouts.mark_paid(deps, ACME, statement.id, "VIR-1") is PaidOutcome.PAID
    again = await payouts.mark_paid(deps, ACME, statement.id, "VIR-2")
    assert again is PaidOutcome.ALREADY_PAID
    paid = await deps.repos.statements.get(statement.id)
    assert paid is not None and paid.status is StatementStatus.PAID
    assert (paid.paid_by, paid.payment_reference, paid.next_reminder_at) == (ACME, "VIR-1", None)
    [(user, told)] = sent_of(notifier, notices.StatementPaid)
    assert user == JO and isinstance(told, notices.StatementPaid) and told.reference == "VIR-1"
    clock_of(deps).advance(timedelta(days=60))
    assert await payouts.send_due_reminders(deps) == 0
    assert sent_of(notifier, notices.PaymentReminder) == []


async def test_the_receipt_is_the_prospector_s_once_after_payment(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    statement = await issued_one(deps)
    before = await payouts.record_receipt(deps, JO, statement.id, Receipt.CONFIRMED)
    assert before is ReceiptOutcome.NOT_ALLOWED
    await payouts.mark_paid(deps, ACME, statement.id, "VIR-1")
    foreign = await payouts.record_receipt(deps, ANN, statement.id, Receipt.CONFIRMED)
    assert foreign is ReceiptOutcome.NOT_ALLOWED
    company = await payouts.record_receipt(deps, ACME, statement.id, Receipt.CONFIRMED)
    assert company is ReceiptOutcome.NOT_ALLOWED
    first = await payouts.record_receipt(deps, JO, statement.id, Receipt.CONFIRMED)
    assert first is ReceiptOutcome.RECORDED
    again = await payouts.record_receipt(deps, JO, statement.id, Receipt.MISSING)
    assert again is ReceiptOutcome.ALREADY
    stored = await deps.repos.statements.get(statement.id)
    assert stored is not None and stored.receipt is Receipt.CONFIRMED
    assert sent_of(notifier, notices.PaymentMissing) == []


async def test_a_missing_payment_alerts_every_admin(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    statement = await issued_one(deps)
    await payouts.mark_paid(deps, ACME, statement.id, "VIR-42")
    outcome = await payouts.record_receipt(deps, JO, statement.id, Receipt.MISSING)
    assert outcome is ReceiptOutcome.RECORDED
    alerts = sent_of(notifier, notices.PaymentMissing)
    assert sorted(user for user, _ in alerts) == [OTHER_ADMIN, ADMIN]
    for _, alert in alerts:
        assert isinstance(alert, notices.PaymentMissing)
        assert (alert.statement_id, alert.reference, alert.company_name, alert.code) == (
            statement.id, "VIR-42", "Acme", "P-0001",
        )  # fmt: skip


# --- the schedule after downtime -----------------------------------------------------------


def weekly() -> CronTrigger:
    return CronTrigger.from_crontab(WEEKLY, timezone=PARIS)


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def test_a_bot_down_across_two_mondays_runs_the_latest_once() -> None:
    since = paris(2026, 3, 6, 12)  # a Friday
    now = paris(2026, 3, 17, 15)  # the Tuesday after the second Monday
    latest = latest_scheduled(weekly(), since, now)
    assert latest == paris(2026, 3, 16, 9)
    # Recorded as that run, the next tick finds nothing more to do.
    assert latest is not None
    assert latest_scheduled(weekly(), latest, now) is None


def test_nothing_fell_due_means_no_run() -> None:
    monday = paris(2026, 3, 9, 9)
    assert latest_scheduled(weekly(), monday, paris(2026, 3, 15, 23, 59)) is None
    assert latest_scheduled(weekly(), monday, monday) is None
    # Due exactly at the schedule's time, in local time across the change to summer time.
    assert latest_scheduled(weekly(), paris(2026, 3, 29, 12), paris(2026, 3, 30, 9)) == (
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    )


async def test_a_catch_up_after_downtime_issues_once(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, _ = world
    await validated(deps, ACME, JO, 4_000)
    move_to(deps, paris(2026, 3, 17, 15))
    now = clock_of(deps).now()
    for _ in range(3):  # three ticks
        last = await deps.repos.statements.last_run()
        due = latest_scheduled(weekly(), last or paris(2026, 3, 6, 12), now)
        if due is not None:
            assert await payouts.issue_statements(deps, due) == 1
    runs = await deps.db.read.fetch_all("SELECT scheduled_for FROM statement_runs")
    assert len(runs) == 1
    assert await deps.repos.statements.last_run() == paris(2026, 3, 16, 9)
    assert len(await statements(deps)) == 1
