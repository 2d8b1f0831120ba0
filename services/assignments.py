"""Prospectors on missions: taking a mission at its posted rate (starting at once or
applying), the company's answer to an application, leaving. Every change of an
assignment's status goes through `change`, which obeys the lifecycle table and takes or
frees the mission's slot in the same transaction, so N prospectors racing for the last
slot produce exactly one winner."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services import notices
from services.lifecycle import CLAIMS, OPEN_STATUSES, Action, Refusal, transition
from services.ports import Deps
from storage.database import Transaction
from storage.models import (
    Approval,
    Assignment,
    AssignmentStatus,
    Mission,
    MissionStatus,
    ProspectorProfile,
)


class Blocked(StrEnum):
    """Why a change the lifecycle allows cannot happen on this mission now."""

    NOT_OPEN = "not_open"
    FULL = "full"


Changed = AssignmentStatus | Refusal | Blocked


async def change(
    deps: Deps,
    tx: Transaction,
    mission: Mission,
    prospector_id: int,
    action: Action,
    rate_cents: int | None = None,
) -> Changed:
    """Apply `action` to the prospector's assignment on `mission`, in `tx`: the new status,
    or why not. `rate_cents` is the rate applied for or agreed (None keeps the current)."""
    repos = deps.repos
    if action in CLAIMS and mission.status is not MissionStatus.OPEN:
        return Blocked.NOT_OPEN
    existing = await repos.assignments.find(mission.id, prospector_id, tx)
    target = transition(existing.status if existing else None, action)
    if isinstance(target, Refusal):
        return target
    if action is Action.APPLY and mission.slots_left == 0:
        # An application to a full mission could never be approved.
        return Blocked.FULL
    was_active = existing is not None and existing.status is AssignmentStatus.ACTIVE
    takes_slot = target is AssignmentStatus.ACTIVE and not was_active
    if takes_slot and not await repos.missions.take_slot(tx, mission.id):
        return Blocked.FULL
    if was_active and target is not AssignmentStatus.ACTIVE:
        await repos.missions.free_slot(tx, mission.id)
    rate = _rate_after(existing, target, rate_cents)
    if existing is None:
        await repos.assignments.create(tx, mission.id, prospector_id, target, rate)
    else:
        await repos.assignments.move(tx, existing, target, rate)
    if action is Action.LEAVE:
        # The offers still pending in the pair's thread go with the prospector, or accepting
        # one later would put them back on the mission. (A mission that ends never reopens,
        # so its offers are refused as not open.)
        await repos.threads.withdraw_offers(tx, mission.id, prospector_id)
    return target


def _rate_after(
    existing: Assignment | None, target: AssignmentStatus, rate_cents: int | None
) -> int | None:
    if rate_cents is not None:
        return rate_cents
    if target is AssignmentStatus.NEGOTIATING and (
        existing is None or existing.status is AssignmentStatus.LEFT
    ):
        return None
    return existing.agreed_rate_cents if existing else None


# --- taking a mission at its posted rate ----------------------------------------------------


class TakeOutcome(StrEnum):
    STARTED = "started"
    APPLIED = "applied"
    FULL = "full"
    NOT_OPEN = "not_open"
    ALREADY_ACTIVE = "already_active"
    ALREADY_APPLIED = "already_applied"
    DECLINED_BEFORE = "declined_before"


@dataclass(frozen=True)
class Taken:
    outcome: TakeOutcome
    mission: Mission | None


_TAKE_REFUSALS = {
    Refusal.ALREADY_ACTIVE: TakeOutcome.ALREADY_ACTIVE,
    Refusal.ALREADY_APPLIED: TakeOutcome.ALREADY_APPLIED,
    Refusal.DECLINED_BEFORE: TakeOutcome.DECLINED_BEFORE,
    Blocked.FULL: TakeOutcome.FULL,
}


async def take(deps: Deps, prospector_id: int, mission_id: int) -> Taken:
    """Accept the posted rate: start at once (a slot permitting) or apply, as the mission
    says. Either way the pair now has a thread, so the company can write to the
    prospector."""
    repos = deps.repos
    async with deps.db.transaction() as tx:
        mission = await repos.missions.get(mission_id, tx)
        profile = await repos.profiles.prospector(prospector_id, tx)
        if mission is None or profile is None:
            return Taken(TakeOutcome.NOT_OPEN, mission)
        auto = mission.approval is Approval.AUTO
        action = Action.START if auto else Action.APPLY
        result = await change(deps, tx, mission, prospector_id, action, mission.rate_cents)
        if not isinstance(result, AssignmentStatus):
            return Taken(_TAKE_REFUSALS.get(result, TakeOutcome.NOT_OPEN), mission)
        thread = await repos.threads.open(tx, mission.id, prospector_id, mission.company_id)
        if auto:
            started = notices.ProspectorStarted(
                mission_id=mission.id,
                title=mission.title,
                code=profile.code,
                rate_cents=mission.rate_cents,
            )
            await deps.notifier.notify(tx, mission.company_id, started)
            return Taken(TakeOutcome.STARTED, mission)
        assignment = await repos.assignments.find(mission.id, prospector_id, tx)
        assert assignment is not None
        await deps.notifier.notify(
            tx, mission.company_id, _application(mission, assignment, profile, thread.id)
        )
        return Taken(TakeOutcome.APPLIED, mission)


def _application(
    mission: Mission, assignment: Assignment, profile: ProspectorProfile, thread_id: int
) -> notices.ApplicationReceived:
    return notices.ApplicationReceived(
        mission_id=mission.id,
        title=mission.title,
        assignment_id=assignment.id,
        code=profile.code,
        display_name=profile.display_name,
        experience_years=profile.experience_years,
        languages=profile.languages,
        thread_id=thread_id,
    )


# --- the company's answer to an application ---------------------------------------------------


class DecisionOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    FULL = "full"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    STALE = "stale"


@dataclass(frozen=True)
class Decision:
    outcome: DecisionOutcome
    mission_id: int | None = None
    # The rate an approved prospector works at.
    rate_cents: int | None = None


async def decide(deps: Deps, company_id: int, assignment_id: int, *, approve: bool) -> Decision:
    """Approve (at the rate applied for, a slot permitting) or decline an application to one
    of the company's missions; the prospector is told."""
    repos = deps.repos
    async with deps.db.transaction() as tx:
        assignment = await repos.assignments.get(assignment_id, tx)
        mission = await repos.missions.get(assignment.mission_id, tx) if assignment else None
        if assignment is None or mission is None or mission.company_id != company_id:
            return Decision(DecisionOutcome.STALE)
        if mission.status is MissionStatus.CLOSED:
            return Decision(DecisionOutcome.CLOSED, mission.id)
        action = Action.APPROVE if approve else Action.DECLINE
        rate = assignment.agreed_rate_cents or mission.rate_cents
        result = await change(deps, tx, mission, assignment.prospector_id, action, rate)
        if result is Blocked.FULL:
            return Decision(DecisionOutcome.FULL, mission.id)
        if result is Blocked.NOT_OPEN:
            return Decision(DecisionOutcome.NOT_OPEN, mission.id)
        if not isinstance(result, AssignmentStatus):
            return Decision(DecisionOutcome.STALE, mission.id)
        notice: notices.Notice = (
            notices.ApplicationApproved(mission_id=mission.id, title=mission.title, rate_cents=rate)
            if approve
            else notices.ApplicationDeclined(mission_id=mission.id, title=mission.title)
        )
        await deps.notifier.notify(tx, assignment.prospector_id, notice)
    if approve:
        return Decision(DecisionOutcome.APPROVED, mission.id, rate)
    return Decision(DecisionOutcome.DECLINED, mission.id)


