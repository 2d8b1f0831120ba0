"""The /newmission wizard and the one-message form,
money formats, /missions and the mission card (pause, resume, close, edit, share), deep links,
authorization against forged buttons, approvals, new-mission alerts and the deadline tick.

The bot runs on a ManualClock set to 2026-03-10 10:00 in Paris, so "today" is fixed."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.kit import jobs
from bot.kit.callbacks import ApproveCb, DeclineCb, MissionCardCb
from bot.kit.context import CallboardContext
from handlers.browse.screens import TakeCb
from handlers.missions.screens import EditFieldCb, PeopleCb
from storage.clock import ManualClock
from storage.models import Priority
from tests.harness import BotHarness
from tests.helpers import (
    STALE,
    answer_stays,
    assignments,
    button_labels,
    mission_form,
    mission_row,
    onboard_company,
    onboard_prospector,
    outbox_texts,
    post_mission,
    rows,
    snapshot,
    spaced,
    tap_data,
)

pytestmark = pytest.mark.frozen_clock


async def all_missions(bot: BotHarness) -> list[dict[str, object]]:
    return await rows(bot, "SELECT * FROM missions ORDER BY id")


# --- 1. the guided wizard ---------------------------------------------------------------------


async def test_wizard_end_to_end_with_every_invalid_input(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    await acme.send("/newmission")
    assert "Mission title (5 to 80 characters)" in acme.last_text

    await answer_stays(acme, "abcd", "5 to 80 characters", "yours has 4")
    await answer_stays(acme, "T" * 81, "5 to 80 characters", "yours has 81")
    await acme.send("Book demos with HR directors")
    assert "brief / pitch" in acme.last_text

    await answer_stays(acme, "b" * 19, "20 to 2000 characters", "yours has 19")
    await acme.send("Call HR directors of mid-size firms & book a 30-minute demo.")
    assert "You pay:" in acme.last_text

    reply = await answer_stays(acme, "sales", "answer with the buttons", "You pay:")
    assert reply == acme.last_text
    assert button_labels(acme) == ["per appointment", "per qualified lead", "per sale"]
    await acme.send("Per  qualified LEAD")
    assert "Rate per result, between €0.50 and €10,000.00" in acme.last_text

    for bad_amount in ("0", "-3", "abc"):
        await answer_stays(
            acme, bad_amount, "Amount not recognised", "at most two decimals", "€0.50"
        )
    for ambiguous in ("1,500", "12.505 €"):
        await answer_stays(acme, ambiguous, "is ambiguous", "for example 1500 or 1.50")
    for out_of_range in ("0.49", "10000.01"):
        await answer_stays(acme, out_of_range, "between €0.50 and €10,000.00")
    await acme.send("12,50")
    assert "How many prospectors? (1 to 100)" in acme.last_text

    for bad_slots in ("0", "101", "x"):
        await answer_stays(acme, bad_slots, "whole number from 1 to 100")
    await acme.send("4")
    assert "Maximum number of paid results" in acme.last_text

    for bad_cap in ("0", "100001"):
        await answer_stays(acme, bad_cap, "whole number from 1 to 100,000")
        assert button_labels(acme) == ["Skip"], "the error offers the way out"
    await acme.tap("Skip")
    assert "Deadline (YYYY-MM-DD or DD/MM/YYYY" in acme.last_text

    # Today is 2026-03-10 in Paris: tomorrow is the first day accepted, 2027-03-10 the last.
    for out_of_range in ("2026-03-01", "2026-03-10", "10/03/2026", "2027-03-11"):
        await answer_stays(acme, out_of_range, "between tomorrow and 365 days")
    for malformed in ("2026-13-45", "31/02/2026", "next friday"):
        await answer_stays(acme, malformed, "YYYY-MM-DD or DD/MM/YYYY")
    await acme.send("11/03/2026")
    assert "Who will be called" in acme.last_text
    await acme.tap("B2C")
    assert "Who may start?" in acme.last_text
    await acme.tap("Immediate start")

    preview = acme.last_text
    assert "Preview" in preview
    for shown in (
        "Book demos with HR directors",
        "Call HR directors of mid-size firms & book a 30-minute demo.",
        "€12.50 per qualified lead",
        "Slots: 4",
        "Cap: no cap",
        "Mar 11, 2026",
        "Target: B2C",
        "Immediate start",
    ):
        assert shown in preview, shown
    assert button_labels(acme) == ["✅ Publish", "✏️ Edit a field", "✖️ Cancel"]

    await acme.tap("Edit a field")
    assert "Which field" in acme.last_text
    await acme.tap("Title")
    assert "Mission title" in acme.last_text
    await answer_stays(acme, "abc", "5 to 80 characters")
    await acme.send("Book demos with HR heads")
    preview = acme.last_text
    assert "Preview" in preview and "Book demos with HR heads" in preview
    assert "€12.50 per qualified lead" in preview and "Slots: 4" in preview
    assert await all_missions(bot) == []

    await acme.tap("Publish")
    assert "Mission #1 published" in acme.texts[-2]
    assert "Mission #1 · 🟢 open" in acme.last_text
    [mission] = await all_missions(bot)
    assert {
        key: mission[key]
        for key in (
            "company_id", "title", "brief", "pay_model", "rate_cents", "slots", "result_cap",
            "deadline", "target", "approval", "status", "active_count",
        )
    } == {
        "company_id": acme.id,
        "title": "Book demos with HR heads",
        "brief": "Call HR directors of mid-size firms & book a 30-minute demo.",
        "pay_model": "lead",
        "rate_cents": 1250,
        "slots": 4,
        "result_cap": None,
        "deadline": "2026-03-11",
        "target": "b2c",
        "approval": "auto",
        "status": "open",
        "active_count": 0,
    }  # fmt: skip


async def test_wizard_iso_deadline_cap_choice_edit_and_cancel(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    await acme.send("/newmission")
    await acme.send("Qualify leads for <Solar> panels")
    await acme.send("Qualify homeowners interested in solar panels, 3 questions each.")
    await acme.tap("per appointment")
    await acme.send("€7.5")
    await acme.send("2")
    await acme.send("250")
    assert "Deadline" in acme.last_text
    await acme.send("2027-03-10")
    await acme.tap("B2B")
    await acme.tap("On approval")
    preview = acme.last_text
    for shown in (
        "Qualify leads for <Solar> panels",
        "€7.50 per appointment",
        "Cap: 250",
        "Mar 10, 2027",
        "Target: B2B",
        "On approval",
    ):
        assert shown in preview, shown

    await acme.tap("Edit a field")
    await acme.tap("Pay model")
    await acme.tap("per sale")
    assert "Preview" in acme.last_text and "€7.50 per sale" in acme.last_text
    await acme.tap("Edit a field")
    await acme.tap("Deadline")
    await acme.send("2026-06-30")
    assert "Jun 30, 2026" in acme.last_text and "Cap: 250" in acme.last_text
    await acme.tap("Edit a field")
    await acme.tap("Cap")
    assert button_labels(acme) == ["✖️ Clear", "‹ Back"]
    await acme.tap("Back")
    assert "Preview" in acme.last_text and "Cap: 250" in acme.last_text
    await acme.tap("Edit a field")
    await acme.tap("Cap")
    await acme.tap("Clear")
    assert "Cap: no cap" in acme.last_text and "Jun 30, 2026" in acme.last_text

    await acme.tap("Cancel")
    assert "nothing was published" in acme.last_text
    assert await all_missions(bot) == []
    assert await rows(bot, "SELECT * FROM outbox") == []
    # The wizard is over: text is no longer read as a mission field.
    await acme.send("A title that goes nowhere")
    assert "brief / pitch" not in acme.last_text and "Preview" not in acme.last_text
    assert await all_missions(bot) == []


async def test_double_taps_in_the_wizard_act_once(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A quick double tap sends the same button twice before the first answer arrives."""
    acme = await onboard_company(bot, "Acme")

    async def double_tap(label: str) -> None:
        message, data = acme.find_button(label)
        bot.fake.user_taps(acme.id, message.message_id, data)
        bot.fake.user_taps(acme.id, message.message_id, data)
        await bot.deliver()

    await acme.send(mission_form(title="Tapped twice"))
    await double_tap("Edit a field")
    assert [text for text in acme.texts if "Which field" in text] == [
        "Which field do you want to change?"
    ]
    await double_tap("Slots")
    # The picker keeps the field chosen, once.
    assert [text for text in acme.texts if "Which field" in text] == [
        "Which field do you want to change?\n\nSlots"
    ]
    await acme.send("7")
    assert "Preview" in acme.last_text and "Slots: 7" in acme.last_text
    await double_tap("Publish")
    assert [m["title"] for m in await all_missions(bot)] == ["Tapped twice"]
    assert len([text for text in acme.texts if "published" in text]) == 1
    assert acme.alerts[-1] == STALE
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


