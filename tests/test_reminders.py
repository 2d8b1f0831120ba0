"""Payment reminders on a clock the test moves: before, at and after the due time, one
escalation, none after payment, one per statement after an outage, none twice across a
restart, and quiet hours in local time across the daylight-saving changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services import notices, payouts
from services.ports import Deps
from services.schedule import QuietHours, next_allowed
from storage.models import ReminderKind, Statement
from tests.rules import RecordingNotifier, open_deps
from tests.test_payouts_rules import (
    ACME,
    ADMIN,
    ANN,
    GLOBEX,
    JO,
    OTHER_ADMIN,
    clock_of,
    move_to,
    seeded,
    statements,
    validated,
)

PARIS = ZoneInfo("Europe/Paris")
NIGHT = QuietHours(start=time(21), end=time(8))


def rules_for(deps: Deps, **changes: object) -> Deps:
    values: dict[str, object] = {
        "payment_terms": timedelta(days=7),
        "reminder_interval": timedelta(hours=48),
        "max_overdue_reminders": 3,
        "quiet_hours": None,
    }
    values.update(changes)
    return replace(deps, rules=replace(deps.rules, **values))  # type: ignore[arg-type]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Deps, RecordingNotifier]]:
    deps, notifier = await open_deps(tmp_path / "reminders.sqlite3")
    yield rules_for(await seeded(deps)), notifier
    await deps.db.close()


def reminders(notifier: RecordingNotifier) -> list[tuple[int, int, ReminderKind]]:
    return [(user, n.statement_id, n.kind) for user, n in notifier.sent
            if isinstance(n, notices.PaymentReminder)]  # fmt: skip


def escalations(notifier: RecordingNotifier) -> list[tuple[int, int, int]]:
    return [(user, n.statement_id, n.overdue_reminders) for user, n in notifier.sent
            if isinstance(n, notices.PaymentEscalated)]  # fmt: skip


async def issue(deps: Deps, *pairs: tuple[int, int]) -> list[Statement]:
    for company, prospector in pairs or ((ACME, JO),):
        await validated(deps, company, prospector, 4_000)
    assert await payouts.issue_statements(deps, clock_of(deps).now())
    return await statements(deps)


async def test_the_full_sequence_with_one_escalation(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    [statement] = await issue(deps)
    due = statement.due_at
    assert due == clock_of(deps).now() + timedelta(days=7)

    async def at(moment: datetime) -> int:
        move_to(deps, moment)
        return await payouts.send_due_reminders(deps)

    assert await at(due - timedelta(hours=24, seconds=1)) == 0
    assert await at(due - timedelta(hours=24)) == 1
    assert await at(due - timedelta(hours=1)) == 0
    assert await at(due) == 1
    assert await at(due + timedelta(hours=47, minutes=59)) == 0
    for n in (1, 2, 3, 4):
        assert await at(due + n * timedelta(hours=48)) == 1
        assert await payouts.send_due_reminders(deps) == 0
        told = escalations(notifier)
        if n < 3:
            assert told == []
        else:
            # After the 3rd overdue reminder, once to every admin, never again.
            assert sorted(told) == [(OTHER_ADMIN, statement.id, 3), (ADMIN, statement.id, 3)]
    kinds = [ReminderKind.BEFORE, ReminderKind.DUE] + [ReminderKind.OVERDUE] * 4
    assert reminders(notifier) == [(ACME, statement.id, kind) for kind in kinds]
    stored = await deps.repos.statements.get(statement.id)
    assert stored is not None and stored.overdue_reminders == 4
    assert stored.escalated_at == due + 3 * timedelta(hours=48)

    assert await payouts.mark_paid(deps, ACME, statement.id, "VIR-1") is payouts.PaidOutcome.PAID
    for days in (1, 2, 10, 100):
        assert await at(due + timedelta(days=8 + days)) == 0
    assert len(reminders(notifier)) == 6 and len(escalations(notifier)) == 2


async def test_an_outage_sends_one_reminder_per_statement_then_counts_from_now(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    found = await issue(deps, (ACME, JO), (ACME, ANN), (GLOBEX, JO))
    due = found[0].due_at
    # Down from before the "before" reminder until three days after the due time: the
    # "before", the "due" and an overdue one fell due meanwhile.
    back = due + timedelta(days=3)
    move_to(deps, back)
    assert await payouts.send_due_reminders(deps) == len(found)
    sent = reminders(notifier)
    assert sorted(statement_id for _, statement_id, _ in sent) == [s.id for s in found]
    # Late, it says the statement is due (not "due soon"), and no other follows at once.
    assert {kind for _, _, kind in sent} == {ReminderKind.DUE}
    assert await payouts.send_due_reminders(deps) == 0
    for statement in found:
        stored = await deps.repos.statements.get(statement.id)
        assert stored is not None
        assert stored.next_reminder is ReminderKind.OVERDUE
        assert stored.next_reminder_at == back + timedelta(hours=48)
    move_to(deps, back + timedelta(hours=47))
    assert await payouts.send_due_reminders(deps) == 0
    move_to(deps, back + timedelta(hours=48))
    assert await payouts.send_due_reminders(deps) == len(found)


async def test_an_outage_far_into_the_overdue_reminders_sends_one(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    [statement] = await issue(deps)
    due = statement.due_at
    move_to(deps, due)
    await payouts.send_due_reminders(deps)  # before, late: said as due
    move_to(deps, due + timedelta(days=30))
    assert await payouts.send_due_reminders(deps) == 1
    assert await payouts.send_due_reminders(deps) == 0
    assert [kind for _, _, kind in reminders(notifier)] == [ReminderKind.DUE, ReminderKind.OVERDUE]


async def test_a_restart_sends_none_twice_and_loses_none(tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite3"
    deps, first = await open_deps(path)
    deps = rules_for(await seeded(deps))
    [statement] = await issue(deps)
    before_at = statement.due_at - timedelta(hours=24)
    move_to(deps, before_at)
    assert await payouts.send_due_reminders(deps) == 1
    await deps.db.close()

    # Back up on the same file, a little later: the "before" is not sent again.
    deps, second = await open_deps(path)
    deps = rules_for(deps)
    move_to(deps, before_at + timedelta(minutes=5))
    assert await payouts.send_due_reminders(deps) == 0
    assert await payouts.send_due_reminders(deps) == 0
    # The next one is still there, and sent once.
    move_to(deps, statement.due_at)
    assert await payouts.send_due_reminders(deps) == 1
    assert await payouts.send_due_reminders(deps) == 0
    await deps.db.close()
    assert reminders(first) == [(ACME, statement.id, ReminderKind.BEFORE)]
    assert reminders(second) == [(ACME, statement.id, ReminderKind.DUE)]


# --- quiet hours ---------------------------------------------------------------------------


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


async def due_at_night(deps: Deps, local_evening: datetime) -> Statement:
    """A statement due (terms 0) at `local_evening`, its reminder in quiet hours."""
    move_to(deps, local_evening)
    [statement] = await issue(deps)
    assert statement.next_reminder_at == local_evening
    return statement


@pytest.mark.parametrize(
    ("evening", "morning_utc"),
    [
        # An ordinary winter night (UTC+1): 08:00 in Paris is 07:00 UTC.
        (paris(2026, 3, 12, 22), datetime(2026, 3, 13, 7, tzinfo=UTC)),
        # Summer time starts at 02:00 on 29 March: 08:00 in Paris is 06:00 UTC.
        (paris(2026, 3, 28, 22), datetime(2026, 3, 29, 6, tzinfo=UTC)),
        # Summer time ends at 03:00 on 25 October: 08:00 in Paris is 07:00 UTC.
        (paris(2026, 10, 24, 22), datetime(2026, 10, 25, 7, tzinfo=UTC)),
    ],
)
async def test_a_reminder_due_at_night_waits_until_eight_local(
    world: tuple[Deps, RecordingNotifier], evening: datetime, morning_utc: datetime
) -> None:
    deps, notifier = world
    deps = rules_for(deps, payment_terms=timedelta(0), quiet_hours=NIGHT)
    morning = datetime.combine(evening.date() + timedelta(days=1), time(8), tzinfo=PARIS)
    assert morning.astimezone(UTC) == morning_utc
    statement = await due_at_night(deps, evening)
    assert await payouts.send_due_reminders(deps) == 0
    waiting = await deps.repos.statements.get(statement.id)
    assert waiting is not None and waiting.next_reminder_at == morning_utc
    assert waiting.next_reminder is ReminderKind.DUE
    move_to(deps, morning_utc - timedelta(minutes=1))
    assert await payouts.send_due_reminders(deps) == 0
    move_to(deps, morning_utc)
    assert await payouts.send_due_reminders(deps) == 1
    assert reminders(notifier) == [(ACME, statement.id, ReminderKind.DUE)]
    sent = await deps.repos.statements.get(statement.id)
    assert sent is not None and sent.next_reminder_at == morning_utc + timedelta(hours=48)


async def test_the_before_and_the_due_reminders_each_wait_for_the_morning(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    # Due at 01:00 local: the "before" (01:00 the day before) waits for the morning...
    deps = rules_for(deps, payment_terms=timedelta(hours=30), quiet_hours=NIGHT)
    move_to(deps, paris(2026, 3, 11, 19))
    [statement] = await issue(deps)
    assert statement.due_at == paris(2026, 3, 13, 1)
    move_to(deps, paris(2026, 3, 12, 1))
    assert await payouts.send_due_reminders(deps) == 0
    move_to(deps, paris(2026, 3, 12, 8))
    assert await payouts.send_due_reminders(deps) == 1
    # ... then the "due" at 01:00 waits too, and is sent once at 08:00.
    move_to(deps, paris(2026, 3, 13, 1))
    assert await payouts.send_due_reminders(deps) == 0
    move_to(deps, paris(2026, 3, 13, 8))
    assert await payouts.send_due_reminders(deps) == 1
    assert await payouts.send_due_reminders(deps) == 0
    kinds = [kind for _, _, kind in reminders(notifier)]
    assert kinds == [ReminderKind.BEFORE, ReminderKind.DUE]


async def test_no_quiet_hours_never_wait(world: tuple[Deps, RecordingNotifier]) -> None:
    deps, notifier = world
    deps = rules_for(deps, payment_terms=timedelta(0), quiet_hours=None)
    await due_at_night(deps, paris(2026, 3, 12, 3))
    assert await payouts.send_due_reminders(deps) == 1
    assert len(reminders(notifier)) == 1


# --- next_allowed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "allowed"),
    [
        (paris(2026, 3, 12, 20, 59), paris(2026, 3, 12, 20, 59)),  # before the night
        (paris(2026, 3, 12, 21), paris(2026, 3, 13, 8)),  # its first minute
        (paris(2026, 3, 12, 23, 30), paris(2026, 3, 13, 8)),
        (paris(2026, 3, 13, 0), paris(2026, 3, 13, 8)),  # after midnight, same morning
        (paris(2026, 3, 13, 7, 59), paris(2026, 3, 13, 8)),
        (paris(2026, 3, 13, 8), paris(2026, 3, 13, 8)),  # the end is allowed
        (paris(2026, 3, 28, 23), paris(2026, 3, 29, 8)),  # into summer time
        (paris(2026, 3, 29, 4), paris(2026, 3, 29, 8)),
        (paris(2026, 10, 24, 23), paris(2026, 10, 25, 8)),  # out of summer time
        (paris(2026, 10, 25, 5), paris(2026, 10, 25, 8)),
        (paris(2026, 12, 31, 22), paris(2027, 1, 1, 8)),  # across a year
    ],
)
def test_next_allowed_over_a_night(local: datetime, allowed: datetime) -> None:
    moment = local.astimezone(UTC)
    found = next_allowed(moment, PARIS, NIGHT)
    assert found == allowed
    assert found.tzinfo is UTC  # in the moment's own zone
    assert found.astimezone(PARIS).time() == allowed.time()


def test_next_allowed_at_the_summer_time_mornings() -> None:
    spring = next_allowed(datetime(2026, 3, 28, 21, tzinfo=UTC), PARIS, NIGHT)
    autumn = next_allowed(datetime(2026, 10, 24, 20, tzinfo=UTC), PARIS, NIGHT)
    assert spring == datetime(2026, 3, 29, 8, tzinfo=PARIS) == datetime(2026, 3, 29, 6, tzinfo=UTC)
    assert autumn == datetime(2026, 10, 25, 8, tzinfo=PARIS) == datetime(2026, 10, 25, 7,
                                                                          tzinfo=UTC)  # fmt: skip


@pytest.mark.parametrize(
    ("local", "allowed"),
    [
        (paris(2026, 3, 12, 11, 59), paris(2026, 3, 12, 11, 59)),
        (paris(2026, 3, 12, 12), paris(2026, 3, 12, 14)),
        (paris(2026, 3, 12, 13, 30), paris(2026, 3, 12, 14)),
        (paris(2026, 3, 12, 14), paris(2026, 3, 12, 14)),
        (paris(2026, 3, 12, 23), paris(2026, 3, 12, 23)),
        (paris(2026, 3, 13, 1), paris(2026, 3, 13, 1)),
    ],
)
def test_next_allowed_over_a_window_within_the_day(local: datetime, allowed: datetime) -> None:
    lunch = QuietHours(start=time(12), end=time(14))
    assert next_allowed(local.astimezone(UTC), PARIS, lunch) == allowed


def test_no_or_empty_quiet_hours_never_wait() -> None:
    moment = paris(2026, 3, 12, 3).astimezone(UTC)
    assert next_allowed(moment, PARIS, None) == moment
    assert next_allowed(moment, PARIS, QuietHours(start=time(3), end=time(3))) == moment
