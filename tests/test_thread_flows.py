"""Threads as a prospector and a company go through them on a phone: a relayed message is
acknowledged with a reaction, only offers that can be made are offered, long messages arrive
whole, what was delivered is not unread, a thread opened from a mission goes back there, and
a company sees who makes an offer."""

from __future__ import annotations

from bot.kit.callbacks import ThreadOfferCb
from tests.harness import BotHarness, FakeUser
from tests.helpers import (
    ask_question,
    button_labels,
    onboard_company,
    onboard_prospector,
    post_mission,
    spaced,
)
from tests.test_thread_screens import LONG_QUESTION


async def agreed_rate(bot: BotHarness) -> tuple[FakeUser, FakeUser, int]:
    """An English prospector's offer of €15, accepted by an English company."""
    company = await onboard_company(bot, "Carla", language="en")
    prospector = await onboard_prospector(bot, "Pierre", language="en")
    mission = await post_mission(bot, company, rate="10", approval="manual")
    await prospector.send("/browse")
    await prospector.tap(f"#{mission.id}")
    await prospector.tap("Propose a rate")
    await prospector.send("15")
    await company.tap("Accept offer")
    return company, prospector, mission.id


def offers_offered(user: FakeUser) -> bool:
    return any("Make an offer" in label for label in button_labels(user))


async def test_no_offer_is_offered_once_the_rate_is_agreed(bot: BotHarness) -> None:
    company, prospector, mission_id = await agreed_rate(bot)
    assert "Offer accepted: agreed rate €15.00" in prospector.last_text
    assert button_labels(prospector) == ["↩️ Reply"]
    await prospector.tap("Reply")
    await prospector.send("Starting tomorrow")
    assert "Starting tomorrow" in company.last_text and not offers_offered(company)
    await company.send("/threads")
    await company.tap(f"#{mission_id}")
    assert "Starting tomorrow" in company.last_text and not offers_offered(company)

    # A Make an offer shown before the agreement is refused once: one alert, no message.
    messages, alerts = len(prospector.texts), len(prospector.alerts)
    await prospector.tap_forged(ThreadOfferCb(thread_id=1).pack())
    assert prospector.alerts[alerts:] == ["The rate is already agreed for this mission."]
    assert len(prospector.texts) == messages


async def test_a_closed_missions_thread_refuses_an_offer_before_asking_the_amount(
    bot: BotHarness,
) -> None:
    company = await onboard_company(bot, "Carla", language="fr")
    prospector = await onboard_prospector(bot, "Pierre", language="en")
    mission = await post_mission(bot, company, language="fr")
    await ask_question(prospector, mission.id, "Is the list provided?")
    assert "Faire une offre" in " ".join(button_labels(company))
    await company.send("/missions")
    await company.tap("Book meetings")
    await company.tap("Fermer")
    await company.tap("Oui, fermer")
    await prospector.send("/threads")
    await prospector.tap(f"#{mission.id}")
    assert not offers_offered(prospector)

    messages, alerts = len(company.texts), len(company.alerts)
    await company.tap("Faire une offre")  # under the question, from before the close
    assert company.alerts[alerts:] == ["Cette mission n'est pas ouverte en ce moment."]
    assert len(company.texts) == messages, "no amount is asked"


async def about_to_ask(bot: BotHarness) -> tuple[FakeUser, FakeUser, int]:
    """An English prospector who tapped *Ask a question* on a French company's mission."""
    company = await onboard_company(bot, "Carla", language="fr")
    prospector = await onboard_prospector(bot, "Pierre", language="en")
    mission = await post_mission(bot, company, language="fr")
    await prospector.send("/browse")
    await prospector.tap(f"#{mission.id}")
    await prospector.tap("Ask a question")
    return company, prospector, mission.id


