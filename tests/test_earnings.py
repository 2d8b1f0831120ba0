"""What the prospector reads of reviewed results: the validation notices (by the company or
at the end of the review window), the counts of /mymissions, and /earnings per company with
the platform fee.

The bot runs on a ManualClock set to 2026-03-10 10:00 in Paris; the companies' reviews are
played by calling the rules directly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.results.screens import EarningsCb
from services import results
from storage.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.harness import BotHarness, FakeUser
from tests.helpers import (
    STALE,
    button_labels,
    onboard_company,
    onboard_prospector,
    post_mission,
    running_bot,
    spaced,
)
from tests.results_helpers import active_on, submit, world

pytestmark = pytest.mark.frozen_clock


@pytest.fixture
async def fee_bot(
    fake: FakeTelegram, db_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[BotHarness]:
    """The bot taking a 10 % platform fee on each validated result."""
    monkeypatch.setenv("PLATFORM_FEE_PERCENT", "10")
    async with running_bot(fake, db_path, clock) as harness:
        yield harness


async def validate(bot: BotHarness, company: FakeUser, *result_ids: int) -> None:
    assert await results.validate(bot.services.deps, company.id, list(result_ids)) == len(
        result_ids
    )
    await bot.settle()


async def test_a_validation_is_told_in_the_prospectors_language(bot: BotHarness) -> None:
    w = await world(bot, "fr", pay="lead", rate="40")
    await submit(w.prospector, "fr")
    await validate(bot, w.company, 1)
    assert spaced(w.prospector.last_text) == (
        "✅ Le résultat n°1 de la mission n°1 « Book meetings with SaaS vendors » est validé : "
        "40,00 € pour vous."
    )
    assert button_labels(w.prospector) == ["💶 Mes gains"]
    await w.prospector.tap("Mes gains")
    assert "Acme SAS" in w.prospector.last_text


async def test_results_not_reviewed_in_time_are_told_to_both_sides(
    bot: BotHarness, clock: ManualClock
) -> None:
    w = await world(bot, pay="lead", rate="12.5")
    await submit(w.prospector)
    clock.advance(timedelta(hours=bot.settings.review_window_hours, seconds=1))
    assert await results.validate_overdue(bot.services.deps) == 1
    await bot.settle()
    assert w.prospector.last_text == (
        "✅ Result #1 on mission #1 “Book meetings with SaaS vendors” was not reviewed in time, "
        "so it is validated: €12.50 for you."
    )
    assert w.company.last_text == (
        "⏱ Result #1 on mission #1 “Book meetings with SaaS vendors” was not reviewed in time, "
        "so it was validated automatically: €12.50 owed to the prospector."
    )


async def test_my_missions_counts_each_assignments_results(bot: BotHarness) -> None:
    w = await world(bot, pay="lead")
    jo = w.prospector
    await jo.send("/mymissions")
    assert "📨 Results: 0 pending · 0 validated · 0 rejected" in jo.last_text
    for phone in ("06 12 34 56 78", "06 12 34 56 79", "06 12 34 56 80"):
        await submit(jo, phone=phone)
    await validate(bot, w.company, 1)
    assert await results.reject(bot.services.deps, w.company.id, 2, "Not reachable at all")
    await bot.settle()  # the rejection's notice is delivered before the command is sent
    await jo.send("/mymissions")
    assert "📨 Results: 1 pending · 1 validated · 1 rejected" in jo.last_text


async def test_earnings_per_company_with_the_fee_in_both_languages(fee_bot: BotHarness) -> None:
    bot = fee_bot
    acme = await onboard_company(bot, "Acme")
    beta = await onboard_company(bot, "Beta", "fr")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send("/earnings")
    assert "No validated result yet" in jo.last_text
    assert button_labels(jo) == ["‹ My missions"]

    appointments = await post_mission(bot, acme, pay="lead", rate="40")
    leads = await post_mission(bot, beta, "fr", pay="lead", rate="12,55")
    for mission in (appointments, leads):
        await active_on(bot, jo, mission)
    numbers = ("06 12 34 56 78", "06 12 34 56 79", "06 12 34 56 80", "06 12 34 56 81",
               "06 12 34 56 82")  # fmt: skip
    for mission_id, phone in zip((1, 1, 2, 1, 1), numbers, strict=True):
        await jo.send("/submit")
        await jo.tap(f"#{mission_id} ·")
        await jo.send("Marie Curie")
        await jo.send("Radium SA")
        await jo.send(phone)
        await jo.tap("Skip")
        await jo.tap("Skip")
        await jo.tap("Send")
    await validate(bot, acme, 1, 2)
    await validate(bot, beta, 3)
    # A pending result is not earned yet, and a rejected one never is.
    assert await results.reject(bot.services.deps, acme.id, 4, "Not reachable at all")
    await bot.settle()  # the rejection's notice is delivered before the command is sent

    await jo.send("/earnings")
    # 10 % of €12.55 is 125.5 cents: half-up, €1.26.
    assert spaced(jo.last_text) == (
        "💶 My earnings — validated results (page 1/1)\n\n"
        "🏢 Acme SAS · 2 results\nGross €80.00 · fee €8.00 · net €72.00\n"
        "⏳ Not yet on a statement: €72.00\n📈 All time: €72.00\n\n"
        "🏢 Beta SAS · 1 result\nGross €12.55 · fee €1.26 · net €11.29\n"
        "⏳ Not yet on a statement: €11.29\n📈 All time: €11.29\n\n"
        "Total · 3 results\nGross €92.55 · fee €9.26 · net €83.29"
    )
    await jo.send("/language")
    await jo.tap("Français")
    await jo.send("/earnings")
    assert spaced(jo.last_text) == (
        "💶 Mes gains — résultats validés (page 1/1)\n\n"
        "🏢 Acme SAS · 2 résultats\nBrut 80,00 € · frais 8,00 € · net 72,00 €\n"
        "⏳ Pas encore sur un relevé : 72,00 €\n📈 Depuis le début : 72,00 €\n\n"
        "🏢 Beta SAS · 1 résultat\nBrut 12,55 € · frais 1,26 € · net 11,29 €\n"
        "⏳ Pas encore sur un relevé : 11,29 €\n📈 Depuis le début : 11,29 €\n\n"
        "Total · 3 résultats\nBrut 92,55 € · frais 9,26 € · net 83,29 €"
    )
    await jo.tap("Mes missions")
    assert "Mes missions" in jo.last_text


async def test_earnings_are_a_prospectors_own(bot: BotHarness) -> None:
    w = await world(bot, pay="lead")
    await submit(w.prospector)
    await validate(bot, w.company, 1)
    ann = await onboard_prospector(bot, "Ann", notify=False)
    await ann.send("/earnings")
    assert "No validated result yet" in ann.last_text
    await w.company.send("/earnings")
    assert w.company.last_text == "This command is for prospectors."
    for data in (EarningsCb(page=1).pack(), "ern:v1:x", f"ern:v1:{'9' * 20}"):
        await w.company.tap_forged(data)
        assert w.company.alerts[-1] == STALE
    await ann.tap_forged(EarningsCb(page=7).pack())
    assert "No validated result yet" in ann.last_text


async def test_the_home_screen_opens_earnings(bot: BotHarness) -> None:
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send("/start")
    assert button_labels(jo)[:3] == ["🔎 Browse missions", "📂 My missions", "💶 Earnings"]
    await jo.tap("Earnings")
    assert "My earnings" in jo.last_text
