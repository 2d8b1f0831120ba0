"""Every button tap answered exactly once, edits that change nothing taken as done, edited
messages and update kinds no feature handles stopped before the features (issue 11, rows
1 to 5), through the real application and the strict fake Telegram."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.kit.callbacks import ApproveCb
from handlers.threads.screens import OfferAcceptCb
from tests.harness import BotHarness, FakeUser
from tests.helpers import (
    STALE,
    assignments,
    onboard_company,
    onboard_prospector,
    post_mission,
    snapshot,
)
from tests.test_threads import negotiate_opening

EDIT_HINT = "✏️ Edits are not read: send the corrected text as a new message."
# What a member's text outside any wizard gets.
FREE_TEXT = "To write to a company or a prospector, reply"
SORRY = "😕 Sorry, something went wrong on our side. Please try again in a moment."


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def assert_clean(bot: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    """Nothing failed: no error logged, no call Telegram would refuse."""
    assert errors(caplog) == []
    assert bot.fake.refusals == []


# --- row 1: a profile field answered with a button ----------------------------------------


async def _company_field(bot: BotHarness, user: FakeUser, field: str) -> Any:
    profile = await bot.services.repos.profiles.company(user.id)
    return getattr(profile, field)


async def _prospector_field(bot: BotHarness, user: FakeUser, field: str) -> Any:
    profile = await bot.services.repos.profiles.prospector(user.id)
    return getattr(profile, field)


COMPANY_EDITS = [
    ("✏️ Sector", ["Software"], "sector", "software", "Sector: Software"),
    ("✏️ SIREN", ["Clear"], "siren", None, "SIREN: —"),
]
PROSPECTOR_EDITS = [
    ("✏️ Languages", ["German", "Done"], "languages", ("fr", "de"), "Languages: French, German"),
    ("✏️ Specialties", ["B2C", "Done"], "specialties", ("b2b", "b2c", "appointments"), "B2C"),
    ("✏️ Bio", ["Clear"], "bio", "", "Bio: —"),
    ("✏️ Alerts", ["No"], "notify_new_missions", False, "New-mission alerts: No"),
]


@pytest.mark.parametrize(("edit", "taps", "field", "value", "shown"), COMPANY_EDITS)
async def test_a_company_field_answered_with_a_button_is_saved_and_the_card_shown(
    bot: BotHarness,
    caplog: pytest.LogCaptureFixture,
    edit: str,
    taps: list[str],
    field: str,
    value: object,
    shown: str,
) -> None:
    ann = await onboard_company(bot, "Ann")
    await _edit_with_buttons(ann, edit, taps, shown)
    assert await _company_field(bot, ann, field) == value
    assert_clean(bot, caplog)


@pytest.mark.parametrize(("edit", "taps", "field", "value", "shown"), PROSPECTOR_EDITS)
async def test_a_prospector_field_answered_with_a_button_is_saved_and_the_card_shown(
    bot: BotHarness,
    caplog: pytest.LogCaptureFixture,
    edit: str,
    taps: list[str],
    field: str,
    value: object,
    shown: str,
) -> None:
    jo = await onboard_prospector(bot, "Jo")
    await _edit_with_buttons(jo, edit, taps, shown)
    assert await _prospector_field(bot, jo, field) == value
    assert_clean(bot, caplog)


async def _edit_with_buttons(user: FakeUser, edit: str, taps: list[str], shown: str) -> None:
    """Edit one field from /profile; the card follows, and no wizard is left waiting: the
    next text is read as any text outside a wizard."""
    await user.send("/profile")
    await user.tap(edit)
    for label in taps:
        await user.tap(label)
    assert user.texts[-2] == "✅ Profile updated."
    assert shown in user.last_text
    await user.send("hello")
    assert user.last_text.startswith(FREE_TEXT)


# --- row 2: edited messages and other update kinds ----------------------------------------


async def test_an_edited_start_neither_restarts_nor_drops_a_half_done_sign_up(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    ann = bot.user("Ann")
    await ann.send("/start")
    await ann.tap("Company")
    await ann.send("Ann SAS")
    start, name = ann.sent[0], ann.sent[1]
    await ann.edit(start.message_id, "/start")
    assert ann.last_text == EDIT_HINT
    await ann.edit(name.message_id, "Ann Corp")
    assert ann.last_text == EDIT_HINT
    await ann.tap("Retail")
    await ann.tap("Skip")
    profile = await bot.services.repos.profiles.company(ann.id)
    assert profile is not None and (profile.name, profile.sector) == ("Ann SAS", "retail")
    assert_clean(bot, caplog)


async def test_an_edited_message_outside_a_wizard_gets_the_hint_in_the_users_language(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    ann = bot.user("Ann", language="fr")
    await ann.send("/help")
    await ann.edit(ann.sent[0].message_id, "/profile")
    assert ann.last_text.startswith("✏️ Les modifications ne sont pas lues")
    assert_clean(bot, caplog)


def _private(user: FakeUser) -> dict[str, Any]:
    return {"id": user.id, "type": "private", "first_name": user.first_name}


def _from(user: FakeUser) -> dict[str, Any]:
    return {"id": user.id, "is_bot": False, "first_name": user.first_name}


async def test_update_kinds_no_feature_handles_are_dropped_without_a_word(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    jo = await onboard_prospector(bot, "Jo")
    seen = len(jo.texts)
    channel = {"id": -100123, "type": "channel", "title": "News"}
    post = {"message_id": 5, "date": 0, "chat": channel, "text": "/start"}
    member = {"user": _from(jo), "status": "member"}
    kicked = {"user": {**bot.fake.bot_user}, "status": "kicked", "until_date": 0}
    updates = [
        {"channel_post": post},
        {"edited_channel_post": {**post, "edit_date": 1}},
        {"my_chat_member": {"chat": _private(jo), "from": _from(jo), "date": 0,
                            "old_chat_member": {**member, "user": bot.fake.bot_user},
                            "new_chat_member": kicked}},
        {"message_reaction": {"chat": _private(jo), "message_id": 1, "user": _from(jo),
                              "date": 0, "old_reaction": [],
                              "new_reaction": [{"type": "emoji", "emoji": "👍"}]}},
    ]  # fmt: skip
    await bot.deliver([{"update_id": 9000 + i, **update} for i, update in enumerate(updates)])
    assert len(jo.texts) == seen
    assert_clean(bot, caplog)


# --- rows 3 and 4: approve and accept forged onto a message without a keyboard ------------


async def test_approve_forged_onto_a_plain_message_approves_once_without_error(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    mission = await post_mission(bot, acme, title="Hand-picked", approval="manual", slots="1")
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Accept at the posted rate")
    [applied] = await assignments(bot, mission.id)
    await acme.send("/help")
    approve = ApproveCb(assignment_id=applied["id"]).pack()
    await acme.tap_forged(approve, acme.messages[-1].message_id)
    assert acme.alerts[-1] == "✅ Application approved."
    assert [a["status"] for a in await assignments(bot, mission.id)] == ["active"]
    assert_clean(bot, caplog)
    # Again: now stale, and nothing changes.
    approved = await snapshot(bot)
    await acme.tap_forged(approve, acme.messages[-1].message_id)
    assert acme.alerts[-1] == STALE
    assert await snapshot(bot) == approved


async def test_accept_forged_onto_a_plain_message_accepts_once_without_error(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    company, prospector, mission_id = await negotiate_opening(bot)
    await prospector.send("15")
    await company.send("/help")
    await company.tap_forged(OfferAcceptCb(offer_id=1).pack(), company.messages[-1].message_id)
    assert "Offre acceptée" in company.last_text
    [assignment] = await assignments(bot, mission_id)
    assert (assignment["status"], assignment["agreed_rate_cents"]) == ("active", 1500)
    assert_clean(bot, caplog)


async def test_wizard_buttons_forged_onto_a_plain_message_change_nothing(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """At each kind of step, its own buttons forged onto a message without a keyboard are
    refused, and the wizard goes on from where it was."""
    jo = bot.user("Jo")
    await jo.send("/help")
    plain = jo.messages[-1].message_id
    await jo.send("/start")
    await jo.tap_forged("obr:v1:prospector", plain)  # a choice
    assert jo.alerts[-1] == STALE
    await jo.tap("Prospector")
    await jo.send("Jo Caller")
    await jo.tap_forged("obl:v1:de", plain)  # a checklist's toggle
    await jo.tap_forged("wdn:v1:languages", plain)  # its Done
    assert jo.alerts[-2:] == [STALE, STALE]
    await jo.tap("French")
    await jo.tap("Done")
    await jo.tap("B2B")
    await jo.tap("Appointment setting")
    await jo.tap("Done")
    await jo.send("4")
    await jo.tap_forged("wsk:v1:bio", plain)  # an optional step's Skip
    assert jo.alerts[-1] == STALE
    await jo.tap("Skip")
    await jo.tap("Yes")
    profile = await bot.services.repos.profiles.prospector(jo.id)
    assert profile is not None and profile.languages == ("fr",) and profile.bio == ""
    assert_clean(bot, caplog)


async def test_a_review_button_forged_onto_a_plain_message_changes_nothing(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    acme = await onboard_company(bot, "Acme")
    await acme.send("/newmission")
    plain = acme.messages[-1].message_id  # the first question: a typed answer, no button
    await acme.tap_forged("wrv:v1:confirm", plain)
    assert acme.alerts[-1] == STALE
    assert await bot.services.repos.missions.get(1) is None
    assert_clean(bot, caplog)


# --- row 5: the apology after a handler that had answered ----------------------------------


async def test_the_apology_is_sent_when_the_handler_had_answered_before_failing(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    jo = await onboard_prospector(bot, "Jo")
    await jo.send("/start")
    bot.fake.fail_next("sendMessage")  # the help, after its handler answered the tap
    await jo.tap("❓ Help")  # answered exactly once (the harness checks)
    assert jo.last_text == SORRY
    assert len(errors(caplog)) == 1
    assert [name for name, _ in bot.fake.refusals] == ["sendMessage"]


# --- the rule itself -------------------------------------------------------------------------


async def test_a_second_answer_to_a_tap_is_dropped_and_a_tap_nobody_answered_is_answered(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    jo = await onboard_prospector(bot, "Jo")
    assert bot.app is not None
    telegram = bot.app.bot
    message = jo.messages[-1]
    update = bot.fake.user_taps(jo.id, message.message_id, message.buttons()[0][1] or "")
    query_id = update["callback_query"]["id"]
    bot.fake.take_updates()
    assert await telegram.answer_callback_query(query_id, "first")
    assert await telegram.answer_callback_query(query_id, "second", show_alert=True)
    assert jo.alerts[-1] == "first"
    assert bot.fake.refusals == []
    # A tap that a guard stops before any handler still gets its answer.
    await jo.tap_forged("no-such-button")
    assert bot.fake.refusals == []


async def test_an_edit_that_changes_nothing_returns_false_instead_of_failing(
    bot: BotHarness,
) -> None:
    jo = bot.user("Jo")
    await jo.send("/help")
    assert bot.app is not None
    telegram, shown = bot.app.bot, jo.messages[-1]
    assert await telegram.edit_message_reply_markup(jo.id, shown.message_id) is False
    assert await telegram.edit_message_text(shown.html or "", jo.id, shown.message_id) is False
    assert await telegram.edit_message_text("Edited", jo.id, shown.message_id) is not False
    assert jo.last_text == "Edited"
    assert [name for name, _ in bot.fake.refusals] == ["editMessageReplyMarkup", "editMessageText"]


async def test_a_double_tap_on_a_wizard_button_is_answered_twice_once_each_and_acts_once(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    ann = bot.user("Ann")
    await ann.send("/start")
    message, data = ann.find_button("Company")
    bot.fake.user_taps(ann.id, message.message_id, data)
    bot.fake.user_taps(ann.id, message.message_id, data)
    await bot.deliver()
    assert len(bot.fake.callback_answers(ann.id)) == 2
    assert sum("your company's name" in text for text in ann.texts) == 1
    assert errors(caplog) == []
