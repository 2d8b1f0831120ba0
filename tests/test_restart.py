"""A half-finished wizard survives a restart of the application."""

from __future__ import annotations

from tests.harness import BotHarness


async def test_wizard_resumes_at_the_same_step_after_restart(bot: BotHarness) -> None:
    jo = bot.user("Jo", language="en")
    await jo.send("/start m7")
    await jo.tap("Prospector")
    await jo.send("Jo Caller")
    await jo.tap("French")
    await bot.restart()

    await jo.tap("Done")
    assert "Your specialties" in jo.last_text
    await jo.tap("B2C")
    await jo.tap("Sales")
    await jo.tap("Done")
    await bot.restart()

    await jo.send("4")
    assert "short bio" in jo.last_text
    await jo.tap("Skip")
    await jo.tap("No")
    profile = await bot.services.repos.profiles.prospector(jo.id)
    assert profile is not None
    assert (profile.display_name, profile.languages, profile.specialties) == (
        "Jo Caller",
        ("fr",),
        ("b2c", "sales"),
    )
    assert "Mission #7" in jo.last_text


async def test_finished_wizard_leaves_nothing_to_resume(bot: BotHarness) -> None:
    ann = bot.user("Ann", language="en")
    await ann.send("/start")
    await ann.tap("Company")
    await ann.send("Ann Corp")
    await ann.tap("Retail")
    await ann.tap("Skip")
    await bot.restart()
    await ann.send("Ann Corp")
    assert "/threads lists your conversations" in ann.last_text