# --- 2. the one-message form --------------------------------------------------------------------


BRIEF_FR = (
    "Appelez les DRH des PME.\nPrésentez-vous en une phrase.\n\nProposez une démo de 20 minutes."
)


async def test_one_message_form_in_french_keeps_a_multiline_brief(bot: BotHarness) -> None:
    zoe = await onboard_company(bot, "Zoé", language="fr")
    await zoe.send(
        "/newmission\n"
        "Titre : Prise de RDV pour logiciel RH\n"
        "Description: Appelez les DRH des PME.\n"
        "Présentez-vous en une phrase.\n"
        "\n"
        "Proposez une démo de 20 minutes.\n"
        "\n"
        "Rémunération: rdv\n"
        "Tarif: 12,50 €\n"
        "Places: 2\n"
        "Plafond: 40\n"
        "Échéance: 2026-04-15\n"
        "Cible: B2B\n"
        "Démarrage: sur validation"
    )
    preview = zoe.last_text
    assert "Aperçu" in preview
    assert BRIEF_FR in preview
    assert "12,50 € par RDV" in spaced(preview)
    assert "Places : 2" in spaced(preview) and "Plafond : 40" in spaced(preview)
    await zoe.tap("Publier")
    [mission] = await all_missions(bot)
    assert mission["title"] == "Prise de RDV pour logiciel RH"
    assert mission["brief"] == BRIEF_FR
    assert (mission["pay_model"], mission["rate_cents"], mission["slots"]) == (
        "appointment",
        1250,
        2,
    )
    assert (mission["result_cap"], mission["deadline"]) == (40, "2026-04-15")
    assert (mission["target"], mission["approval"]) == ("b2b", "manual")


