"""Scheduled work: a short tick every minute that reads what is due from the database and
calls the rules. Each piece is idempotent, so a late, repeated or missed tick catches up
and never acts twice."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from bot.kit.context import CallboardApp, CallboardContext
from bot.settings import Settings
from services import missions, payouts, results

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


def latest_scheduled(trigger: CronTrigger, since: datetime, now: datetime) -> datetime | None:
    """The last time the schedule fell due after `since` and up to `now`, if any: however
    many were missed while the bot was down, one run catches them all up."""
    latest = None
    fire = trigger.get_next_fire_time(None, since + timedelta(seconds=1))
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


async def issue_due_statements(context: CallboardContext) -> int:
    """Issue the statements of the latest PAYOUT_SCHEDULE time not yet run. Before any run
    the schedule counts from the previous tick, so a new bot starts with nothing missed."""
    settings = context.settings
    trigger = CronTrigger.from_crontab(settings.payout_schedule, timezone=settings.zone)
    now = context.clock.now()
    last = await context.repos.statements.last_run()
    due = latest_scheduled(trigger, last or now - timedelta(seconds=TICK_SECONDS), now)
    issued = await payouts.issue_statements(context.deps, due) if due else None
    if issued:
        _LOGGER.info("issued %d payout statement(s) for %s", issued, due)
    return issued or 0


async def send_payment_reminders(context: CallboardContext) -> int:
    sent = await payouts.send_due_reminders(context.deps)
    if sent:
        _LOGGER.info("sent %d payment reminder(s)", sent)
    return sent


async def forget_old_updates(context: CallboardContext) -> None:
    """Telegram redelivers an update within a day at most; older ids need not be kept."""
    async with context.db.transaction() as tx:
        await context.repos.inbox.forget_before(tx, context.clock.now() - UPDATE_MEMORY)


async def minute_tick(context: CallboardContext) -> None:
    await close_missions_past_deadline(context)
    await validate_overdue_results(context)
    await issue_due_statements(context)
    await send_payment_reminders(context)
    await forget_old_updates(context)


@dataclass(frozen=True)
class RepeatingJob:
    """Work a feature runs every `interval` seconds while the bot runs (`Feature.jobs`);
    like the minute tick, it reads what is due from the database, so a restart goes on
    where the previous run stopped."""

    name: str
    callback: Callable[[CallboardContext], Coroutine[Any, Any, None]]
    interval: float


def schedule(
    application: CallboardApp, settings: Settings, features_jobs: Sequence[RepeatingJob] = ()
) -> None:
    """The minute tick, the statements on PAYOUT_SCHEDULE itself (the tick catches a run
    up if the bot was down at its time; the run is recorded, so it is done once), and the
    features' own jobs."""
    assert application.job_queue is not None
    for job in features_jobs:
        application.job_queue.run_repeating(
            job.callback, interval=job.interval, first=job.interval, name=job.name
        )
    application.job_queue.run_repeating(
        minute_tick, interval=TICK_SECONDS, first=1, name="minute-tick"
    )
    trigger = CronTrigger.from_crontab(settings.payout_schedule, timezone=settings.zone)
    application.job_queue.run_custom(
        issue_due_statements, job_kwargs={"trigger": trigger}, name="payout-statements"
    )