async def test_a_4096_character_question_arrives_whole(bot: BotHarness) -> None:
    company, prospector, mission_id = await about_to_ask(bot)
    before = len(company.texts)
    await prospector.send(LONG_QUESTION)
    assert prospector.last_text.startswith("✓ Sent in 2 messages (too long for one)")
    assert prospector.sent[-1].reactions == [], "told in words, not with a reaction as well"
    parts = company.messages[before:]
    assert len(parts) == 2
    heads = [part.text.split("\n", 1)[0] for part in parts]
    assert heads == [f"💬 Mission n°{mission_id} · P-0001 ({n}/2)" for n in (1, 2)]
    bodies = [part.text.split("\n", 1)[1] for part in parts]
    assert " ".join(bodies).split() == LONG_QUESTION.split()
    assert parts[0].buttons() == [] and parts[1].buttons() != []
    # Replying to either part reaches the prospector.
    await company.send("Oui, fournie.", reply_to=parts[0].message_id)
    assert prospector.last_text.endswith("Oui, fournie.")


async def test_a_relayed_message_gets_a_reaction_and_no_message(bot: BotHarness) -> None:
    company, prospector, _ = await about_to_ask(bot)
    received = len(prospector.texts)
    await prospector.send("Is the list provided?")
    assert company.last_text.endswith("Is the list provided?")
    assert prospector.sent[-1].reactions == ["👍"]
    assert len(prospector.texts) == received

    received = len(company.texts)
    await company.send("Oui, fournie.", reply_to=company.messages[-1].message_id)
    await prospector.send_photo("the site")
    assert company.sent[-1].reactions == ["👍"] and prospector.sent[-1].reactions == ["👍"]
    assert len(company.texts) == received + 1, "only the photo, relayed"


async def test_a_sender_whose_message_cannot_get_the_reaction_is_told_in_words(
    bot: BotHarness,
) -> None:
    company = await onboard_company(bot, "Carla", language="en")
    prospector = await onboard_prospector(bot, "Pierre", language="fr")
    mission = await post_mission(bot, company)
    await prospector.send("/browse")
    await prospector.tap(f"n°{mission.id}")
    await prospector.tap("Se renseigner")
    # Deleted before the bot gets to it: Telegram refuses a reaction to it.
    update = bot.fake.user_sends_text(prospector.id, "Seconde question")
    bot.fake.user_deletes(prospector.id, update["message"]["message_id"])
    await bot.deliver()
    assert company.last_text.endswith("Seconde question")
    assert prospector.last_text == f"✓ Envoyé — 💬 Mission n°{mission.id} · Carla SAS"
    assert not any("Désolé" in text for text in prospector.texts)


async def test_what_was_delivered_or_answered_is_not_unread(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla", language="en")
    prospector = await onboard_prospector(bot, "Pierre", language="en")
    mission = await post_mission(bot, company, rate="10", approval="manual")
    await ask_question(prospector, mission.id, "A question?")
    await company.tap("Reply")
    await company.send("An answer")
    assert prospector.last_text.endswith("An answer")
    await prospector.send("/threads")
    assert button_labels(prospector)[0] == f"#{mission.id} · Carla SAS"

    await company.tap("Make an offer")
    await company.send("12")
    await prospector.tap("Counter")
    await prospector.send("14")
    await company.send("/threads")
    assert button_labels(company)[0] == f"#{mission.id} · P-0001"


async def test_a_thread_opened_from_a_mission_card_goes_back_to_it(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla", language="en")
    mission = await post_mission(bot, company)
    await ask_question(await onboard_prospector(bot, "Pat"), mission.id, "hello")
    await company.send("/missions")
    await company.tap(f"#{mission.id}")
    await company.tap("Threads")
    await company.tap("P-0001")
    assert "hello" in company.last_text
    await company.tap("List")
    assert f"#{mission.id} " in company.last_text and "Threads" in company.last_text
    await company.tap("Back")
    assert company.last_text.startswith(f"📋 Mission #{mission.id}")


async def test_a_company_sees_who_makes_an_offer(bot: BotHarness) -> None:
    company = await onboard_company(bot, "Carla", language="fr")
    prospector = await onboard_prospector(bot, "Pierre", language="en")
    mission = await post_mission(bot, company, language="fr", rate="10", approval="manual")
    await prospector.send("/browse")
    await prospector.tap(f"#{mission.id}")
    await prospector.tap("Propose a rate")
    await prospector.send("15")
    offer = spaced(company.last_text)
    assert "P-0001" in offer and "Offre : 15,00 €" in offer
    assert offer.endswith("👤 Pierre Caller (4 ans, Français)")
    await company.tap("Contre-proposer")
    await company.send("12")
    assert "👤" not in prospector.last_text
