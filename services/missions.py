"""A mission's life: publish, pause, resume, close (by its company or at its deadline),
edit. Each function runs one transaction, re-checks ownership and state in it, and tells
the other people concerned through the notifier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from services import assignments, notices
from services.ports import Deps
from storage.database import Transaction
from storage.models import Audience, Mission, MissionFields, MissionStatus, Role


class Published(BaseModel):
    model_config = ConfigDict(frozen=True)

    mission_id: int
    alerted: int


class Refused(StrEnum):
    NOT_ALLOWED = "not_allowed"


async def publish(deps: Deps, company_id: int, fields: MissionFields) -> Published | Refused:
    """Create the open mission and alert the prospectors who asked for new missions in its
    market (the alerts are expanded after the commit, in chunks)."""
    async with deps.db.transaction() as tx:
        company = await deps.repos.users.get(company_id, tx)
        if company is None or company.role is not Role.COMPANY or company.is_banned:
            return Refused.NOT_ALLOWED
        mission_id = await deps.repos.missions.create(tx, company_id, fields)
        alert = notices.NewMissionAlert(
            mission_id=mission_id,
            title=fields.title,
            rate_cents=fields.rate_cents,
            pay_model=fields.pay_model,
        )
        audience = Audience(kind="new_mission_alert", target=fields.target)
        alerted = await deps.notifier.fan_out(tx, audience, alert)
    return Published(mission_id=mission_id, alerted=alerted.recipients)


async def close_in(deps: Deps, tx: Transaction, mission: Mission, *, reason: str) -> bool:
    """Close the mission in `tx`: its assignments end and their prospectors are told.
    False if it was already closed."""
    closed = await deps.repos.missions.set_status(
        tx,
        mission.id,
        allowed_from=(MissionStatus.OPEN, MissionStatus.PAUSED),
        to=MissionStatus.CLOSED,
        reason=reason,
    )
    if not closed:
        return False
    notice = notices.MissionClosed(mission_id=mission.id, title=mission.title)
    for assignment in await assignments.end_all(deps, tx, mission):
        await deps.notifier.notify(tx, assignment.prospector_id, notice)
    return True


async def close_past_deadline(deps: Deps, today: date) -> int:
    """Close every open or paused mission whose last day is before `today` and tell its
    company; returns how many were closed. Idempotent: a closed mission is not listed."""
    closed = 0
    async with deps.db.transaction() as tx:
        for mission in await deps.repos.missions.past_deadline(tx, today):
            if await close_in(deps, tx, mission, reason="deadline"):
                notice = notices.MissionPastDeadline(mission_id=mission.id, title=mission.title)
                await deps.notifier.notify(tx, mission.company_id, notice)
                closed += 1
    return closed


async def own_mission(deps: Deps, company_id: int, mission_id: int) -> Mission | None:
    """The mission if it belongs to `company_id`."""
    mission = await deps.repos.missions.get(mission_id)
    return mission if mission is not None and mission.company_id == company_id else None


_MOVES = {
    MissionStatus.PAUSED: (MissionStatus.OPEN,),
    MissionStatus.OPEN: (MissionStatus.PAUSED,),
}


async def set_paused(deps: Deps, company_id: int, mission_id: int, *, paused: bool) -> bool:
    """Pause an open mission (it leaves /browse) or resume a paused one; False if the
    mission is not the company's or not in the state to move from. A banned company has
    no open mission: the ban paused them, and resuming is refused, even to an update that
    was under way when the ban was committed."""
    to = MissionStatus.PAUSED if paused else MissionStatus.OPEN
    async with deps.db.transaction() as tx:
        mission = await deps.repos.missions.get(mission_id, tx)
        if mission is None or mission.company_id != company_id:
            return False
        company = await deps.repos.users.get(company_id, tx)
        if not paused and (company is None or company.is_banned):
            return False
        return await deps.repos.missions.set_status(tx, mission_id, allowed_from=_MOVES[to], to=to)


async def close(deps: Deps, company_id: int, mission_id: int) -> bool:
    """The company closes its mission; its prospectors are told."""
    async with deps.db.transaction() as tx:
        mission = await deps.repos.missions.get(mission_id, tx)
        if mission is None or mission.company_id != company_id:
            return False
        return await close_in(deps, tx, mission, reason="company")


class EditOutcome(StrEnum):
    UPDATED = "updated"
    SLOTS_BELOW_ACTIVE = "slots_below_active"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class Edited:
    outcome: EditOutcome
    mission: Mission | None


EDITABLE = ("title", "brief", "rate_cents", "slots", "result_cap", "deadline")


async def edit(deps: Deps, company_id: int, mission_id: int, field: str, value: object) -> Edited:
    """Change one field of a live mission. A new rate applies only to prospectors who start
    afterwards (an assignment keeps the rate it was agreed at); slots cannot go below the
    prospectors already active."""
    async with deps.db.transaction() as tx:
        mission = await deps.repos.missions.get(mission_id, tx)
        if (
            mission is None
            or mission.company_id != company_id
            or mission.status in (MissionStatus.CLOSED, MissionStatus.COMPLETED)
            or field not in EDITABLE
        ):
            return Edited(EditOutcome.NOT_ALLOWED, mission)
        if field == "slots" and isinstance(value, int) and value < mission.active_count:
            return Edited(EditOutcome.SLOTS_BELOW_ACTIVE, mission)
        await deps.repos.missions.update_field(tx, mission.id, field, value)
    return Edited(EditOutcome.UPDATED, mission)
