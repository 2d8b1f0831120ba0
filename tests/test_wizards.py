"""Only one wizard at a time: what the user turns to next is never swallowed by a wizard
left half-way, and an old wizard screen's buttons cannot act on the current draft."""

from __future__ import annotations

from bot.kit.callbacks import ProposeRateCb
from tests.harness import BotHarness
from tests.helpers import (
    STALE,
    ask_question,
    mission_form,
    onboard_company,
    onboard_prospector,
    post_mission,
    rows,
)


async def test_a_new_wizard_ends_the_one_left_half_way(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla")
    await company.send("/profile")
    await company.tap("Name")
    assert "company's name" in company.last_text
    await company.send("/newmission")
    await company.send("Book meetings with SaaS vendors")
    assert "brief" in company.last_text
    profile = await bot.services.repos.profiles.company(company.id)
    assert profile is not None and profile.name == "Carla SAS"


async def test_a_reply_to_a_thread_message_is_relayed_not_taken_as_an_answer(
    bot: BotHarness,
) -> None:
    company = await onboard_company(bot, "Carla")
    mission = await post_mission(bot, company)
    pat = await onboard_prospector(bot, "Pat")
    await ask_question(pat, mission.id, "Paris only?")
    question = company.messages[-1]

    await company.send("/newmission")
    await company.send("Yes, Paris only", reply_to=question.message_id)
    assert "Yes, Paris only" in pat.last_text
    await company.send("Another title here")
    assert "brief" in company.last_text, "the wizard was still at the title step"


async def test_turning_to_a_thread_ends_an_offer_being_typed(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla")
    mission = await post_mission(bot, company)
    pat = await onboard_prospector(bot, "Pat")
    await ask_question(pat, mission.id, "Which region?")
    await company.tap("Make an offer")
    assert "Your rate per result" in company.last_text
    await company.tap("Reply")
    await company.send("Île-de-France")
    assert "Île-de-France" in pat.last_text
    assert not await rows(bot, "SELECT id FROM offers")


async def test_an_old_preview_cannot_publish_the_current_draft(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla")
    await company.send(mission_form(title="Draft A for the north"))
    old_preview = company.messages[-1]
    await company.send(mission_form(title="Draft B for the south"))
    publish_a = next(data for label, data, _ in old_preview.buttons() if "Publish" in label)
    assert publish_a is not None
    bot.fake.user_taps(company.id, old_preview.message_id, publish_a)
    await bot.deliver()
    assert company.alerts[-1] == STALE
    assert not await rows(bot, "SELECT id FROM missions")
    await company.tap("Publish")
    [published] = await rows(bot, "SELECT title FROM missions")
    assert published["title"] == "Draft B for the south"


async def test_a_refused_wizard_start_leaves_the_wizard_under_way(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla")
    mission = await post_mission(bot, company, title="Closed before long")
    await company.send("/missions")
    await company.tap("#1 · Closed before long")
    await company.tap("Close")
    await company.tap("Yes, close")
    pat = await onboard_prospector(bot, "Pat")
    await pat.send("/profile")
    await pat.tap("Display name")
    # An old *Propose a rate* of the closed mission: refused, nothing else ends.
    await pat.tap_forged(ProposeRateCb(mission_id=mission.id).pack())
    assert pat.alerts[-1] == "This mission is not open right now."
    await pat.send("Pat Renamed")
    assert "Profile updated" in pat.texts[-2]
    profile = await bot.services.repos.profiles.prospector(pat.id)
    assert profile is not None and profile.display_name == "Pat Renamed"
