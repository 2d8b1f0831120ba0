"""The assignment lifecycle as a table: every (status, action) pair, first as written in
`services.lifecycle`, then as the services apply it to the database (status, rate, slot)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services import assignments as service
from services.assignments import Blocked
from services.lifecycle import Action, Refusal, transition
from services.ports import Deps
from storage.models import (
    Approval,
    MissionFields,
    MissionStatus,
    PayModel,
    Role,
    Target,
)
from storage.models import AssignmentStatus as S
from tests.rules import open_deps, seed_user

A = Action
R = Refusal
# Expected outcome of each action (columns) from each status (rows); None: no assignment.
COLUMNS = (A.START, A.APPLY, A.NEGOTIATE, A.ACCEPT_OFFER, A.APPROVE, A.DECLINE, A.LEAVE, A.END)
NEWCOMER = (S.ACTIVE, S.APPLIED, S.NEGOTIATING, S.ACTIVE, R.NOT_APPLIED, R.NOT_APPLIED,
            R.NOT_ON_MISSION, R.NOT_ON_MISSION)  # fmt: skip
EXPECTED: dict[S | None, tuple[S | Refusal, ...]] = {
    None: NEWCOMER,
    S.LEFT: NEWCOMER,
    S.NEGOTIATING: (S.ACTIVE, S.APPLIED, S.NEGOTIATING, S.ACTIVE, R.NOT_APPLIED,
                    R.NOT_APPLIED, S.LEFT, S.DECLINED),
    S.APPLIED: (R.ALREADY_APPLIED, R.ALREADY_APPLIED, S.APPLIED, S.ACTIVE, S.ACTIVE,
                S.DECLINED, S.LEFT, S.DECLINED),
    S.ACTIVE: (R.ALREADY_ACTIVE, R.ALREADY_ACTIVE, R.RATE_AGREED, R.RATE_AGREED,
               R.NOT_APPLIED, R.NOT_APPLIED, S.LEFT, S.ENDED),
    S.DECLINED: (R.DECLINED_BEFORE, R.DECLINED_BEFORE, R.DECLINED_BEFORE, R.DECLINED_BEFORE,
                 R.NOT_APPLIED, R.NOT_APPLIED, R.NOT_ON_MISSION, R.ENDED),
    S.ENDED: (R.ENDED,) * 8,
}  # fmt: skip
PAIRS = [
    (status, action, outcome)
    for status, outcomes in EXPECTED.items()
    for action, outcome in zip(COLUMNS, outcomes, strict=True)
]


def test_the_table_covers_every_status_and_action() -> None:
    assert set(EXPECTED) == {None, *S}
    assert set(COLUMNS) == set(Action)


@pytest.mark.parametrize(("status", "action", "expected"), PAIRS)
def test_transition(status: S | None, action: Action, expected: S | Refusal) -> None:
    assert transition(status, action) == expected


@pytest.fixture
async def deps(tmp_path: Path) -> AsyncIterator[Deps]:
    opened, _ = await open_deps(tmp_path / "lifecycle.sqlite3")
    yield opened
    await opened.db.close()


COMPANY, PROSPECTOR, OTHER = 1, 2, 3
FIELDS = MissionFields(
    title="Lifecycle check",
    brief="A mission that exists to check every transition of the lifecycle.",
    pay_model=PayModel.LEAD,
    rate_cents=2_000,
    slots=2,
    result_cap=None,
    deadline=None,
    target=Target.B2B,
    approval=Approval.AUTO,
)


async def _seed_people(deps: Deps) -> None:
    for user_id, role in ((COMPANY, Role.COMPANY), (PROSPECTOR, Role.PROSPECTOR),
                          (OTHER, Role.PROSPECTOR)):  # fmt: skip
        await seed_user(deps, user_id, role)


async def _mission_with(deps: Deps, status: S | None) -> int:
    """An open mission on which PROSPECTOR's assignment is in `status` (OTHER holds one of
    its two slots, so taking the last one is possible and a full mission is not)."""
    async with deps.db.transaction() as tx:
        mission_id = await deps.repos.missions.create(tx, COMPANY, FIELDS)
        await deps.repos.missions.take_slot(tx, mission_id)
        await deps.repos.assignments.create(tx, mission_id, OTHER, S.ACTIVE, 2_000)
        if status is S.ACTIVE:
            await deps.repos.missions.take_slot(tx, mission_id)
        if status is not None:
            await deps.repos.assignments.create(tx, mission_id, PROSPECTOR, status, 1_500)
    return mission_id


@pytest.mark.parametrize(("status", "action", "expected"), PAIRS)
async def test_the_services_obey_the_table(
    deps: Deps, status: S | None, action: Action, expected: S | Refusal
) -> None:
    await _seed_people(deps)
    mission_id = await _mission_with(deps, status)
    async with deps.db.transaction() as tx:
        mission = await deps.repos.missions.get(mission_id, tx)
        assert mission is not None
        result = await service.change(deps, tx, mission, PROSPECTOR, action, 1_800)
    assert result == expected
    assignment = await deps.repos.assignments.find(mission_id, PROSPECTOR)
    stored = assignment.status if assignment else None
    assert stored == (expected if isinstance(expected, S) else status)
    mission_after = await deps.repos.missions.get(mission_id)
    assert mission_after is not None
    assert mission_after.active_count == 1 + (stored is S.ACTIVE)
    if expected is S.ACTIVE and assignment is not None:
        assert assignment.agreed_rate_cents == 1_800


@pytest.mark.parametrize("action", sorted(Action))
async def test_nothing_claims_a_place_on_a_mission_that_is_not_open(
    deps: Deps, action: Action
) -> None:
    await _seed_people(deps)
    mission_id = await _mission_with(deps, S.APPLIED)
    async with deps.db.transaction() as tx:
        await deps.repos.missions.set_status(
            tx, mission_id, allowed_from=(MissionStatus.OPEN,), to=MissionStatus.PAUSED
        )
        mission = await deps.repos.missions.get(mission_id, tx)
        assert mission is not None
        result = await service.change(deps, tx, mission, PROSPECTOR, action)
    claims = action in (A.START, A.APPLY, A.NEGOTIATE, A.ACCEPT_OFFER, A.APPROVE)
    assert (result is Blocked.NOT_OPEN) == claims


async def test_the_last_slot_is_refused_when_the_mission_is_full(deps: Deps) -> None:
    await _seed_people(deps)
    mission_id = await _mission_with(deps, S.APPLIED)
    async with deps.db.transaction() as tx:
        await deps.repos.missions.update_field(tx, mission_id, "slots", 1)
        mission = await deps.repos.missions.get(mission_id, tx)
        assert mission is not None
        assert await service.change(deps, tx, mission, PROSPECTOR, A.APPROVE) is Blocked.FULL
    assignment = await deps.repos.assignments.find(mission_id, PROSPECTOR)
    assert assignment is not None and assignment.status is S.APPLIED