# --- leaving ------------------------------------------------------------------------------------


async def own_open_assignment(
    deps: Deps, prospector_id: int, assignment_id: int
) -> tuple[Assignment, Mission] | None:
    """The prospector's own assignment, if it still holds or claims a place."""
    assignment = await deps.repos.assignments.get(assignment_id)
    if assignment is None or assignment.prospector_id != prospector_id:
        return None
    if assignment.status not in OPEN_STATUSES:
        return None
    mission = await deps.repos.missions.get(assignment.mission_id)
    return (assignment, mission) if mission else None


async def leave(deps: Deps, prospector_id: int, assignment_id: int) -> bool:
    """Leave a mission (or withdraw an application); the company is told and an active
    prospector's slot is free again. False if there was nothing to leave."""
    repos = deps.repos
    async with deps.db.transaction() as tx:
        assignment = await repos.assignments.get(assignment_id, tx)
        if assignment is None or assignment.prospector_id != prospector_id:
            return False
        mission = await repos.missions.get(assignment.mission_id, tx)
        profile = await repos.profiles.prospector(prospector_id, tx)
        if mission is None or profile is None:
            return False
        result = await change(deps, tx, mission, prospector_id, Action.LEAVE)
        if result is not AssignmentStatus.LEFT:
            return False
        kind = (
            notices.ProspectorLeft
            if assignment.status is AssignmentStatus.ACTIVE
            else notices.ApplicationWithdrawn
        )
        notice = kind(mission_id=mission.id, title=mission.title, code=profile.code)
        await deps.notifier.notify(tx, mission.company_id, notice)
    return True


async def end_all(deps: Deps, tx: Transaction, mission: Mission) -> list[Assignment]:
    """The mission closed: every assignment still on it ends, in `tx`; returns those."""
    ended = []
    for assignment in await deps.repos.assignments.open_for_mission(tx, mission.id):
        if isinstance(
            await change(deps, tx, mission, assignment.prospector_id, Action.END), AssignmentStatus
        ):
            ended.append(assignment)
    return ended
