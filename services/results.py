"""Results of calls: submitting, reviewing (by the company, or automatically once the review
window is over), disputing a rejection and the admins' decision. Validating a result, by
whichever path, writes exactly one ledger entry at the assignment's agreed rate, and
completes the mission once its cap of validated results is reached."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services import assignments, notices
from services.ledger import fee_cents
from services.ports import Deps
from storage.database import Reader, Transaction
from storage.models import (
    Assignment,
    AssignmentStatus,
    AuditAction,
    Mission,
    MissionStatus,
    Result,
    ResultDetails,
    ResultStatus,
    Reviewer,
)

# Results validated automatically per transaction: the tick never holds the lock for long.
AUTO_BATCH = 100
# A paused mission still takes the results of the prospectors working on it.
_TAKES_RESULTS = (MissionStatus.OPEN, MissionStatus.PAUSED)


# --- submitting -------------------------------------------------------------------------------


class SubmitRefusal(StrEnum):
    NOT_ACTIVE = "not_active"
    MISSION_CLOSED = "mission_closed"
    CAP_REACHED = "cap_reached"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Submitted:
    result_id: int


@dataclass(frozen=True)
class Refused:
    reason: SubmitRefusal
    # The earlier result with the same phone number, for DUPLICATE.
    earlier_result_id: int | None = None


@dataclass(frozen=True)
class Submittable:
    assignment: Assignment
    mission: Mission


async def submittable(deps: Deps, prospector_id: int) -> list[Submittable]:
    """The prospector's active assignments on missions that take a result now."""
    found = await deps.repos.assignments.for_prospector(
        prospector_id, (AssignmentStatus.ACTIVE,), offset=0, limit=100
    )
    return [Submittable(a, m) for a, m in found if await _refusal(deps, a, m) is None]


async def refusal_for(
    deps: Deps, prospector_id: int, assignment_id: int
) -> tuple[Submittable | None, SubmitRefusal | None]:
    """Whether the prospector may submit a result on the assignment now, and why not."""
    assignment = await deps.repos.assignments.get(assignment_id)
    if assignment is None or assignment.prospector_id != prospector_id:
        return None, SubmitRefusal.NOT_ACTIVE
    mission = await deps.repos.missions.get(assignment.mission_id)
    if mission is None:
        return None, SubmitRefusal.NOT_ACTIVE
    return Submittable(assignment, mission), await _refusal(deps, assignment, mission)


async def _refusal(
    deps: Deps, assignment: Assignment, mission: Mission, reader: Reader | None = None
) -> SubmitRefusal | None:
    if mission.status is MissionStatus.COMPLETED:
        return SubmitRefusal.CAP_REACHED
    if mission.status not in _TAKES_RESULTS:
        return SubmitRefusal.MISSION_CLOSED
    if assignment.status is not AssignmentStatus.ACTIVE:
        return SubmitRefusal.NOT_ACTIVE
    cap = mission.result_cap
    counted = await deps.repos.results.counted_for_cap(mission.id, deps.clock.now(), reader)
    if cap is not None and counted >= cap:
        return SubmitRefusal.CAP_REACHED
    return None


async def earlier_with_phone(deps: Deps, mission_id: int, phone: str) -> int | None:
    """The result already reporting this number on the mission, if any."""
    return await deps.repos.results.with_phone(mission_id, phone)


async def submit(
    deps: Deps, prospector_id: int, assignment_id: int, details: ResultDetails
) -> Submitted | Refused:
    """Record the result (pending review) and tell the company, all re-checked here."""
    repos = deps.repos
    async with deps.db.transaction() as tx:
        assignment = await repos.assignments.get(assignment_id, tx)
        mission = await repos.missions.get(assignment.mission_id, tx) if assignment else None
        if assignment is None or mission is None or assignment.prospector_id != prospector_id:
            return Refused(SubmitRefusal.NOT_ACTIVE)
        refusal = await _refusal(deps, assignment, mission, tx)
        if refusal is not None:
            return Refused(refusal)
        earlier = await repos.results.with_phone(mission.id, details.phone, tx)
        if earlier is not None:
            return Refused(SubmitRefusal.DUPLICATE, earlier)
        due = deps.clock.now() + deps.rules.review_window
        result_id = await repos.results.create(
            tx, assignment.id, mission.id, prospector_id, details, due
        )
        profile = await repos.profiles.prospector(prospector_id, tx)
        submitted = notices.ResultSubmitted(
            mission_id=mission.id,
            title=mission.title,
            result_id=result_id,
            code=profile.code if profile else "?",
            proof=details.proof,
        )
        await deps.notifier.notify(tx, mission.company_id, submitted)
    return Submitted(result_id)


# --- reviewing ----------------------------------------------------------------------------------


class ReviewOutcome(StrEnum):
    VALIDATED = "validated"
    REJECTED = "rejected"
    STALE = "stale"


