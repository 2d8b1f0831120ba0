"""Scheduled work: a short tick every minute that reads what is due from the
database. Each piece is idempotent, so a late, repeated or missed tick catches up and never
acts twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.kit.context import CallboardApp, CallboardContext
from bot.lifecycle import close_mission
from bot.notifications import notify

_LOGGER = logging.getLogger(__name__)

TICK_SECONDS = 60
UPDATE_MEMORY = timedelta(days=2)


async def close_missions_past_deadline(context: CallboardContext) -> int:
    """Close every open or paused mission whose last day is over (in TIMEZONE) and tell
    the company; returns how many were closed."""
    today = context.clock.now().astimezone(context.settings.zone).date()
    closed = 0
    async with context.db.transaction() as tx:
        for mission in await context.repos.missions.past_deadline(tx, today):
            if await close_mission(context, tx, mission, reason="deadline"):
                await notify(
                    context,
                    tx,
                    mission.company_id,
                    "notify.deadline_closed",
                    mission_id=mission.id,
                    title=mission.title,
                )
                closed += 1
    if closed:
        _LOGGER.info("closed %d mission(s) past their deadline", closed)
    return closed


async def forget_old_updates(context: CallboardContext) -> None:
    """Telegram redelivers an update within a day at most; older ids need not be kept."""
    async with context.db.transaction() as tx:
        await context.repos.updates.forget_before(tx, context.clock.now() - UPDATE_MEMORY)


async def minute_tick(context: CallboardContext) -> None:
    await close_missions_past_deadline(context)
    await forget_old_updates(context)


def schedule(application: CallboardApp) -> None:
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        minute_tick, interval=TICK_SECONDS, first=1, name="minute-tick"
    )
