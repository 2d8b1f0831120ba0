"""Changes to a mission's life that several features (and the scheduler) make."""

from __future__ import annotations

from bot.kit.context import CallboardContext
from bot.notifications import notify
from storage.database import Transaction
from storage.models import Mission, MissionStatus


async def close_mission(
    context: CallboardContext, tx: Transaction, mission: Mission, *, reason: str
) -> bool:
    """Close the mission, end its assignments and tell their prospectors, in `tx`.
    False if it was already closed."""
    closed = await context.repos.missions.set_status(
        tx,
        mission.id,
        allowed_from=(MissionStatus.OPEN, MissionStatus.PAUSED),
        to=MissionStatus.CLOSED,
        reason=reason,
    )
    if not closed:
        return False
    for assignment in await context.repos.assignments.close_for_mission(tx, mission.id):
        await notify(
            context,
            tx,
            assignment.prospector_id,
            "notify.mission_closed",
            mission_id=mission.id,
            title=mission.title,
        )
    return True
