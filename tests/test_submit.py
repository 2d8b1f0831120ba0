"""/submit and *Submit a result*: the wizard end to end in both languages, every invalid
answer kept at its step, the steps a mission calls for (the contact's company for B2B, the
appointment for appointment missions), the proof, the same number twice, the picker, and
every refusal — before the first question and at Send.

The bot runs on a ManualClock set to 2026-03-10 10:00 in Paris."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.kit.callbacks import SubmitResultCb
from services import assignments, missions, results
from storage.models import ResultDetails
from tests.harness import BotHarness
from tests.helpers import (
    STALE,
    answer_stays,
    button_labels,
    onboard_company,
    onboard_prospector,
    post_mission,
    rows,
    spaced,
    tap_data,
)
from tests.results_helpers import (
    World,
    active_on,
    fill_in,
    results_of,
    submit,
    told,
    world,
)

pytestmark = pytest.mark.frozen_clock

# What a message outside any wizard gets.
NO_WIZARD = "To write to a company or a prospector"


# --- end to end -----------------------------------------------------------------------------


async def test_submit_end_to_end_in_english(bot: BotHarness) -> None:
    w = await world(bot, pay="lead", target="b2b")
    jo = w.prospector
    await jo.send("/submit")
    assert f"Result for mission #{w.mission.id}" in jo.last_text
    assert "Name of the person you spoke to" in jo.last_text
    await jo.send("Marie Curie")
    assert "Their company (2 to 100 characters):" in jo.last_text
    assert button_labels(jo) == [], "a B2B mission requires the contact's company"
    await jo.send("Radium SA")
    assert "Their phone number" in jo.last_text
    await jo.send("06 12 34 56 78")
    assert "Notes for the company" in jo.last_text, "no appointment on a lead mission"
    await jo.send("Interested, call back <Monday>")
    assert "send a photo, a document, a voice note or an audio message" in jo.last_text
    await jo.tap("Skip")

    summary = jo.last_text
    for shown in (
        f"Result for mission #{w.mission.id}",
        "👤 Marie Curie",
        "🏢 Radium SA",
        "📞 +33612345678",
        "📝 Interested, call back <Monday>",
    ):
        assert shown in summary, shown
    assert "Proof" not in summary and "Appointment" not in summary
    assert button_labels(jo) == ["📨 Send", "✏️ Edit a field", "✖️ Cancel"]
    assert await results_of(bot, w.mission.id) == []
    company_told = await told(bot, w.company)

    await jo.tap("Send")
    assert jo.last_text.startswith("✅ Result #1 sent to the company.")
    [result] = await results_of(bot, w.mission.id)
    assert {
        key: result[key]
        for key in ("id", "prospector_id", "contact_name", "contact_company", "phone",
                    "appointment_at", "notes", "proof_kind", "status")
    } == {
        "id": 1, "prospector_id": jo.id, "contact_name": "Marie Curie",
        "contact_company": "Radium SA", "phone": "+33612345678", "appointment_at": None,
        "notes": "Interested, call back <Monday>", "proof_kind": None, "status": "pending",
    }  # fmt: skip
    assert await told(bot, w.company) == company_told + 1, "the company is told"


async def test_submit_end_to_end_in_french_with_an_appointment(bot: BotHarness) -> None:
    w = await world(bot, "fr", pay="appointment", target="b2c")
    jo = w.prospector
    await jo.send("/submit")
    assert "Résultat pour la mission n°1" in jo.last_text
    await jo.send("Jean Dupont")
    assert "Son entreprise (2 à 100 caractères), ou <i>Passer</i>" in jo.messages[-1].html
    assert button_labels(jo) == ["Passer"]
    await jo.tap("Passer")
    await jo.send("+33 6 12 34 56 78")
    assert "Date et heure du rendez-vous, fuseau Europe/Paris" in jo.last_text
    assert "par exemple 11/03/2026 14:30" in jo.last_text
    await jo.send("12/03/2026 15:00")
    await jo.tap("Passer")
    await jo.tap("Passer")
    summary = jo.last_text
    assert "📅 Rendez-vous : 12 mars 2026, 15:00" in summary
    assert "🏢" not in summary and "📝" not in summary
    company_told = await told(bot, w.company)
    await jo.tap("Envoyer")
    assert jo.last_text.startswith("✅ Résultat n°1 envoyé à l'entreprise.")
    assert await told(bot, w.company) == company_told + 1, "the company is told"
    [result] = await results_of(bot, w.mission.id)
    assert result["contact_company"] is None and result["notes"] == ""
    # 15:00 in Paris in March is 14:00 UTC.
    assert result["appointment_at"] == "2026-03-12T14:00:00.000000Z"


# --- invalid answers ------------------------------------------------------------------------


async def test_every_invalid_answer_stays_at_its_step(bot: BotHarness) -> None:
    w = await world(bot, pay="appointment", target="b2b")
    jo = w.prospector
    await jo.send("/submit")
    await answer_stays(jo, "M", "2 to 100 characters", "yours has 1")
    await answer_stays(jo, "M" * 101, "2 to 100 characters", "yours has 101")
    await jo.send("Marie Curie")
    await answer_stays(jo, "R", "The company must be 2 to 100 characters", "yours has 1")
    await jo.send("Radium SA")
    for bad_phone in ("12345", "06 12 34", "call me", "+33 1"):
        refusal = await answer_stays(
            jo, bad_phone, "not valid", "06 12 34 56 78", "+32 470 12 34 56"
        )
        # One prompt only: the error's own closing colon gives way to "Try again:".
        assert refusal.endswith("+32 470 12 34 56\n✏️ Try again:"), refusal
    await jo.send("+32 470 12 34 56")
    assert "Date and time of the appointment" in jo.last_text
    for malformed in ("tomorrow", "2026-03-12", "32/03/2026 10:00", "12/03/2026 25:00"):
        await answer_stays(jo, malformed, "not recognised", "for example 2026-03-11 14:30")
    # Now is 10:00 in Paris on 10 March 2026; 180 days ahead is 6 September, 11:00 (summer).
    for out_of_range in ("10/03/2026 09:59", "2026-03-10 10:00", "2026-09-06 11:01"):
        await answer_stays(jo, out_of_range, "in the future, at most 180 days ahead")
    await jo.send("2026-09-06 11:00")
    await answer_stays(jo, "n" * 1001, "1000 characters at most", "yours have 1001")
    assert button_labels(jo) == ["Skip"], "the error offers the way out"
    await jo.send("n" * 1000)
    await answer_stays(jo, "here is my proof", "Please send a photo, a document")
    assert button_labels(jo) == ["Skip"]
    await jo.send_photo()
    assert "📎 Proof: photo" in jo.last_text
    assert "📞 +32470123456" in jo.last_text
    assert await results_of(bot, w.mission.id) == []


async def test_the_same_number_twice_is_refused_at_the_phone_step(bot: BotHarness) -> None:
    w = await world(bot, pay="lead")
    jo = w.prospector
    await submit(jo, phone="06 12 34 56 78")
    await jo.send("/submit")
    await jo.send("Pierre Curie")
    await jo.send("Radium SA")
    await answer_stays(
        jo, "+33 6 12 34 56 78", "already reported on this mission, in result #1", "another"
    )
    await jo.send("06 98 76 54 32")
    assert "Notes for the company" in jo.last_text

    # Another prospector on the same mission: the same number is the same lead.
    ann = await onboard_prospector(bot, "Ann", notify=False)
    await active_on(bot, ann, w.mission)
    await ann.send("/submit")
    await ann.send("Marie Curie")
    await ann.send("Radium SA")
    await answer_stays(ann, "0612345678", "in result #1")


async def test_a_number_reported_meanwhile_is_refused_at_send(bot: BotHarness) -> None:
    w = await world(bot, pay="lead")
    ann = await onboard_prospector(bot, "Ann", notify=False)
    await active_on(bot, ann, w.mission)
    for user in (w.prospector, ann):
        await user.send("/submit")
        await fill_in(user, phone="06 12 34 56 78")
        await user.tap("Skip")
        assert "📨 Send" in button_labels(user)
    await w.prospector.tap("Send")
    await ann.tap("Send")
    assert ann.last_text == (
        "⛔ This number was already reported on this mission, in result #1. Nothing was sent."
    )
    assert len(await results_of(bot, w.mission.id)) == 1
    await ann.send("another message")
    assert ann.last_text.startswith(NO_WIZARD), "the wizard is over"


# --- proof ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["photo", "document", "voice"])
async def test_a_proof_is_kept_with_the_result(bot: BotHarness, kind: str) -> None:
    w = await world(bot, pay="sale")
    jo = w.prospector
    await jo.send("/submit")
    await fill_in(jo)
    send = {
        "photo": bot.fake.user_sends_photo,
        "document": bot.fake.user_sends_document,
        "voice": bot.fake.user_sends_voice,
    }[kind]
    sent = send(jo.id)
    await bot.deliver()
    label = {"photo": "photo", "document": "document", "voice": "voice note"}[kind]
    assert f"📎 Proof: {label}" in jo.last_text
    await jo.tap("Send")
    [result] = await results_of(bot, w.mission.id)
    media = sent["message"][kind]
    file_id = media[-1]["file_id"] if kind == "photo" else media["file_id"]
    assert (result["proof_kind"], result["proof_file_id"]) == (kind, file_id)


# --- changing a field from the summary -------------------------------------------------------


async def test_a_field_is_changed_from_the_summary(bot: BotHarness) -> None:
    w = await world(bot, pay="lead", target="b2c")
    jo = w.prospector
    await jo.send("/submit")
    await fill_in(jo, company=None)
    await jo.tap("Skip")
    await jo.tap("Edit a field")
    assert button_labels(jo) == ["Contact", "Company", "Phone", "Notes", "Proof", "‹ Back"]
    await jo.tap("Phone")
    await jo.send("06 11 22 33 44")
    assert "📞 +33611223344" in jo.last_text
    await jo.tap("Edit a field")
    await jo.tap("Proof")
    bot.fake.user_sends_voice(jo.id)
    await bot.deliver()
    assert "📎 Proof: voice note" in jo.last_text
    await jo.tap("Send")
    [result] = await results_of(bot, w.mission.id)
    assert (result["phone"], result["proof_kind"]) == ("+33611223344", "voice")


async def test_cancel_at_the_summary_sends_nothing(bot: BotHarness) -> None:
    w = await world(bot, pay="lead")
    jo = w.prospector
    await jo.send("/submit")
    await fill_in(jo)
    await jo.tap("Skip")
    company_told = await told(bot, w.company)
    await jo.tap("Cancel")
    assert jo.last_text == "Result discarded, nothing was sent."
    assert await results_of(bot, w.mission.id) == []
    assert await told(bot, w.company) == company_told


# --- the picker and the buttons --------------------------------------------------------------


async def test_with_two_active_missions_submit_asks_which(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    first = await post_mission(bot, acme, title="Book SaaS demos", pay="lead")
    second = await post_mission(bot, acme, title="Sell solar panels", pay="sale", target="b2c")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    for mission in (first, second):
        await active_on(bot, jo, mission)
    await jo.send("/submit")
    assert "for which mission?" in jo.last_text
    assert button_labels(jo) == [
        "📨 #2 · Sell solar panels",
        "📨 #1 · Book SaaS demos",
        "‹ My missions",
    ]
    await jo.tap("#2 · Sell solar panels")
    assert "Result for mission #2" in jo.last_text
    await jo.send("Jean Dupont")
    assert button_labels(jo) == ["Skip"], "mission #2 is B2C"
    await jo.tap("Skip")
    await jo.send("06 12 34 56 78")
    await jo.tap("Skip")
    await jo.tap("Skip")
    await jo.tap("Send")
    assert [r["mission_id"] for r in await rows(bot, "SELECT mission_id FROM results")] == [2]


async def test_the_picker_pages_five_missions_at_a_time(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    for number in range(6):
        mission = await post_mission(bot, acme, title=f"Mission number {number}")
        await active_on(bot, jo, mission)
    await jo.send("/submit")
    assert "(page 1/2)" in jo.last_text
    assert len([b for b in button_labels(jo) if b.startswith("📨")]) == 5
    await jo.tap("Next")
    assert "(page 2/2)" in jo.last_text
    assert button_labels(jo) == ["📨 #1 · Mission number 0", "‹ Previous", "‹ My missions"]


async def test_submit_buttons_on_my_missions_and_on_the_details(bot: BotHarness) -> None:
    w = await world(bot, pay="lead")
    jo = w.prospector
    await jo.send("/mymissions")
    assert "📨 Submit a result · #1" in button_labels(jo)
    await jo.tap("Submit a result · #1")
    assert "Result for mission #1" in jo.last_text
    await jo.send("/mymissions")
    await jo.tap("🔎 View #1")
    assert button_labels(jo)[0] == "📨 Submit a result"
    await jo.tap("Submit a result")
    assert "Name of the person you spoke to" in jo.last_text


async def test_with_no_active_mission_submit_says_so(bot: BotHarness) -> None:
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send("/submit")
    assert "not active on any mission that takes results" in jo.last_text
    acme = await onboard_company(bot, "Acme")
    await acme.send("/submit")
    assert acme.last_text == "This command is for prospectors."
    newcomer = bot.user("New")
    await newcomer.send("/submit")
    assert newcomer.last_text == "You have no profile yet: send /start."


# --- refusals ------------------------------------------------------------------------------


async def test_refused_before_the_first_question_when_no_longer_possible(
    bot: BotHarness,
) -> None:
    acme = await onboard_company(bot, "Acme")
    capped = await post_mission(bot, acme, title="Only one result", pay="lead", cap="1")
    closing = await post_mission(bot, acme, title="About to close", pay="lead")
    leaving = await post_mission(bot, acme, title="About to leave", pay="lead")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    ids = {m.id: await active_on(bot, jo, m) for m in (capped, closing, leaving)}
    await jo.send("/mymissions")
    shown = jo.messages[-1]

    await tap_data(jo, SubmitResultCb(assignment_id=ids[capped.id]).pack())
    await fill_in(jo)
    await jo.tap("Skip")
    await jo.tap("Send")
    assert await missions.close(bot.services.deps, acme.id, closing.id)
    left = await bot.services.repos.assignments.find(leaving.id, jo.id)
    assert left is not None
    assert await assignments.leave(bot.services.deps, jo.id, left.id)

    expected = {
        capped.id: "This mission's cap of results is reached",
        closing.id: "This mission is closed",
        leaving.id: "You are no longer active on this mission",
    }
    for mission_id, reason in expected.items():
        data = SubmitResultCb(assignment_id=ids[mission_id]).pack()
        bot.fake.user_taps(jo.id, shown.message_id, data)
        await bot.deliver()
        assert reason in jo.alerts[-1], (mission_id, jo.alerts[-1])
    assert "Name of the person" not in jo.last_text
    # None of them takes a result now: /submit says so rather than offering them.
    await jo.send("/submit")
    assert jo.last_text.startswith("You are not active on any mission that takes results.")


async def _close(bot: BotHarness, w: World) -> None:
    assert await missions.close(bot.services.deps, w.company.id, w.mission.id)


async def _leave(bot: BotHarness, w: World) -> None:
    found = await bot.services.repos.assignments.find(w.mission.id, w.prospector.id)
    assert found is not None
    assert await assignments.leave(bot.services.deps, w.prospector.id, found.id)


async def _fill_the_cap(bot: BotHarness, w: World) -> None:
    """Another prospector's result takes the mission's only place."""
    ann = await onboard_prospector(bot, "Ann", notify=False)
    assignment_id = await active_on(bot, ann, w.mission)
    details = ResultDetails(
        contact_name="Paul Langevin",
        contact_company="Radium SA",
        phone="+33698765432",
        appointment_at=None,
        notes="",
        proof=None,
    )
    submitted = await results.submit(bot.services.deps, ann.id, assignment_id, details)
    assert isinstance(submitted, results.Submitted)


@pytest.mark.parametrize(
    ("meanwhile", "refusal"),
    [
        (_close, "⛔ This mission is closed: it takes no more results."),
        (_leave, "⛔ You are no longer active on this mission: it takes no result from you."),
        (
            _fill_the_cap,
            "⛔ This mission's cap of results is reached, counting those waiting for review or "
            "still open to a dispute: it takes no more for now.",
        ),
    ],
)
async def test_refused_at_send_when_things_changed_meanwhile(
    bot: BotHarness, meanwhile: Callable[[BotHarness, World], Awaitable[None]], refusal: str
) -> None:
    w = await world(bot, pay="lead", cap="1")
    jo = w.prospector
    await jo.send("/submit")
    await fill_in(jo)
    await jo.tap("Skip")
    await meanwhile(bot, w)
    await bot.settle()  # what the change notified is delivered before the tap
    before = await results_of(bot, w.mission.id)
    await jo.tap("Send")
    assert jo.last_text == refusal
    assert await results_of(bot, w.mission.id) == before
    await jo.send("Marie")
    assert jo.last_text.startswith(NO_WIZARD), "the wizard is over"


async def test_forged_buttons_start_nothing(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    w = await world(bot, pay="lead")
    ann = await onboard_prospector(bot, "Ann", notify=False)
    jo_assignment = await bot.services.repos.assignments.find(w.mission.id, w.prospector.id)
    assert jo_assignment is not None
    await ann.send("/mymissions")
    before = len(ann.texts)
    huge = "9" * 20
    for data in (
        SubmitResultCb(assignment_id=jo_assignment.id).pack(),
        SubmitResultCb(assignment_id=999).pack(),
        "sbm:v1:abc", f"sbm:v1:{huge}", "sbm:v1:-1", "sbp:v1:x", f"sbp:v1:{huge}",
    ):  # fmt: skip
        await ann.tap_forged(data)
        assert ann.alerts[-1] == STALE, data
    assert ann.received_since(before) == []
    await w.company.tap_forged(SubmitResultCb(assignment_id=jo_assignment.id).pack())
    assert w.company.alerts[-1] == STALE
    assert await rows(bot, "SELECT id FROM results") == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_wizard_survives_a_restart(bot: BotHarness) -> None:
    w = await world(bot, pay="appointment")
    jo = w.prospector
    await jo.send("/submit")
    await jo.send("Marie Curie")
    await jo.send("Radium SA")
    await jo.send("06 12 34 56 78")
    await jo.send("2026-03-12 09:30")
    await bot.restart()
    await jo.send("Notes after restart")
    await jo.send_photo()
    assert "📅 Appointment: Mar 12, 2026, 09:30" in spaced(jo.last_text)
    await jo.tap("Send")
    [result] = await results_of(bot, w.mission.id)
    assert result["appointment_at"] == "2026-03-12T08:30:00.000000Z"
    assert result["proof_kind"] == "photo"