async def company_result(deps: Deps, company_id: int, result_id: int) -> Result | None:
    """The result if it belongs to one of the company's missions."""
    result = await deps.repos.results.get(result_id)
    mission = await deps.repos.missions.get(result.mission_id) if result else None
    return result if mission is not None and mission.company_id == company_id else None


async def validate(deps: Deps, company_id: int, result_ids: list[int]) -> int:
    """Validate the company's pending results among `result_ids`; returns how many were."""
    validated = 0
    async with deps.db.transaction() as tx:
        for result_id in result_ids:
            owned = await _owned(deps, tx, company_id, result_id)
            if owned is None:
                continue
            result, mission = owned
            entry = await _validate_in(deps, tx, result, mission, Reviewer.COMPANY)
            if entry is not None:
                notice = notices.ResultValidated(
                    mission_id=mission.id,
                    title=mission.title,
                    result_id=result.id,
                    amount_cents=entry,
                )
                await deps.notifier.notify(tx, result.prospector_id, notice)
                await _complete_if_capped(deps, tx, mission)
                validated += 1
    return validated


async def reject(deps: Deps, company_id: int, result_id: int, reason: str) -> ReviewOutcome:
    """Reject a pending result with the company's reason; the prospector may dispute it."""
    async with deps.db.transaction() as tx:
        owned = await _owned(deps, tx, company_id, result_id)
        if owned is None:
            return ReviewOutcome.STALE
        result, mission = owned
        until = deps.clock.now() + deps.rules.dispute_window
        if not await deps.repos.results.reject(tx, result.id, reason, until):
            return ReviewOutcome.STALE
        notice = notices.ResultRejected(
            mission_id=mission.id,
            title=mission.title,
            result_id=result.id,
            reason=reason,
            dispute_until=until,
        )
        await deps.notifier.notify(tx, result.prospector_id, notice)
    return ReviewOutcome.REJECTED


async def _owned(
    deps: Deps, tx: Transaction, company_id: int, result_id: int
) -> tuple[Result, Mission] | None:
    result = await deps.repos.results.get(result_id, tx)
    mission = await deps.repos.missions.get(result.mission_id, tx) if result else None
    if result is None or mission is None or mission.company_id != company_id:
        return None
    return result, mission


async def _validate_in(
    deps: Deps,
    tx: Transaction,
    result: Result,
    mission: Mission,
    by: Reviewer,
) -> int | None:
    """Validate the result in `tx` and write its ledger entry; the amount, or None if it
    was no longer open to validation (decided meanwhile). The caller tells the people
    concerned, then completes the mission if its cap is reached (`_complete_if_capped`),
    so the validation is told before the completion it causes."""
    was = ResultStatus.REJECTED if by is Reviewer.DISPUTE else ResultStatus.PENDING
    if not await deps.repos.results.validate(tx, result.id, by, was=was):
        return None
    assignment = await deps.repos.assignments.get(result.assignment_id, tx)
    gross = (assignment.agreed_rate_cents if assignment else None) or mission.rate_cents
    fee = fee_cents(gross, deps.rules.fee_percent)
    await deps.repos.ledger.record_validation(tx, result, mission.company_id, gross, fee)
    return gross


async def _complete_if_capped(deps: Deps, tx: Transaction, mission: Mission) -> None:
    cap = mission.result_cap
    if cap is None or await deps.repos.results.validated_count(tx, mission.id) < cap:
        return
    completed = await deps.repos.missions.set_status(
        tx, mission.id, allowed_from=_TAKES_RESULTS, to=MissionStatus.COMPLETED, reason="cap"
    )
    if not completed:
        return

    def told(to_company: bool) -> notices.MissionCompleted:
        return notices.MissionCompleted(
            mission_id=mission.id, title=mission.title, cap=cap, to_company=to_company
        )

    for assignment in await assignments.end_all(deps, tx, mission):
        if assignment.status is AssignmentStatus.ACTIVE:
            await deps.notifier.notify(tx, assignment.prospector_id, told(False))
    await deps.notifier.notify(tx, mission.company_id, told(True))


async def validate_overdue(deps: Deps) -> int:
    """Validate every pending result whose review window is over and tell both sides;
    returns how many. Idempotent: a validated result is no longer due."""
    total = 0
    while True:
        async with deps.db.transaction() as tx:
            due = await deps.repos.results.due_for_review(tx, deps.clock.now(), AUTO_BATCH)
            for result in due:
                mission = await deps.repos.missions.get(result.mission_id, tx)
                if mission is None:
                    continue
                amount = await _validate_in(deps, tx, result, mission, Reviewer.AUTO)
                if amount is None:
                    continue
                for user_id, to_company in (
                    (result.prospector_id, False),
                    (mission.company_id, True),
                ):
                    notice = notices.ResultAutoValidated(
                        mission_id=mission.id,
                        title=mission.title,
                        result_id=result.id,
                        amount_cents=amount,
                        to_company=to_company,
                    )
                    await deps.notifier.notify(tx, user_id, notice)
                await _complete_if_capped(deps, tx, mission)
                total += 1
        if len(due) < AUTO_BATCH:
            return total


