"""The rules of results on their own: submitting and its refusals, one ledger entry per
validated result whatever the path, the fee half-up, completion at the cap, disputes
decided once, and the CSV export."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services import assignments, export, notices, results
from services.ledger import fee_cents
from services.ports import Deps
from services.results import DecisionOutcome, DisputeOutcome, Refused, SubmitRefusal, Submitted
from storage.clock import ManualClock
from storage.models import (
    MissionStatus,
    PayModel,
    Proof,
    ProofKind,
    ResultStatus,
)
from tests.rules import (
    RecordingNotifier,
    details,
    fields,
    open_deps,
    seed_company,
    seed_prospector,
)

ACME, JO, ANN, ADMIN = 1, 10, 11, 99


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Deps, RecordingNotifier]]:
    deps, notifier = await open_deps(tmp_path / "results.sqlite3")
    deps = replace(deps, rules=replace(deps.rules, admin_ids=frozenset({ADMIN}),
                                       fee_percent=Decimal("12.5")))  # fmt: skip
    await seed_company(deps, ACME, "Acme")
    await seed_prospector(deps, JO, "Jo")
    await seed_prospector(deps, ANN, "Ann")
    await seed_company(deps, ADMIN, "Admin")
    yield deps, notifier
    await deps.db.close()


async def working(deps: Deps, prospector: int = JO, **changes: object) -> tuple[int, int]:
    """A published mission (lead pay, 40 €) the prospector is active on: (mission, assignment)."""
    published = await publish(deps, **changes)
    await assignments.take(deps, prospector, published)
    assignment = await deps.repos.assignments.find(published, prospector)
    assert assignment is not None
    return published, assignment.id


async def publish(deps: Deps, **changes: object) -> int:
    from services.missions import Published, publish

    values: dict[str, object] = {"pay_model": PayModel.LEAD, "slots": 3}
    values.update(changes)
    outcome = await publish(deps, ACME, fields(**values))
    assert isinstance(outcome, Published)
    return outcome.mission_id


async def submit(deps: Deps, assignment_id: int, phone: str, who: int = JO) -> int:
    outcome = await results.submit(deps, who, assignment_id, details(phone))
    assert isinstance(outcome, Submitted), outcome
    return outcome.result_id


async def ledger(deps: Deps) -> list[dict[str, object]]:
    rows = await deps.db.read.fetch_all("SELECT * FROM ledger_entries ORDER BY id")
    return [dict(row) for row in rows]


async def test_submitting_tells_the_company_and_refuses_duplicates(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    _, assignment = await working(deps)
    proof = Proof(kind=ProofKind.PHOTO, file_id="F1")
    first = await results.submit(deps, JO, assignment, details(proof=proof))
    assert isinstance(first, Submitted)
    user, told = notifier.sent[-1]
    assert user == ACME and isinstance(told, notices.ResultSubmitted)
    assert told.code == "P-0001" and told.proof == proof
    again = await results.submit(deps, JO, assignment, details())
    assert again == Refused(SubmitRefusal.DUPLICATE, first.result_id)
    foreign = await results.submit(deps, ANN, assignment, details("+33698765432"))
    assert foreign == Refused(SubmitRefusal.NOT_ACTIVE)


async def test_no_result_once_the_assignment_or_the_mission_is_over(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, _ = world
    mission, assignment = await working(deps)
    await assignments.leave(deps, JO, assignment)
    left = await results.submit(deps, JO, assignment, details())
    assert left == Refused(SubmitRefusal.NOT_ACTIVE)
    other, on_other = await working(deps, ANN)
    from services.missions import close

    assert await close(deps, ACME, other)
    closed = await results.submit(deps, ANN, on_other, details())
    assert closed == Refused(SubmitRefusal.MISSION_CLOSED)
    assert mission != other


async def test_the_cap_counts_pending_results_and_completes_the_mission(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    mission, jo = await working(deps, result_cap=2)
    await assignments.take(deps, ANN, mission)
    ann = await deps.repos.assignments.find(mission, ANN)
    assert ann is not None
    first = await submit(deps, jo, "+33611111111")
    second = await submit(deps, ann.id, "+33622222222", who=ANN)
    capped = await results.submit(deps, JO, jo, details("+33633333333"))
    assert capped == Refused(SubmitRefusal.CAP_REACHED)
    assert (
        await results.reject(deps, ACME, second, "Wrong person") is results.ReviewOutcome.REJECTED
    )
    # While the rejection may be disputed (and so still validated), it keeps its place.
    disputable = await results.submit(deps, JO, jo, details("+33633333333"))
    assert disputable == Refused(SubmitRefusal.CAP_REACHED)
    assert isinstance(deps.clock, ManualClock)
    deps.clock.advance(deps.rules.dispute_window + timedelta(seconds=1))
    third = await submit(deps, jo, "+33633333333")
    assert await results.validate(deps, ACME, [first, third]) == 2
    completed = await deps.repos.missions.get(mission)
    assert completed is not None and completed.status is MissionStatus.COMPLETED
    told = [
        (user, n.to_company) for user, n in notifier.sent if isinstance(n, notices.MissionCompleted)
    ]
    assert sorted(told) == [(ACME, True), (JO, False), (ANN, False)]


async def test_one_ledger_entry_per_result_whatever_validates_it(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, _ = world
    _, assignment = await working(deps, rate_cents=4_000)
    result_id = await submit(deps, assignment, "+33611111111")
    assert isinstance(deps.clock, ManualClock)
    deps.clock.advance(deps.rules.review_window + timedelta(minutes=1))
    counts = await asyncio.gather(
        results.validate(deps, ACME, [result_id]),
        results.validate(deps, ACME, [result_id]),
        results.validate_overdue(deps),
    )
    assert sum(counts) == 1
    [entry] = await ledger(deps)
    assert (entry["gross_cents"], entry["fee_cents"], entry["net_cents"]) == (4_000, 500, 3_500)
    assert await results.validate_overdue(deps) == 0


async def test_review_window_validates_once_and_tells_both_sides(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    _, assignment = await working(deps)
    await submit(deps, assignment, "+33611111111")
    assert isinstance(deps.clock, ManualClock)
    deps.clock.advance(deps.rules.review_window - timedelta(minutes=1))
    assert await results.validate_overdue(deps) == 0
    deps.clock.advance(timedelta(minutes=2))
    assert await results.validate_overdue(deps) == 1
    assert await results.validate_overdue(deps) == 0
    auto = [
        (u, n.to_company) for u, n in notifier.sent if isinstance(n, notices.ResultAutoValidated)
    ]
    assert auto == [(JO, False), (ACME, True)]


async def test_a_disputed_rejection_keeps_its_place_under_the_cap(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, _ = world
    mission, jo = await working(deps, result_cap=1)
    first = await submit(deps, jo, "+33611111111")
    await results.reject(deps, ACME, first, "No such contact")
    assert await results.dispute(deps, JO, first, "She answered at the second call.") is (
        DisputeOutcome.OPENED
    )
    assert isinstance(deps.clock, ManualClock)
    deps.clock.advance(deps.rules.dispute_window * 2)
    refused = await results.submit(deps, JO, jo, details("+33622222222"))
    assert refused == Refused(SubmitRefusal.CAP_REACHED)
    dispute = await deps.repos.disputes.for_result(first)
    assert dispute is not None
    await results.decide_dispute(deps, ADMIN, dispute.id, validate=True, note="Checked.")
    completed = await deps.repos.missions.get(mission)
    assert completed is not None and completed.status is MissionStatus.COMPLETED
    assert len(await ledger(deps)) == 1


async def test_a_dispute_is_decided_once_by_an_admin(world: tuple[Deps, RecordingNotifier]) -> None:
    deps, notifier = world
    _, assignment = await working(deps)
    result_id = await submit(deps, assignment, "+33611111111")
    await results.reject(deps, ACME, result_id, "No such contact")
    explanation = "The contact answered on the second call."
    assert await results.dispute(deps, ANN, result_id, explanation) is DisputeOutcome.NOT_ALLOWED
    assert await results.dispute(deps, JO, result_id, explanation) is DisputeOutcome.OPENED
    assert await results.dispute(deps, JO, result_id, explanation) is DisputeOutcome.ALREADY
    [(admin, opened)] = [(u, n) for u, n in notifier.sent if isinstance(n, notices.DisputeOpened)]
    assert admin == ADMIN and opened.explanation == explanation
    dispute = await deps.repos.disputes.for_result(result_id)
    assert dispute is not None
    refused = await results.decide_dispute(deps, JO, dispute.id, validate=True, note="Mine!")
    assert refused is DecisionOutcome.NOT_ALLOWED
    outcomes = await asyncio.gather(
        results.decide_dispute(deps, ADMIN, dispute.id, validate=True, note="Checked the call."),
        results.decide_dispute(deps, ADMIN, dispute.id, validate=False, note="Not convinced."),
    )
    assert sorted(outcomes) == sorted([DecisionOutcome.DECIDED, DecisionOutcome.ALREADY_DECIDED])
    result = await deps.repos.results.get(result_id)
    assert result is not None
    entries = await ledger(deps)
    assert len(entries) == (1 if result.status is ResultStatus.VALIDATED else 0)


async def test_a_rejection_can_be_disputed_only_within_the_window(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, _ = world
    _, assignment = await working(deps)
    result_id = await submit(deps, assignment, "+33611111111")
    await results.reject(deps, ACME, result_id, "No such contact")
    assert isinstance(deps.clock, ManualClock)
    deps.clock.advance(deps.rules.dispute_window + timedelta(seconds=1))
    late = await results.dispute(deps, JO, result_id, "It was a real appointment.")
    assert late is DisputeOutcome.WINDOW_CLOSED


@given(
    rates=st.lists(st.integers(min_value=50, max_value=1_000_000), min_size=1, max_size=30),
    percent=st.decimals(min_value=0, max_value=100, places=2),
)
def test_fees_are_half_up_per_entry_and_entries_add_up(rates: list[int], percent: Decimal) -> None:
    fees = [fee_cents(rate, percent) for rate in rates]
    for rate, fee in zip(rates, fees, strict=True):
        exact = Decimal(rate) * percent / 100
        assert abs(Decimal(fee) - exact) <= Decimal("0.5")
        assert fee - exact != Decimal("-0.5"), "half rounds up"
        assert 0 <= fee <= rate
    assert sum(rate - fee for rate, fee in zip(rates, fees, strict=True)) + sum(fees) == sum(rates)


def test_a_fee_of_exactly_half_a_cent_rounds_up() -> None:
    assert fee_cents(1_005, Decimal(10)) == 101  # 100.5 cents
    assert fee_cents(1_004, Decimal(10)) == 100  # 100.4 cents


async def test_the_export_is_a_safe_csv_of_the_company_s_own_mission(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, _ = world
    mission, assignment = await working(deps, pay_model=PayModel.APPOINTMENT)
    moment = datetime(2026, 3, 20, 9, 30, tzinfo=UTC)
    tricky = details(contact_name='=HYPERLINK("http://x","y")', contact_company='Dupont, "fils"',
                     appointment_at=moment, notes="line one\nline two")  # fmt: skip
    first = await results.submit(deps, JO, assignment, tricky)
    assert isinstance(first, Submitted)
    await results.validate(deps, ACME, [first.result_id])
    assert await export.mission_csv(deps, ANN, mission) is None
    data = await export.mission_csv(deps, ACME, mission)
    assert data is not None and data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(export.HEADER)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["contact_name"] == '\'=HYPERLINK("http://x","y")'
    assert row["contact_company"] == 'Dupont, "fils"'
    assert row["phone"] == "'+33612345678"
    assert (row["prospector"], row["status"], row["amount"], row["fee"]) == (
        "P-0001", "validated", "40.00", "5.00",
    )  # fmt: skip
    assert "Jo" not in data.decode("utf-8-sig")
