"""Getting around on a phone: home buttons, the way back, and screens that fit the user."""

from __future__ import annotations

from tests.harness import BotHarness
from tests.helpers import button_labels, onboard_company, onboard_prospector, post_mission


async def test_home_buttons_open_each_role_screens(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    assert button_labels(acme)[:2] == ["📝 New mission", "📋 My missions"]
    await acme.tap("New mission")
    assert "Mission title" in acme.last_text
    await acme.send("/start")
    await acme.tap("My missions")
    assert "not posted any mission" in acme.last_text
    await acme.tap("New mission")
    assert "Mission title" in acme.last_text
    await acme.send("/cancel")
    jo = await onboard_prospector(bot, "Jo")
    assert button_labels(jo)[:2] == ["🔎 Browse missions", "📂 My missions"]
    await jo.tap("Browse missions")
    assert "No open mission right now" in jo.last_text


async def test_a_mission_taken_offers_results_its_thread_and_leave(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme)
    jo = await onboard_prospector(bot, "Jo")
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Accept at the posted rate")
    await jo.send("/mymissions")
    await jo.tap(f"#{mission.id}")
    assert button_labels(jo) == [
        "📨 Submit a result",
        "💬 Open thread",
        "🚪 Leave",
        "‹ My missions",
    ]
    await jo.tap("Open thread")
    assert f"Mission #{mission.id} · Acme SAS" in jo.last_text
    await jo.send("Starting today")
    assert "Starting today" in acme.last_text


async def test_mission_threads_lead_back_to_the_card(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme)
    await acme.send("/missions")
    await acme.tap(f"#{mission.id}")
    await acme.tap("Threads")
    assert "No conversation yet" in acme.last_text
    await acme.tap("Back")
    assert f"Mission #{mission.id}" in acme.last_text


async def test_without_a_profile_commands_say_how_to_start(bot: BotHarness) -> None:
    newcomer = bot.user("New", language="en")
    for command in ("/browse", "/newmission", "/missions", "/mymissions"):
        await newcomer.send(command)
        assert newcomer.last_text == "You have no profile yet: send /start."


async def test_media_in_the_amount_step_asks_for_text(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme)
    jo = await onboard_prospector(bot, "Jo")
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Propose a rate")
    await jo.send_photo()
    assert "text message" in jo.last_text
    await jo.send("€1,500.00")
    assert "Offer of €1,500.00 sent" in jo.last_text


async def test_answering_a_thread_marks_it_read(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme)
    jo = await onboard_prospector(bot, "Jo")
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Ask a question")
    await jo.send("Which region?")
    await jo.send("And which hours?")
    await acme.tap("Reply")
    await acme.send("Paris, 9-18")
    await acme.send("/threads")
    assert button_labels(acme)[0] == f"#{mission.id} · P-0001"


async def test_a_paused_mission_from_a_link_says_why_and_leads_to_browse(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme)
    await acme.send("/missions")
    await acme.tap(f"#{mission.id}")
    await acme.tap("Pause")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send(f"/start m{mission.id}")
    assert "The company paused this mission" in jo.last_text
    assert button_labels(jo) == ["🔎 Browse missions"]
    await jo.tap("Browse missions")
    assert "No open mission right now" in jo.last_text


async def test_details_lead_back_where_they_were_opened_from(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme)
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send("/browse")
    await jo.tap(f"#{mission.id}")
    await jo.tap("Accept at the posted rate")
    await jo.send("/browse")
    await jo.tap(f"#{mission.id}")
    assert button_labels(jo)[-2:] == ["🚪 Leave", "‹ List"]
    await jo.tap("List")
    assert "Open missions" in jo.last_text
    await jo.send("/mymissions")
    await jo.tap(f"#{mission.id}")
    assert button_labels(jo)[-1] == "‹ My missions"


async def test_empty_lists_have_a_button_out(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    await post_mission(bot, acme)
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send("/mymissions")
    await jo.tap("Browse missions")
    assert "Open missions" in jo.last_text
    await jo.tap("Filters")
    await jo.tap("B2C")
    await jo.tap("Show")
    assert "No mission matches" in jo.last_text
    await jo.tap("Clear filters")
    assert "No filter." in jo.last_text and "#1 Book meetings" in jo.last_text


async def test_mymissions_shows_the_offer_on_the_table_while_negotiating(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme, rate="40")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Propose a rate")
    await jo.send("15")
    await jo.send("/mymissions")
    assert "negotiating · your offer: €15.00" in jo.last_text
    assert "€40.00" not in jo.last_text


async def test_writing_to_a_thread_says_how_to_stop(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme)
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Ask a question")
    await jo.send("Is Paris included?")
    await acme.tap("Reply")
    assert "To stop, send any command (for example /cancel)." in acme.last_text
