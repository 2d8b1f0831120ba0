"""Results no company reviewed in time are validated by the minute tick, once, even late
and across a restart; validations racing each other write one ledger entry; and the ledger
adds up, each fee rounded half-up to the cent, whatever the rates and the fee percent."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kit import jobs
from bot.kit.context import CallboardContext
from services import assignments, missions, results
from services.ledger import fee_cents
from services.missions import Published
from services.results import Submitted
from storage.clock import ManualClock
from tests.harness import BotHarness
from tests.helpers import onboard_company, onboard_prospector
from tests.results_support import (
    details,
    ledger,
    outbox_count,
    result_row,
    submit,
    working,
)
from tests.rules import fields, open_deps, seed_company, seed_prospector

pytestmark = pytest.mark.frozen_clock

WINDOW = timedelta(hours=72)


def context_of(harness: BotHarness) -> CallboardContext:
    assert harness.app is not None
    return CallboardContext(harness.app)


async def tick(harness: BotHarness) -> int:
    """One minute tick, as the job queue runs it; how many results it validated."""
    before = len(await ledger(harness))
    await jobs.minute_tick(context_of(harness))
    await harness.settle()
    return len(await ledger(harness)) - before


async def restart_without_the_tick(harness: BotHarness) -> None:
    """A restart; the test runs the tick itself, so it never runs behind its back."""
    await harness.restart()
    assert harness.app is not None and harness.app.job_queue is not None
    for job in harness.app.job_queue.jobs():
        job.schedule_removal()


async def test_unreviewed_results_are_validated_once_even_after_downtime(
    bot: BotHarness, clock: ManualClock
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    _, taken = await working(bot, acme, [jo])
    overdue = await submit(bot, jo, taken[jo.id], 1)
    clock.advance(timedelta(hours=1))
    recent = await submit(bot, jo, taken[jo.id], 2)

    clock.advance(WINDOW - timedelta(hours=1, minutes=1))
    assert await tick(bot) == 0
    assert (await result_row(bot, overdue))["status"] == "pending"

    # The window ends while the bot is down; it catches up when it is back.
    await bot.stop()
    clock.advance(timedelta(minutes=2))
    await restart_without_the_tick(bot)
    told = {user.id: await outbox_count(bot, user.id) for user in (acme, jo)}
    assert await tick(bot) == 1
    row = await result_row(bot, overdue)
    assert (row["status"], row["reviewed_by"]) == ("validated", "auto")
    assert (await result_row(bot, recent))["status"] == "pending"
    assert [entry["result_id"] for entry in await ledger(bot)] == [overdue]
    assert {user.id: await outbox_count(bot, user.id) for user in (acme, jo)} == {
        acme.id: told[acme.id] + 1,
        jo.id: told[jo.id] + 1,
    }, "both sides are told, once each"

    # Neither another tick nor another restart acts twice.
    assert await tick(bot) == 0
    await restart_without_the_tick(bot)
    assert await tick(bot) == 0
    assert len(await ledger(bot)) == 1
    assert await outbox_count(bot, jo.id) == told[jo.id] + 1

    clock.advance(timedelta(hours=1))
    assert await tick(bot) == 1
    assert [entry["result_id"] for entry in await ledger(bot)] == [overdue, recent]


async def test_racing_validations_write_one_ledger_entry(
    bot: BotHarness, clock: ManualClock
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    _, taken = await working(bot, acme, [jo])
    deps = bot.services.deps
    first = await submit(bot, jo, taken[jo.id], 1)
    second = await submit(bot, jo, taken[jo.id], 2)
    jo_told = await outbox_count(bot, jo.id)

    twice = await asyncio.gather(
        results.validate(deps, acme.id, [first]), results.validate(deps, acme.id, [first])
    )
    assert sorted(twice) == [0, 1]

    # The company validates just as the review window closes on the same result.
    clock.advance(WINDOW + timedelta(minutes=1))
    company, automatic = await asyncio.gather(
        results.validate(deps, acme.id, [second]),
        jobs.validate_overdue_results(context_of(bot)),
    )
    assert company + automatic == 1
    await bot.settle()
    assert sorted(entry["result_id"] for entry in await ledger(bot)) == [first, second]
    assert await outbox_count(bot, jo.id) == jo_told + 2, "one notice per validated result"


# --- the ledger adds up -------------------------------------------------------------------------

COMPANY, PROSPECTOR = 1, 10


async def validated_entries(path: Path, rates: list[int], percent: Decimal) -> list[Any]:
    """One mission per rate, one result on each, all validated by the company: the ledger."""
    deps, _ = await open_deps(path)
    deps = replace(deps, rules=replace(deps.rules, fee_percent=percent))
    try:
        await seed_company(deps, COMPANY)
        await seed_prospector(deps, PROSPECTOR)
        ids = []
        for number, rate in enumerate(rates):
            published = await missions.publish(deps, COMPANY, fields(rate_cents=rate))
            assert isinstance(published, Published)
            await assignments.take(deps, PROSPECTOR, published.mission_id)
            assignment = await deps.repos.assignments.find(published.mission_id, PROSPECTOR)
            assert assignment is not None
            phone = f"+336{number:08d}"
            submitted = await results.submit(deps, PROSPECTOR, assignment.id, details(phone))
            assert isinstance(submitted, Submitted)
            ids.append(submitted.result_id)
        assert await results.validate(deps, COMPANY, ids) == len(ids)
        return list(await deps.db.read.fetch_all("SELECT * FROM ledger_entries ORDER BY id"))
    finally:
        await deps.db.close()


def half_up(exact: Fraction) -> int:
    return floor(exact + Fraction(1, 2))


@settings(max_examples=25, deadline=None)
@given(
    rates=st.lists(st.integers(min_value=50, max_value=1_000_000), min_size=1, max_size=6),
    percent=st.decimals(min_value=0, max_value=100, places=2),
)
def test_ledger_entries_add_up_to_the_rates_with_fees_half_up(
    rates: list[int], percent: Decimal
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        entries = asyncio.run(validated_entries(Path(folder) / "db.sqlite3", rates, percent))
    assert sum(entry["gross_cents"] for entry in entries) == sum(rates)
    assert [entry["gross_cents"] for entry in entries] == rates
    for entry in entries:
        exact = Fraction(entry["gross_cents"]) * Fraction(percent) / 100
        assert entry["fee_cents"] == half_up(exact) == fee_cents(entry["gross_cents"], percent)
        assert entry["net_cents"] == entry["gross_cents"] - entry["fee_cents"]