async def test_one_message_form_reports_every_problem_in_one_reply(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    before = len(acme.texts)
    await acme.send(
        "/newmission\n"
        "title: Hey\n"
        "brief: too short\n"
        "pay: barter\n"
        "rate: 12,505\n"
        "slots: 500\n"
        "cap: 0\n"
        "deadline: 2026-13-45\n"
        "target: b2b\n"
        "colour: blue"
    )
    replies = acme.received_since(before)
    assert len(replies) == 1, replies
    report = replies[0]
    assert "Problems to fix: 9" in report
    for problem in (
        "title: Hey",
        "The title must be 5 to 80 characters long (yours has 3)",
        "brief: too short",
        "The brief must be 20 to 2000",
        "Unknown pay model",
        "rate: 12,505",
        "at most two decimals",
        "slots: 500",
        "whole number from 1 to 100.",
        "whole number from 1 to 100,000",
        "Date not recognised",
        "colour: blue",
        "Line not recognised",
        "Required field missing: Who may start",
    ):
        assert problem in report, problem
    assert "Preview" not in report
    assert await all_missions(bot) == []
    # Nothing is pending either: the next message is not read as a field.
    await acme.send("approval: auto")
    assert "Preview" not in acme.last_text and "Problems to fix" not in acme.last_text
    assert await all_missions(bot) == []


async def test_one_message_form_report_always_fits_one_message(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    before = len(acme.texts)
    await acme.send(mission_form(title="t" * 1900, brief="b" * 2050))
    [report] = acme.received_since(before)
    assert "Problems to fix: 2" in report
    assert "yours has 1900" in report and "yours has 2050" in report
    assert "title: " + "t" * 52 + "…" in report and "t" * 61 not in report

    before = len(acme.texts)
    await acme.send("/newmission\n" + "zz\n" * 1000)
    [report] = acme.received_since(before)
    assert "Problems to fix: 1007" in report and "Line not recognised" in report
    assert report.rstrip().endswith("send the whole message again.") and "\n…\n" in report
    assert await all_missions(bot) == []


async def test_one_message_form_in_english_goes_straight_to_the_preview(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    before = len(acme.texts)
    await acme.send(
        mission_form(
            title="Sell fibre <b>upgrades</b>",
            brief="Call existing customers.\nOffer the fibre upgrade.\nLog every answer.",
            pay="sale",
            rate="€120",
            slots="10",
            cap="none",
            deadline="31/12/2026",
            approval="manual",
        )
    )
    replies = acme.received_since(before)
    assert len(replies) == 1 and "Preview" in replies[0]
    assert "Call existing customers.\nOffer the fibre upgrade.\nLog every answer." in replies[0]
    assert "Sell fibre <b>upgrades</b>" in replies[0]
    assert "€120.00 per sale" in replies[0] and "Cap: no cap" in replies[0]
    assert "Dec 31, 2026" in replies[0]
    await acme.tap("Publish")
    [mission] = await all_missions(bot)
    assert (
        mission["brief"] == "Call existing customers.\nOffer the fibre upgrade.\nLog every answer."
    )
    assert (mission["rate_cents"], mission["result_cap"], mission["deadline"]) == (
        12000,
        None,
        "2026-12-31",
    )


# --- 3. money formats ---------------------------------------------------------------------------


async def test_money_in_the_reader_locale(bot: BotHarness) -> None:
    zoe = await onboard_company(bot, "Zoé", language="fr")
    jo = await onboard_prospector(bot, "Jo", language="en", notify=True)
    await zoe.send(mission_form(title="Mission en euros", rate="12,50"))
    assert "12,50 € par RDV" in spaced(zoe.last_text)
    await zoe.tap("Publier")
    card = spaced(zoe.last_text)
    assert "Mission n°1" in card and "12,50 €" in card and "€" not in card.replace("12,50 €", "")
    assert "€12.50 per appointment" in jo.last_text  # the alert, in Jo's language
    await jo.send("/browse")
    assert "€12.50 per appointment" in jo.last_text
    assert "12,50" not in jo.last_text


# --- 4. /missions, the card and its actions -----------------------------------------------------


async def test_missions_list_pause_resume_and_close(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    ann = await onboard_prospector(bot, "Ann", notify=False)
    auto = await post_mission(bot, acme, title="Automatic calls", slots="3")
    manual = await post_mission(bot, acme, title="Approved calls", slots="2", approval="manual")
    await jo.send(f"/start m{auto.id}")
    await jo.tap("Accept at the posted rate")
    await ann.send(f"/start m{manual.id}")
    await ann.tap("Accept at the posted rate")
    await jo.send(f"/start m{manual.id}")
    await jo.tap("Accept at the posted rate")

    await acme.send("/missions")
    listing = acme.last_text
    assert "Your missions (page 1/1)" in listing
    assert listing.index("#2 Approved calls") < listing.index("#1 Automatic calls")
    assert "0/2 active · 2 applicants" in listing
    assert "1/3 active · 0 applicants" in listing

    await acme.tap("#1 · Automatic calls")
    assert "Active: 1/3 · Applicants: 0" in acme.last_text
    await acme.tap("Pause")
    assert acme.alerts[-1] == "Mission paused: it no longer shows in searches."
    assert "⏸ paused" in acme.last_text and "Resume" in button_labels(acme)[2]
    assert (await mission_row(bot, auto.id))["status"] == "paused"
    await ann.send("/browse")
    assert "Automatic calls" not in ann.last_text and "Approved calls" in ann.last_text
    await acme.tap("Resume")
    assert acme.alerts[-1] == "Mission reopened."
    assert (await mission_row(bot, auto.id))["status"] == "open"
    await ann.send("/browse")
    assert "Automatic calls" in ann.last_text

    # Closing asks first; only the confirmation closes.
    await acme.tap("Close")
    assert "for good?" in acme.last_text and "active prospectors will be told" in acme.last_text
    assert "told: 1" not in acme.last_text
    assert (await mission_row(bot, auto.id))["status"] == "open"
    await acme.tap("Back")
    assert "Mission #1 · 🟢 open" in acme.last_text
    await acme.tap("Close")
    jo_seen = len(jo.texts)
    await acme.tap("Yes, close")
    assert acme.alerts[-1] == "Mission closed. Active prospectors told: 1."
    assert "⚫ closed" in acme.last_text
    assert button_labels(acme) == ["👥 Active", "‹ List"]
    closed = await mission_row(bot, auto.id)
    assert (closed["status"], closed["closed_reason"], closed["active_count"]) == (
        "closed",
        "company",
        0,
    )
    assert [a["status"] for a in await assignments(bot, auto.id)] == ["ended"]
    assert "Mission #1 “Automatic calls” is closed." in (await outbox_texts(bot, jo.id))[-1]
    assert jo.received_since(jo_seen) == ["⚫ Mission #1 “Automatic calls” is closed."]

    # Pending applicants of a closed mission are declined, and told.
    await acme.send("/missions")
    await acme.tap("#2 · Approved calls")
    await acme.tap("Close")
    await acme.tap("Yes, close")
    assert [a["status"] for a in await assignments(bot, manual.id)] == ["declined", "declined"]
    assert "Mission #2 “Approved calls” is closed." in ann.last_text
    assert "Mission #2 “Approved calls” is closed." in jo.last_text
    # A closed mission cannot be closed, paused or edited again.
    before = await snapshot(bot)
    for data in (
        *(f"ma:v1:{action}:{manual.id}" for action in ("close", "close_ok", "pause", "edit")),
        EditFieldCb(mission_id=manual.id, field="title").pack(),
    ):
        await acme.tap_forged(data)
        assert acme.alerts[-1] == STALE, data
    assert await snapshot(bot) == before


async def test_changing_a_field_from_the_preview_can_be_given_up(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    await acme.send(mission_form(title="Kept as it was"))
    await acme.tap("Edit a field")
    await acme.tap("Back")
    assert "Preview" in acme.last_text and "Kept as it was" in acme.last_text
    await acme.tap("Edit a field")
    await acme.tap("Title")
    await acme.send("/cancel")
    assert acme.last_text.startswith("Cancelled, nothing was changed.")
    assert "Preview" in acme.last_text and "Kept as it was" in acme.last_text
    await acme.tap("Publish")
    [published] = await all_missions(bot)
    assert published["title"] == "Kept as it was"


async def test_an_application_to_a_closed_mission_cannot_be_approved(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    mission = await post_mission(bot, acme, title="Closing soon", approval="manual")
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Accept at the posted rate")
    notice = acme.messages[-1]
    await acme.send("/missions")
    await acme.tap("#1 · Closing soon")
    await acme.tap("Close")
    await acme.tap("Yes, close")
    before = await snapshot(bot)
    approve = next(data for label, data, _ in notice.buttons() if "✅" in label)
    acme.fake.user_taps(acme.id, notice.message_id, approve)
    await bot.deliver()
    assert acme.alerts[-1] == "This mission is closed."
    assert await snapshot(bot) == before


async def test_cancelling_an_edit_of_a_live_mission_changes_nothing(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme, title="Live and unchanged")
    before = await snapshot(bot)
    await acme.send("/missions")
    await acme.tap("#1 · Live and unchanged")
    await acme.tap("Edit")
    await acme.tap("Title")
    await acme.send("/cancel")
    assert acme.last_text == "Cancelled, nothing was changed."
    await acme.send("A title typed after cancelling")
    assert "Mission updated" not in acme.last_text
    assert await snapshot(bot) == before
    assert (await mission_row(bot, mission.id))["title"] == "Live and unchanged"


async def test_edit_a_published_mission(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    ann = await onboard_prospector(bot, "Ann", notify=False)
    bea = await onboard_prospector(bot, "Bea", notify=False)
    mission = await post_mission(bot, acme, title="Editable mission", rate="40", slots="2")
    for prospector in (jo, ann):
        await prospector.send(f"/start m{mission.id}")
        await prospector.tap("Accept at the posted rate")
    assert "at €40.00" in ann.last_text

    await acme.send("/missions")
    await acme.tap("#1 · Editable mission")
    await acme.tap("Edit")
    assert "which field?" in acme.last_text
    picker = acme.messages[-1]
    await acme.tap("Slots")
    # The picker keeps the field chosen, and no second field to start beside this one.
    assert picker.text is not None and picker.text.endswith("which field?\n\nSlots")
    assert picker.buttons() == []
    await answer_stays(acme, "1", "2 prospectors are already active")
    await answer_stays(acme, "101", "whole number from 1 to 100")
    await acme.send("5")
    assert "Mission updated" in acme.texts[-2]
    assert "Active: 2/5" in acme.last_text
    assert (await mission_row(bot, mission.id))["slots"] == 5

    await acme.tap("Edit")
    await acme.tap("Rate")
    assert "applies only to prospectors who start after the change" in acme.last_text
    await answer_stays(acme, "0.10", "between €0.50 and €10,000.00")
    await acme.send("55")
    assert "€55.00 per appointment" in acme.last_text
    await bea.send(f"/start m{mission.id}")
    await bea.tap("Accept at the posted rate")
    assert "at €55.00" in bea.last_text
    agreed = {a["prospector_id"]: a["agreed_rate_cents"] for a in await assignments(bot, 1)}
    assert agreed == {jo.id: 4000, ann.id: 4000, bea.id: 5500}

    await acme.tap("Edit")
    await acme.tap("Title")
    await answer_stays(acme, "Nope", "5 to 80 characters")
    await acme.send("Edited & renamed")
    await acme.tap("Edit")
    await acme.tap("Cap")
    await acme.send("100")
    assert "Cap: 100" in acme.last_text
    await acme.tap("Edit")
    await acme.tap("Deadline")
    await answer_stays(acme, "2026-03-10", "between tomorrow and 365 days")
    await acme.send("30/04/2026")
    assert "Apr 30, 2026" in acme.last_text and "Edited &amp; renamed" not in acme.last_text
    await acme.tap("Edit")
    await acme.tap("Cap")
    await acme.tap("Clear")
    assert "Cap: no cap" in acme.last_text
    row = await mission_row(bot, mission.id)
    assert (row["title"], row["rate_cents"], row["slots"]) == ("Edited & renamed", 5500, 5)
    assert (row["result_cap"], row["deadline"], row["active_count"]) == (None, "2026-04-30", 3)
    assert "Edited & renamed" in acme.last_text


async def test_share_link_and_deep_links(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    mission = await post_mission(bot, acme, title="Shared mission")
    await acme.tap("Share link")
    link = f"https://t.me/callboard_test_bot?start=m{mission.id}"
    assert link in acme.last_text and "Shared mission" in acme.last_text

    await jo.send(f"/start m{mission.id}")
    assert "#1 Shared mission" in jo.last_text and "Acme SAS" in jo.last_text
    assert "✅ Accept at the posted rate" in button_labels(jo)

    newcomer = await onboard_prospector(bot, "Neo", notify=False, start=f"/start m{mission.id}")
    assert "Prospector profile saved" in newcomer.texts[-3]
    assert "#1 Shared mission" in newcomer.last_text
    await newcomer.tap("Accept at the posted rate")
    assert "You're in!" in newcomer.last_text
    [taken] = await assignments(bot, mission.id)
    assert (taken["prospector_id"], taken["status"]) == (newcomer.id, "active")

    await jo.send("/start m999")
    assert "Mission #999 does not exist" in jo.last_text
    await acme.send(f"/start m{mission.id}")
    assert "Mission #1 · 🟢 open" in acme.last_text  # the company's own card
    rival = await onboard_company(bot, "Rival")
    await rival.send(f"/start m{mission.id}")
    assert rival.last_text == "This link opens a mission for prospectors."

    await acme.send("/missions")
    await acme.tap("#1 · Shared mission")
    await acme.tap("Close")
    await acme.tap("Yes, close")
    await jo.send(f"/start m{mission.id}")
    assert "Mission #1 “Shared mission” is closed." in jo.last_text
    # Nothing to join, and a way on to the missions that are open.
    assert [label for label, _, _ in jo.messages[-1].buttons()] == ["🔎 Browse missions"]


# --- 5. authorization -------------------------------------------------------------------------


async def test_forged_and_replayed_buttons_change_nothing(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    acme = await onboard_company(bot, "Acme")
    rival = await onboard_company(bot, "Rival")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    ann = await onboard_prospector(bot, "Ann", notify=False)
    mission = await post_mission(bot, acme, title="Acme only", approval="manual", slots="1")
    await post_mission(bot, rival, title="Rival mission")
    for prospector in (jo, ann):
        await prospector.send(f"/start m{mission.id}")
        await prospector.tap("Accept at the posted rate")
    jo_app, ann_app = (a["id"] for a in await assignments(bot, mission.id))

    before = await snapshot(bot)
    forged = [
        MissionCardCb(mission_id=mission.id).pack(),
        PeopleCb(mission_id=mission.id, status="applied").pack(),
        PeopleCb(mission_id=mission.id, status="active").pack(),
        *(
            f"ma:v1:{action}:{mission.id}"
            for action in ("pause", "resume", "close", "close_ok", "edit", "share")
        ),
        EditFieldCb(mission_id=mission.id, field="title").pack(),
        ApproveCb(assignment_id=jo_app).pack(),
        DeclineCb(assignment_id=ann_app).pack(),
    ]
    rival_seen = len(rival.texts)
    for data in forged:
        await rival.tap_forged(data)
        assert rival.alerts[-1] == STALE, data
    await rival.send("Hijacked title")  # after the forged "edit title": not read as a title
    assert "Mission updated" not in rival.last_text
    assert all("Acme only" not in text for text in rival.received_since(rival_seen))
    # A prospector forging company buttons, and malformed or other-version data.
    for data in [*forged, "ap:v1:abc", "ma:v2:close_ok:1", "ma:v1:explode:1"]:
        await jo.tap_forged(data)
        assert jo.alerts[-1] == STALE, data
    assert await snapshot(bot) == before

    # The owner: numbers no id or page can have, and fields that cannot be edited.
    huge = "9" * 20
    for data in (
        f"mc:v1:{huge}", f"ap:v1:{huge}", f"mp:v1:1:applied:{huge}", "mp:v1:1:applied:-1",
        f"me:v1:{huge}:title", "me:v1:1:approval", "me:v1:1:-1", f"ml:v1:{huge}", "ml:v1:-1",
    ):  # fmt: skip
        await acme.tap_forged(data)
        assert acme.alerts[-1] == STALE, data
    assert await snapshot(bot) == before
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

    # A replayed decision: the second tap of the same button changes nothing.
    approve_jo = ApproveCb(assignment_id=jo_app).pack()
    await tap_data(acme, approve_jo)
    assert acme.alerts[-1] == "✅ Application approved."
    after_approval = await snapshot(bot)
    await acme.tap_forged(approve_jo)
    await acme.tap_forged(DeclineCb(assignment_id=jo_app).pack())
    assert acme.alerts[-2:] == [STALE, STALE]
    assert await snapshot(bot) == after_approval


async def test_commands_of_the_other_role_are_refused(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await post_mission(bot, acme)
    before = await snapshot(bot)
    for command in ("/newmission", "/missions"):
        await jo.send(command)
        assert jo.last_text == "This command is for companies.", command
    await jo.send(mission_form(title="A prospector's mission"))
    assert jo.last_text == "This command is for companies."
    for command in ("/browse", "/mymissions"):
        await acme.send(command)
        assert acme.last_text == "This command is for prospectors.", command
    for data in ("tk:v1:1", "bd:v1:1", "fp:v1:sale", "bp:v1:0"):
        await acme.tap_forged(data)
        assert acme.alerts[-1] == STALE, data
    for data in ("np:v1:publish", "ml:v1:0"):
        await jo.tap_forged(data)
        assert jo.alerts[-1] == STALE, data
    assert await snapshot(bot) == before


# --- 6. approvals ---------------------------------------------------------------------------------


async def test_approval_missions_apply_approve_decline_and_full(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo, ann, bea = [
        await onboard_prospector(bot, name, notify=False) for name in ("Jo", "Ann", "Bea")
    ]
    mission = await post_mission(bot, acme, title="Hand-picked callers", rate="25", slots="1",
                                 approval="manual")  # fmt: skip
    for prospector in (jo, ann, bea):
        await prospector.send(f"/start m{mission.id}")
        await prospector.tap("Accept at the posted rate")
        assert "Application sent" in prospector.last_text
    applied = await assignments(bot, mission.id)
    # While applied, the rate applied for is kept: a later rate change does not touch it.
    assert [(a["status"], a["agreed_rate_cents"]) for a in applied] == [("applied", 2500)] * 3
    assert (await mission_row(bot, mission.id))["active_count"] == 0
    queued = await outbox_texts(bot, acme.id)
    assert [text.split(" applies")[0] for text in queued] == [
        "🙋 <b>P-0001</b> Jo Caller (4 years, French)",
        "🙋 <b>P-0002</b> Ann Caller (4 years, French)",
        "🙋 <b>P-0003</b> Bea Caller (4 years, French)",
    ]
    assert button_labels(acme) == ["✅ Approve P-0003", "✖️ Decline P-0003"]
    await jo.tap_forged(TakeCb(mission_id=mission.id).pack())
    assert jo.alerts[-1] == "You have already applied; the company will answer."

    await acme.tap("✅ Approve P-0001")
    assert acme.alerts[-1] == "✅ Application approved."
    jo_row = (await assignments(bot, mission.id))[0]
    assert (jo_row["status"], jo_row["agreed_rate_cents"]) == ("active", 2500)
    assert (await mission_row(bot, mission.id))["active_count"] == 1
    assert "was approved, at €25.00" in (await outbox_texts(bot, jo.id))[-1]
    assert "was approved, at €25.00" in jo.last_text
    # The application's notice keeps the outcome in place of its buttons.
    [jo_application] = [m for m in acme.messages if "P-0001" in (m.text or "")]
    assert jo_application.text is not None
    assert jo_application.text.endswith("“Hand-picked callers”.\n\n✅ Approved at €25.00.")
    assert jo_application.buttons() == []

    before = await snapshot(bot)
    await acme.tap("✅ Approve P-0002")
    assert acme.alerts[-1] == "No free slot left: raise the number of slots first."
    assert await snapshot(bot) == before
    [ann_application] = [m for m in acme.messages if "P-0002" in (m.text or "")]
    assert [label for label, _, _ in ann_application.buttons()] == [
        "✅ Approve P-0002",
        "✖️ Decline P-0002",
    ]
    ann_seen = len(ann.texts)

    await acme.tap("✖️ Decline P-0002")
    assert acme.alerts[-1] == "Application declined."
    [ann_application] = [m for m in acme.messages if "P-0002" in (m.text or "")]
    assert ann_application.text.endswith("\n\n✖️ Declined.")
    assert (await assignments(bot, mission.id))[1]["status"] == "declined"
    declined_note = "Your application to mission #1 “Hand-picked callers” was not accepted."
    assert (await outbox_texts(bot, ann.id))[-1] == declined_note
    assert ann.received_since(ann_seen) == [declined_note]
    await ann.tap_forged(TakeCb(mission_id=mission.id).pack())
    assert "already declined" in ann.last_text

    # From the card: more slots, then Bea is approved from the applicants screen.
    await acme.send("/missions")
    await acme.tap("#1 · Hand-picked callers")
    assert "Applicants: 1" in acme.last_text
    await acme.tap("Applicants")
    assert "P-0003" in acme.last_text and "P-0002" not in acme.last_text
    await acme.tap("✅ Approve P-0003")
    assert acme.alerts[-1] == "No free slot left: raise the number of slots first."
    await acme.tap("Back")
    await acme.tap("Edit")
    await acme.tap("Slots")
    await acme.send("2")
    await acme.tap("Applicants")
    await acme.tap("✅ Approve P-0003")
    assert acme.alerts[-1] == "✅ Application approved."
    statuses = [(a["status"], a["agreed_rate_cents"]) for a in await assignments(bot, 1)]
    assert statuses == [("active", 2500), ("declined", 2500), ("active", 2500)]
    assert (await mission_row(bot, mission.id))["active_count"] == 2
    assert "was approved" in bea.last_text
    # The applicants screen is refreshed and keeps its way back.
    assert "Applicants" in acme.last_text and "Nobody yet." in acme.last_text
    assert button_labels(acme) == ["‹ Back"]
    await acme.tap("Back")
    await acme.tap("Active")
    assert "P-0001" in acme.last_text and "P-0003" in acme.last_text


async def test_automatic_missions_start_at_once(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    mission = await post_mission(bot, acme, title="Open to all", rate="9,90", slots="2")
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Accept at the posted rate")
    assert "You're in! You are active on mission #1 “Open to all” at €9.90." in jo.last_text
    [row] = await assignments(bot, mission.id)
    assert (row["status"], row["agreed_rate_cents"]) == ("active", 990)
    assert (await mission_row(bot, mission.id))["active_count"] == 1
    # Nothing to approve; the company is only told who started.
    assert await outbox_texts(bot, acme.id) == [
        "🚀 P-0001 started on mission #1 “Open to all” at €9.90."
    ]
    # The details now offer the thread and Leave; a second tap of the old Accept is refused
    # on the button, with no second message.
    assert "Accept at the posted rate" not in button_labels(jo)
    seen = len(jo.texts)
    await jo.tap_forged(TakeCb(mission_id=mission.id).pack(), jo.messages[-2].message_id)
    assert jo.alerts[-1] == "You are already active on this mission: see /mymissions."
    assert len(jo.texts) == seen
    assert (await mission_row(bot, mission.id))["active_count"] == 1


# --- 9. new-mission alerts ----------------------------------------------------------------------


async def test_publishing_alerts_only_matching_prospectors_through_the_outbox(
    bot: BotHarness,
) -> None:
    acme = await onboard_company(bot, "Acme")
    b2b = await onboard_prospector(bot, "Bee", specialties=("b2b",), notify=True)
    both = await onboard_prospector(bot, "Both", language="fr", specialties=("b2b", "b2c"))
    muted = await onboard_prospector(bot, "Mute", specialties=("b2b",), notify=False)
    b2c = await onboard_prospector(bot, "Cee", specialties=("b2c",), notify=True)
    everyone = (b2b, both, muted, b2c)
    seen = {p.id: len(p.texts) for p in everyone}

    await post_mission(bot, acme, title="B2B & <calls>", rate="15", target="b2b")
    assert "Alerts sent: 2" in acme.texts[-2]
    alerts = await rows(
        bot, "SELECT chat_id, priority, status FROM outbox WHERE params LIKE '%New mission%'"
        " OR params LIKE '%Nouvelle mission%' ORDER BY chat_id"
    )  # fmt: skip
    assert [(a["chat_id"], a["priority"], a["status"]) for a in alerts] == sorted(
        [(b2b.id, Priority.BROADCAST, "sent"), (both.id, Priority.BROADCAST, "sent")]
    )
    assert await outbox_texts(bot, muted.id) == [] and await outbox_texts(bot, b2c.id) == []
    assert "B2B &amp; &lt;calls&gt;" in (await outbox_texts(bot, b2b.id))[0]
    assert b2b.received_since(seen[b2b.id]) == [
        "🆕 New mission: B2B & <calls> — €15.00 per appointment"
    ]
    assert "15,00 €" in spaced(both.received_since(seen[both.id])[0])
    assert muted.received_since(seen[muted.id]) == []
    assert b2c.received_since(seen[b2c.id]) == []
    await b2b.tap("View mission")
    assert "#1 B2B & <calls>" in b2b.last_text

    await post_mission(bot, acme, title="Consumer calls", target="b2c")
    assert "Alerts sent: 2" in acme.texts[-2]
    assert len(await outbox_texts(bot, b2c.id)) == 1 and len(await outbox_texts(bot, both.id)) == 2
    assert len(await outbox_texts(bot, b2b.id)) == 1 and await outbox_texts(bot, muted.id) == []


# --- 10. the deadline tick -----------------------------------------------------------------------


async def test_deadline_tick_closes_once_even_when_late(
    bot: BotHarness, clock: ManualClock
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    ann = await onboard_prospector(bot, "Ann", notify=False)
    soon = await post_mission(bot, acme, title="Ends tomorrow", deadline="11/03/2026")
    later = await post_mission(bot, acme, title="Ends next week", deadline="2026-03-17",
                               approval="manual")  # fmt: skip
    ahead = await post_mission(bot, acme, title="Ends in summer", deadline="2026-07-01")
    await jo.send(f"/start m{soon.id}")
    await jo.tap("Accept at the posted rate")
    await ann.send(f"/start m{later.id}")
    await ann.tap("Accept at the posted rate")
    assert bot.app is not None
    context = CallboardContext(bot.app)
    outbox_before = await outbox_texts(bot, acme.id)

    async def tick() -> int:
        closed = await jobs.close_missions_past_deadline(context)
        await bot.settle()
        return closed

    # The last minute of 11 March in Paris (UTC+1): the deadline day is not over yet.
    clock.advance(timedelta(days=1, hours=13, minutes=59))
    assert await tick() == 0
    assert (await mission_row(bot, soon.id))["status"] == "open"
    clock.advance(timedelta(minutes=1, seconds=1))
    assert [await tick(), await tick()] == [1, 0]
    closed = await mission_row(bot, soon.id)
    assert (closed["status"], closed["closed_reason"]) == ("closed", "deadline")
    deadline_notes = [t for t in await outbox_texts(bot, acme.id) if "reached its deadline" in t]
    assert deadline_notes == [
        "⚫ Your mission #1 “Ends tomorrow” reached its deadline and was closed."
    ]
    assert [t for t in await outbox_texts(bot, jo.id) if "is closed" in t] == [
        "⚫ Mission #1 “Ends tomorrow” is closed."
    ]
    assert [a["status"] for a in await assignments(bot, soon.id)] == ["ended"]
    assert len(await outbox_texts(bot, acme.id)) == len(outbox_before) + 1

    # A late run, days after the second deadline: it closes once as well, paused or not.
    await acme.send("/missions")
    await acme.tap("#2 · Ends next week")
    await acme.tap("Pause")
    assert (await mission_row(bot, later.id))["status"] == "paused"
    clock.advance(timedelta(days=10))
    assert [await tick(), await tick()] == [1, 0]
    assert (await mission_row(bot, later.id))["status"] == "closed"
    assert [a["status"] for a in await assignments(bot, later.id)] == ["declined"]
    assert [t for t in await outbox_texts(bot, ann.id) if "is closed" in t] == [
        "⚫ Mission #2 “Ends next week” is closed."
    ]
    assert len([t for t in await outbox_texts(bot, acme.id) if "deadline" in t]) == 2
    assert (await mission_row(bot, ahead.id))["status"] == "open"
    assert "reached its deadline" in acme.last_text


async def test_an_applicant_is_approved_at_the_rate_applied_for(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme, rate="40", approval="manual")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Accept at the posted rate")
    await acme.send("/missions")
    await acme.tap(f"#{mission.id}")
    await acme.tap("Edit")
    await acme.tap("Rate")
    await acme.send("5")
    await acme.tap("Applicants")
    await acme.tap("✅ Approve P-0001")
    [row] = await assignments(bot, mission.id)
    assert (row["status"], row["agreed_rate_cents"]) == ("active", 4000)
    assert "approved, at €40.00" in jo.last_text
