"""The rules on their own: each service re-checks who may act and in what state, changes
the database once, and hands the notices for the other people to the notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from services import assignments, missions, notices, threads
from services.assignments import DecisionOutcome, TakeOutcome
from services.missions import EditOutcome, Published, Refused
from services.ports import Deps
from storage.models import (
    Approval,
    AssignmentStatus,
    MessageKind,
    MissionStatus,
    OfferStatus,
    Target,
)
from tests.rules import RecordingNotifier, fields, open_deps, seed_company, seed_prospector

ACME, RIVAL, JO, ANN = 1, 2, 10, 11


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Deps, RecordingNotifier]]:
    deps, notifier = await open_deps(tmp_path / "rules.sqlite3")
    await seed_company(deps, ACME, "Acme")
    await seed_company(deps, RIVAL, "Rival")
    await seed_prospector(deps, JO, "Jo")
    await seed_prospector(deps, ANN, "Ann")
    yield deps, notifier
    await deps.db.close()


async def publish(deps: Deps, **changes: object) -> int:
    outcome = await missions.publish(deps, ACME, fields(**changes))
    assert isinstance(outcome, Published)
    return outcome.mission_id


async def test_only_a_company_publishes_and_its_market_is_alerted(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    assert await missions.publish(deps, JO, fields()) is Refused.NOT_ALLOWED
    mission_id = await publish(deps, target=Target.B2C)
    [(audience, alert)] = notifier.fanned_out
    assert audience.target is Target.B2C
    assert isinstance(alert, notices.NewMissionAlert) and alert.mission_id == mission_id


async def test_taking_starts_or_applies_and_tells_the_company(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    auto = await publish(deps)
    manual = await publish(deps, approval=Approval.MANUAL)
    assert (await assignments.take(deps, JO, auto)).outcome is TakeOutcome.STARTED
    assert (await assignments.take(deps, ANN, auto)).outcome is TakeOutcome.FULL
    assert (await assignments.take(deps, JO, manual)).outcome is TakeOutcome.APPLIED
    assert (await assignments.take(deps, JO, manual)).outcome is TakeOutcome.ALREADY_APPLIED
    started, applied = (notice for _, notice in notifier.sent)
    assert isinstance(started, notices.ProspectorStarted) and started.code == "P-0001"
    assert isinstance(applied, notices.ApplicationReceived) and applied.thread_id is not None
    assert {user for user, _ in notifier.sent} == {ACME}


async def test_only_the_owner_decides_and_a_decision_stands(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    mission_id = await publish(deps, approval=Approval.MANUAL, rate_cents=2_500)
    await assignments.take(deps, JO, mission_id)
    await missions.edit(deps, ACME, mission_id, "rate_cents", 9_000)
    jo = await deps.repos.assignments.find(mission_id, JO)
    assert jo is not None
    rival = await assignments.decide(deps, RIVAL, jo.id, approve=True)
    assert rival.outcome is DecisionOutcome.STALE
    approved = await assignments.decide(deps, ACME, jo.id, approve=True)
    assert approved.outcome is DecisionOutcome.APPROVED
    again = await assignments.decide(deps, ACME, jo.id, approve=False)
    assert again.outcome is DecisionOutcome.STALE
    jo = await deps.repos.assignments.find(mission_id, JO)
    assert jo is not None and (jo.status, jo.agreed_rate_cents) == (AssignmentStatus.ACTIVE, 2_500)
    user, notice = notifier.sent[-1]
    assert user == JO and isinstance(notice, notices.ApplicationApproved)
    assert notice.rate_cents == 2_500


async def test_leaving_frees_the_slot_and_says_how_the_prospector_left(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    auto = await publish(deps)
    manual = await publish(deps, approval=Approval.MANUAL)
    await assignments.take(deps, JO, auto)
    await assignments.take(deps, JO, manual)
    active = await deps.repos.assignments.find(auto, JO)
    applied = await deps.repos.assignments.find(manual, JO)
    assert active is not None and applied is not None
    assert not await assignments.leave(deps, ANN, active.id)
    assert await assignments.leave(deps, JO, active.id)
    assert await assignments.leave(deps, JO, applied.id)
    assert not await assignments.leave(deps, JO, applied.id)
    mission = await deps.repos.missions.get(auto)
    assert mission is not None and mission.active_count == 0
    kinds = [type(notice) for _, notice in notifier.sent[-2:]]
    assert kinds == [notices.ProspectorLeft, notices.ApplicationWithdrawn]


async def test_offers_supersede_and_only_the_latest_can_be_accepted(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    mission_id = await publish(deps, slots=2)
    thread = await threads.open_for_mission(deps, JO, mission_id, to_offer=True)
    assert not isinstance(thread, threads.Refused)
    assert await threads.make_offer(deps, JO, thread, 5_000) is None
    assert await threads.make_offer(deps, ACME, thread, 4_500) is None
    first, second = (n for _, n in notifier.sent if isinstance(n, notices.OfferReceived))
    assert await threads.answer_offer(deps, JO, first.offer_id, accept=True) is None
    old = await threads.answer_offer(deps, ACME, first.offer_id, accept=True)
    assert old is not None and old.refusal is threads.Refused.SUPERSEDED
    accepted = await threads.answer_offer(deps, JO, second.offer_id, accept=True)
    assert accepted is not None and accepted.refusal is None
    jo = await deps.repos.assignments.find(mission_id, JO)
    assert jo is not None and (jo.status, jo.agreed_rate_cents) == (AssignmentStatus.ACTIVE, 4_500)
    assert await threads.make_offer(deps, ACME, thread, 4_000) is threads.Refused.RATE_AGREED
    user, told = notifier.sent[-1]
    assert user == ACME and isinstance(told, notices.OfferAccepted) and told.other == "P-0001"


async def test_leaving_withdraws_the_pending_offers_of_both_sides(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    mission_id = await publish(deps, slots=2, approval=Approval.MANUAL)
    jo_thread = await threads.open_for_mission(deps, JO, mission_id, to_offer=True)
    ann_thread = await threads.open_for_mission(deps, ANN, mission_id, to_offer=True)
    assert not isinstance(jo_thread, threads.Refused)
    assert not isinstance(ann_thread, threads.Refused)
    assert await threads.make_offer(deps, ACME, jo_thread, 4_500) is None
    assert await threads.make_offer(deps, ANN, ann_thread, 5_000) is None
    to_jo, from_ann = (n for _, n in notifier.sent if isinstance(n, notices.OfferReceived))
    for prospector in (JO, ANN):
        assignment = await deps.repos.assignments.find(mission_id, prospector)
        assert assignment is not None
        assert await assignments.leave(deps, prospector, assignment.id)
    told = len(notifier.sent)

    for user, offer_id in ((JO, to_jo.offer_id), (ACME, from_ann.offer_id)):
        answered = await threads.answer_offer(deps, user, offer_id, accept=True)
        assert answered is not None and answered.refusal is threads.Refused.WITHDRAWN
        offer = await deps.repos.threads.offer(offer_id)
        assert offer is not None and offer.status is OfferStatus.WITHDRAWN
    for prospector in (JO, ANN):
        assignment = await deps.repos.assignments.find(mission_id, prospector)
        assert assignment is not None and assignment.status is AssignmentStatus.LEFT
    mission = await deps.repos.missions.get(mission_id)
    assert mission is not None and mission.active_count == 0
    assert len(notifier.sent) == told, "nobody is told of an acceptance"

    # Coming back the way a newcomer does still works.
    assert await threads.make_offer(deps, ACME, jo_thread, 4_000) is None
    *_, again = (n for _, n in notifier.sent if isinstance(n, notices.OfferReceived))
    accepted = await threads.answer_offer(deps, JO, again.offer_id, accept=True)
    assert accepted is not None and accepted.refusal is None


async def test_a_relayed_message_names_each_side_by_its_public_name(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    mission_id = await publish(deps)
    thread = await threads.open_for_mission(deps, JO, mission_id, to_offer=False)
    assert not isinstance(thread, threads.Refused)
    posted = await threads.post(deps, JO, thread, MessageKind.TEXT, "Paris only?")
    assert posted.other == "Acme"
    user, relayed = notifier.sent[-1]
    assert user == ACME and isinstance(relayed, notices.MessageRelayed)
    assert (relayed.other, relayed.thread_id) == ("P-0001", thread.id)


async def test_edits_keep_the_mission_consistent(world: tuple[Deps, RecordingNotifier]) -> None:
    deps, _ = world
    mission_id = await publish(deps, slots=2)
    await assignments.take(deps, JO, mission_id)
    await assignments.take(deps, ANN, mission_id)
    refused = await missions.edit(deps, ACME, mission_id, "slots", 1)
    assert refused.outcome is EditOutcome.SLOTS_BELOW_ACTIVE
    foreign = await missions.edit(deps, RIVAL, mission_id, "title", "Hijacked")
    assert foreign.outcome is EditOutcome.NOT_ALLOWED
    assert (await missions.edit(deps, ACME, mission_id, "slots", 5)).outcome is EditOutcome.UPDATED
    mission = await deps.repos.missions.get(mission_id)
    assert mission is not None and (mission.slots, mission.title) == (5, "Book demos")


async def test_closing_at_the_deadline_happens_once_and_tells_everyone(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    mission_id = await publish(deps, deadline=date(2026, 3, 20))
    await assignments.take(deps, JO, mission_id)
    assert await missions.close_past_deadline(deps, date(2026, 3, 20)) == 0
    assert await missions.close_past_deadline(deps, date(2026, 3, 21)) == 1
    assert await missions.close_past_deadline(deps, date(2026, 3, 22)) == 0
    mission = await deps.repos.missions.get(mission_id)
    assert mission is not None and mission.status is MissionStatus.CLOSED
    told = [(user, type(notice)) for user, notice in notifier.sent[-2:]]
    assert told == [(JO, notices.MissionClosed), (ACME, notices.MissionPastDeadline)]
    jo = await deps.repos.assignments.find(mission_id, JO)
    assert jo is not None and jo.status is AssignmentStatus.ENDED