# --- disputes -----------------------------------------------------------------------------------


class DisputeOutcome(StrEnum):
    OPENED = "opened"
    WINDOW_CLOSED = "window_closed"
    ALREADY = "already"
    NOT_ALLOWED = "not_allowed"


async def own_rejected(deps: Deps, prospector_id: int, result_id: int) -> Result | None:
    """The prospector's rejected result, if it is theirs."""
    result = await deps.repos.results.get(result_id)
    if result is None or result.prospector_id != prospector_id:
        return None
    return result if result.status is ResultStatus.REJECTED else None


async def dispute_refusal(deps: Deps, result: Result) -> DisputeOutcome | None:
    """Why the rejected result can no longer be disputed, if so."""
    if await deps.repos.disputes.for_result(result.id) is not None:
        return DisputeOutcome.ALREADY
    due = result.dispute_due_at
    if due is None or deps.clock.now() > due:
        return DisputeOutcome.WINDOW_CLOSED
    return None


async def dispute(
    deps: Deps, prospector_id: int, result_id: int, explanation: str
) -> DisputeOutcome:
    """Dispute a rejection, within the window; the admins are told."""
    repos = deps.repos
    async with deps.db.transaction() as tx:
        result = await repos.results.get(result_id, tx)
        if result is None or result.prospector_id != prospector_id:
            return DisputeOutcome.NOT_ALLOWED
        if result.status is not ResultStatus.REJECTED:
            return DisputeOutcome.NOT_ALLOWED
        if await repos.disputes.for_result(result.id, tx) is not None:
            return DisputeOutcome.ALREADY
        due = result.dispute_due_at
        if due is None or deps.clock.now() > due:
            return DisputeOutcome.WINDOW_CLOSED
        dispute_id = await repos.disputes.open(tx, result.id, explanation)
        if dispute_id is None:
            return DisputeOutcome.ALREADY
        await repos.results.close_dispute_window(tx, result.id)
        mission = await repos.missions.get(result.mission_id, tx)
        profile = await repos.profiles.prospector(prospector_id, tx)
        company = await repos.profiles.company(mission.company_id, tx) if mission else None
        opened = notices.DisputeOpened(
            mission_id=result.mission_id,
            title=mission.title if mission else "",
            result_id=result.id,
            dispute_id=dispute_id,
            code=profile.code if profile else "?",
            company_name=company.name if company else "?",
            reason=result.reason or "",
            explanation=explanation,
        )
        for admin_id in sorted(deps.rules.admin_ids):
            await deps.notifier.notify(tx, admin_id, opened)
    return DisputeOutcome.OPENED


class DecisionOutcome(StrEnum):
    DECIDED = "decided"
    ALREADY_DECIDED = "already_decided"
    NOT_ALLOWED = "not_allowed"


async def decide_dispute(
    deps: Deps, admin_id: int, dispute_id: int, *, validate: bool, note: str
) -> DecisionOutcome:
    """An admin validates the result or keeps it rejected, with a note to both sides, who
    are told which admin decided. A dispute is decided once, whoever taps first."""
    if admin_id not in deps.rules.admin_ids:
        return DecisionOutcome.NOT_ALLOWED
    repos = deps.repos
    async with deps.db.transaction() as tx:
        found = await repos.disputes.get(dispute_id, tx)
        result = await repos.results.get(found.result_id, tx) if found else None
        mission = await repos.missions.get(result.mission_id, tx) if result else None
        if found is None or result is None or mission is None:
            return DecisionOutcome.NOT_ALLOWED
        if not await repos.disputes.decide(tx, dispute_id, validate, admin_id, note):
            return DecisionOutcome.ALREADY_DECIDED
        if validate:
            await _validate_in(deps, tx, result, mission, Reviewer.DISPUTE)
        admin = await repos.users.get(admin_id, tx)
        sides = ((result.prospector_id, False), (mission.company_id, True))
        for user_id, to_company in sides:
            decided = notices.DisputeDecided(
                mission_id=mission.id,
                title=mission.title,
                result_id=result.id,
                validated=validate,
                note=note,
                admin_name=admin.first_name if admin else "?",
                to_company=to_company,
            )
            await deps.notifier.notify(tx, user_id, decided)
        if validate:
            await _complete_if_capped(deps, tx, mission)
        details = {"result_id": result.id, "mission_id": mission.id, "validated": validate}
        await repos.audit.record(tx, admin_id, AuditAction.DISPUTE_DECISION, dispute_id, details)
    return DecisionOutcome.DECIDED
