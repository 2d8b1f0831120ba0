"""Scheduled work: a short tick every minute that reads what is due from the database and
calls the rules. Each piece is idempotent, so a late, repeated or missed tick catches up
and never acts twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.kit.context import CallboardApp, CallboardContext
from services import missions, results

_LOGGER = logging.getLogger(__name__)

TICK_SECONDS = 60
UPDATE_MEMORY = timedelta(days=2)


async def close_missions_past_deadline(context: CallboardContext) -> int:
    """Close every open or paused mission whose last day is over (in TIMEZONE)."""
    today = context.clock.now().astimezone(context.settings.zone).date()
    closed = await missions.close_past_deadline(context.deps, today)
    if closed:
        _LOGGER.info("closed %d mission(s) past their deadline", closed)
    return closed


async def validate_overdue_results(context: CallboardContext) -> int:
    """Validate every result its company did not review within REVIEW_WINDOW_HOURS; both
    sides are told."""
    validated = await results.validate_overdue(context.deps)
    if validated:
        _LOGGER.info("validated %d result(s) left unreviewed past their window", validated)
    return validated


async def forget_old_updates(context: CallboardContext) -> None:
    """Telegram redelivers an update within a day at most; older ids need not be kept."""
    async with context.db.transaction() as tx:
        await context.repos.updates.forget_before(tx, context.clock.now() - UPDATE_MEMORY)


async def minute_tick(context: CallboardContext) -> None:
    await close_missions_past_deadline(context)
    await validate_overdue_results(context)
    await forget_old_updates(context)


def schedule(application: CallboardApp) -> None:
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        minute_tick, interval=TICK_SECONDS, first=1, name="minute-tick"
    )
