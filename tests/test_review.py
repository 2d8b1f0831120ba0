"""The company's review of results, through the real application and the fake Telegram:
/review and its cards, validating one, all those shown, rejecting with a reason; the proof
relayed with the new result's notice and with its card; the mission card's counts; the cap
and completion; forged and stale buttons.

The bot runs on a ManualClock set to 2026-03-10 10:00 in Paris."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.kit.callbacks import ReviewCb
from handlers.review.screens import RejectCb, ReviewNextCb, ValidateCb, ValidateShownCb
from services import results
from services.results import Refused, SubmitRefusal
from storage.models import ProofKind
from tests.fake_telegram import FakeMessage
from tests.harness import BotHarness, FakeUser
from tests.helpers import (
    STALE,
    answer_stays,
    button_labels,
    mission_row,
    onboard_company,
    onboard_prospector,
    outbox_texts,
    rows,
    spaced,
    tap_data,
)
from tests.results_support import (
    details,
    ledger,
    outbox_count,
    result_row,
    sent_proof,
    submit,
    tables,
    working,
)

pytestmark = pytest.mark.frozen_clock

# 14:30 in Paris on 12 March.
APPOINTMENT = datetime(2026, 3, 12, 13, 30, tzinfo=UTC)


def card_message(user: FakeUser, result_id: int, marker: str = "Result #") -> FakeMessage:
    """The result's card (its first line names it) as the user's chat shows it now."""
    for message in reversed(user.messages):
        first_line = (message.text or message.caption or "").split("\n")[0]
        if first_line.startswith(f"📥 {marker}{result_id} ·"):
            return message
    raise AssertionError(f"no card of result {result_id}: {user.texts}")


def card_of(user: FakeUser, result_id: int, marker: str = "Result #") -> str:
    message = card_message(user, result_id, marker)
    return spaced(message.text or message.caption or "")


def buttons_of_card(user: FakeUser, result_id: int, marker: str = "Result #") -> list[str]:
    return [label for label, _, _ in card_message(user, result_id, marker).buttons()]


# --- reviewing one result ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            {
                "result": "Result #",
                "review": "📥 Review",
                "appointment": "Appointment: Mar 12, 2026, 14:30",
                "submitted": "Submitted Mar 10, 2026, 10:00",
                "validated": "✅ Validated — €40.00",
                "counts": "to review: 0 · validated: 1 (€40.00) · rejected: 0",
                "new": "New result #1 on mission #1",
            },
        ),
        (
            "fr",
            {
                "result": "Résultat n°",
                "review": "📥 Examiner",
                "appointment": "Rendez-vous : 12 mars 2026, 14:30",
                "submitted": "Envoyé le 10 mars 2026, 10:00",
                "validated": "✅ Validé — 40,00 €",
                "counts": "à examiner : 0 · validés : 1 (40,00 €) · refusés : 0",
                "new": "Nouveau résultat n°1 sur la mission n°1",
            },
        ),
    ],
)
async def test_review_and_validate_end_to_end(
    bot: BotHarness, language: str, words: dict[str, str]
) -> None:
    acme = await onboard_company(bot, "Acme", language)
    jo = await onboard_prospector(bot, "Jo", language, notify=False)
    mission, taken = await working(bot, acme, [jo], language=language)
    notes = "Call back Tuesday & bring <docs>"
    result_id = await submit(bot, jo, taken[jo.id], 1, appointment_at=APPOINTMENT, notes=notes)
    assert words["new"] in acme.last_text and "P-0001" in acme.last_text
    jo_told = await outbox_count(bot, jo.id)

    await acme.tap(words["review"])
    card = card_of(acme, result_id, words["result"])
    for shown in (
        f"mission #{mission.id}" if language == "en" else f"mission n°{mission.id}",
        "Book meetings with SaaS vendors",
        "P-0001",
        "Marie Curie",
        "Radium SA",
        "+33600000001",
        words["appointment"],
        notes,
        words["submitted"],
    ):
        assert shown in card, shown
    assert "Jo" not in card.replace("P-0001", ""), "never the prospector's Telegram name"

    await tap_data(acme, ValidateCb(result_id=result_id).pack())
    card = card_of(acme, result_id, words["result"])
    assert card.endswith(words["validated"])
    assert buttons_of_card(acme, result_id, words["result"]) == []
    assert (await result_row(bot, result_id))["status"] == "validated"
    [entry] = await ledger(bot)
    assert (entry["result_id"], entry["company_id"], entry["prospector_id"]) == (
        result_id,
        acme.id,
        jo.id,
    )
    assert (entry["gross_cents"], entry["fee_cents"], entry["net_cents"]) == (4000, 0, 4000)
    assert await outbox_count(bot, jo.id) == jo_told + 1, "the prospector is told, once"

    # A second tap on the same button (a stale card) changes nothing.
    settled = await tables(bot)
    await acme.tap_forged(ValidateCb(result_id=result_id).pack())
    assert await tables(bot) == settled

    await acme.send("/missions")
    await acme.tap(f"{mission.id} · ")
    assert words["counts"] in spaced(acme.last_text)


async def test_nothing_to_review_and_the_card_button(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    mission, taken = await working(bot, acme, [jo])
    await acme.send("/review")
    assert acme.last_text == "✅ Nothing to review: no result is waiting."
    await acme.send("/missions")
    await acme.tap(f"{mission.id} · ")
    assert not any("Results to review" in label for label in button_labels(acme))

    first = await submit(bot, jo, taken[jo.id], 1)
    await submit(bot, jo, taken[jo.id], 2)
    await acme.send("/missions")
    await acme.tap(f"{mission.id} · ")
    assert "to review: 2 · validated: 0 (€0.00) · rejected: 0" in spaced(acme.last_text)
    await acme.tap("📥 Results to review (2)")
    assert "2 results shown above · 2 waiting for review in all." in acme.last_text
    assert card_of(acme, first)
    await acme.tap("‹ Mission")
    assert "Mission #1" in acme.last_text


# --- rejecting ----------------------------------------------------------------------------------


async def test_reject_asks_a_valid_reason_then_tells_the_prospector(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    _, taken = await working(bot, acme, [jo])
    result_id = await submit(bot, jo, taken[jo.id], 1)
    jo_told = await outbox_count(bot, jo.id)
    await acme.send("/review")
    await tap_data(acme, RejectCb(result_id=result_id).pack())
    assert "Rejecting result #1" in acme.last_text and "5 to 300 characters" in acme.last_text

    await answer_stays(acme, "no", "5 to 300 characters long", "yours has 2")
    await answer_stays(acme, "x" * 301, "5 to 300 characters long", "yours has 301")
    assert (await result_row(bot, result_id))["status"] == "pending"
    await acme.send("Wrong number <again>")
    assert acme.texts[-1] == "✖️ Result #1 rejected. The prospector is told and may dispute it."
    row = await result_row(bot, result_id)
    assert (row["status"], row["reason"]) == ("rejected", "Wrong number <again>")
    assert row["dispute_due_at"] is not None
    assert card_of(acme, result_id).endswith("✖️ Rejected: Wrong number <again>")
    assert buttons_of_card(acme, result_id) == []
    assert await ledger(bot) == []
    assert await outbox_count(bot, jo.id) == jo_told + 1

    # Rejecting again (a stale card) asks nothing and changes nothing.
    settled = await tables(bot)
    await acme.tap_forged(RejectCb(result_id=result_id).pack())
    assert acme.alerts[-1] == STALE
    assert await tables(bot) == settled


async def test_cancelling_a_rejection_keeps_the_result_waiting(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    _, taken = await working(bot, acme, [jo])
    result_id = await submit(bot, jo, taken[jo.id], 1)
    await acme.send("/review")
    await tap_data(acme, RejectCb(result_id=result_id).pack())
    await acme.send("/cancel")
    assert "nothing was changed" in acme.last_text
    assert (await result_row(bot, result_id))["status"] == "pending"
    # The card still offers both answers, and Validate works.
    await tap_data(acme, ValidateCb(result_id=result_id).pack())
    assert (await result_row(bot, result_id))["status"] == "validated"


async def test_a_result_decided_while_its_reason_is_typed_is_not_rejected(
    bot: BotHarness,
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    _, taken = await working(bot, acme, [jo])
    result_id = await submit(bot, jo, taken[jo.id], 1)
    await acme.send("/review")
    await tap_data(acme, RejectCb(result_id=result_id).pack())
    await tap_data(acme, ValidateCb(result_id=result_id).pack())
    await acme.send("Not a real appointment")
    assert "already decided meanwhile" in acme.last_text
    assert (await result_row(bot, result_id))["status"] == "validated"
    assert len(await ledger(bot)) == 1


# --- validating a page --------------------------------------------------------------------------


async def test_validate_all_shown_validates_exactly_the_shown_ones(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo, ann = [await onboard_prospector(bot, name, notify=False) for name in ("Jo", "Ann")]
    mission, taken = await working(bot, acme, [jo, ann])
    ids = [await submit(bot, jo, taken[jo.id], n) for n in range(1, 5)]
    ids += [await submit(bot, ann, taken[ann.id], n) for n in range(5, 8)]

    await acme.send("/review")
    shown = ids[:5]
    assert all(card_of(acme, result_id) for result_id in shown)
    assert "5 results shown above · 7 waiting for review in all." in acme.last_text
    assert button_labels(acme) == ["✅ Validate all shown (5)", "Next ›", "📋 My missions"]
    # One of the page is rejected by its own button first, and a new result arrives.
    await tap_data(acme, RejectCb(result_id=shown[0]).pack())
    await acme.send("Duplicate of an earlier call")
    late = await submit(bot, ann, taken[ann.id], 8)

    await acme.tap("Validate all shown")
    statuses = {r["id"]: r["status"] for r in await rows(bot, "SELECT id, status FROM results")}
    assert statuses == {
        shown[0]: "rejected",
        **{result_id: "validated" for result_id in shown[1:]},
        ids[5]: "pending",
        ids[6]: "pending",
        late: "pending",
    }
    assert sorted(entry["result_id"] for entry in await ledger(bot)) == shown[1:]
    # The page's footer says so in place, and still leads on.
    footer = next(m for m in reversed(acme.messages) if "validated." in str(m.text))
    assert footer.text == "✅ 4 results validated. Each prospector is told."
    assert [label for label, _, _ in footer.buttons()] == ["Next ›", "📋 My missions"]
    for result_id in shown[1:]:
        assert card_of(acme, result_id).endswith("✅ Validated — €40.00")
        assert buttons_of_card(acme, result_id) == []
    assert card_of(acme, shown[0]).endswith("✖️ Rejected: Duplicate of an earlier call")

    # The same button again validates nothing more.
    settled = await tables(bot)
    packed = ValidateShownCb(mission_id=0, ids="-".join(map(str, shown))).pack()
    await acme.tap_forged(packed)
    assert acme.alerts[-1] == STALE
    assert await tables(bot) == settled

    await acme.tap("Next ›")
    assert "3 results shown above · 3 waiting for review in all." in acme.last_text
    assert all(card_of(acme, result_id) for result_id in (ids[5], ids[6], late))
    assert button_labels(acme) == ["✅ Validate all shown (3)", "📋 My missions"]
    assert (await mission_row(bot, mission.id))["status"] == "open"


# --- proofs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [ProofKind.PHOTO, ProofKind.DOCUMENT, ProofKind.VOICE])
async def test_the_proof_is_relayed_with_the_notice_and_the_card(
    bot: BotHarness, kind: ProofKind
) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    _, taken = await working(bot, acme, [jo])
    proof = sent_proof(bot, jo, kind)
    result_id = await submit(bot, jo, taken[jo.id], 1, proof=proof)

    [queued] = await rows(
        bot, "SELECT method, params FROM outbox WHERE chat_id = ? ORDER BY id DESC LIMIT 1",
        [acme.id],
    )  # fmt: skip
    assert queued["method"] == f"send_{kind.value}"
    notice = acme.messages[-1]
    assert (notice.kind, notice.file_id) == (kind.value, proof.file_id)
    assert "New result #1" in str(notice.caption)
    assert [label for label, _, _ in notice.buttons()] == ["📥 Review"]

    await acme.send("/review")
    card = acme.messages[-2]
    assert (card.kind, card.file_id) == (kind.value, proof.file_id)
    assert "Marie Curie" in str(card.caption)
    await tap_data(acme, ValidateCb(result_id=result_id).pack())
    assert str(acme.messages[-2].caption).endswith("✅ Validated — €40.00")


async def test_a_card_too_long_for_a_caption_follows_its_proof(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    _, taken = await working(bot, acme, [jo])
    proof = sent_proof(bot, jo, ProofKind.PHOTO)
    notes = "Long call. " * 90
    result_id = await submit(bot, jo, taken[jo.id], 1, proof=proof, notes=notes.strip())
    await acme.send("/review")
    media, card = acme.messages[-3], acme.messages[-2]
    proved = f"📎 Proof of result #{result_id} · mission #1"
    assert (media.kind, media.caption, media.buttons()) == ("photo", proved, [])
    assert card.kind == "text" and "Long call." in str(card.text)
    assert card.reply_to_message_id == media.message_id
    await tap_data(acme, RejectCb(result_id=result_id).pack())
    await acme.send("No appointment was booked")
    assert card_of(acme, result_id).endswith("✖️ Rejected: No appointment was booked")


async def test_a_caption_card_decided_keeps_within_the_caption_limit(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    _, taken = await working(bot, acme, [jo])
    proof = sent_proof(bot, jo, ProofKind.PHOTO)
    result_id = await submit(bot, jo, taken[jo.id], 1, proof=proof, notes="n" * 800)
    await acme.send("/review")
    assert acme.messages[-2].kind == "photo" and acme.messages[-2].buttons()
    await tap_data(acme, RejectCb(result_id=result_id).pack())
    reason = "r" * 300
    await acme.send(reason)
    caption = str(acme.messages[-4].caption)
    assert caption.endswith(f"✖️ Rejected: {reason}") and len(caption) <= 1024
    assert "n" * 100 in caption and "…" in caption


# --- the cap and completion ---------------------------------------------------------------------


async def test_the_cap_completes_the_mission_and_tells_everyone(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo, ann = [await onboard_prospector(bot, name, notify=False) for name in ("Jo", "Ann")]
    mission, taken = await working(bot, acme, [jo, ann], cap="2")
    await submit(bot, jo, taken[jo.id], 1)
    await submit(bot, ann, taken[ann.id], 2)
    await acme.send("/review")
    await acme.tap("Validate all shown")

    row = await mission_row(bot, mission.id)
    assert (row["status"], row["closed_reason"]) == ("completed", "cap")
    completed = (
        "🏁 Mission #1 “Book meetings with SaaS vendors” reached its cap of validated "
        "results (2): it is completed. Thank you for your work!"
    )
    for prospector in (jo, ann):
        assert (await outbox_texts(bot, prospector.id)).count(completed) == 1
        assert completed in prospector.texts
    company_told = [t for t in await outbox_texts(bot, acme.id) if "reached its cap" in t]
    assert company_told == [
        "🏁 Your mission #1 “Book meetings with SaaS vendors” reached its cap of validated "
        "results (2): it is completed and its prospectors are told."
    ]
    assert len(await ledger(bot)) == 2

    third = await results.submit(bot.services.deps, jo.id, taken[jo.id], details("+33600000009"))
    assert third == Refused(SubmitRefusal.CAP_REACHED)
    await acme.tap("Open the mission")
    assert "🏁 completed" in acme.last_text
    assert button_labels(acme) == ["👥 Active", "‹ List"]


# --- who may act --------------------------------------------------------------------------------


async def test_forged_and_foreign_buttons_change_nothing(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    rival = await onboard_company(bot, "Rival")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    mission, taken = await working(bot, acme, [jo])
    result_id = await submit(bot, jo, taken[jo.id], 1)
    other = await submit(bot, jo, taken[jo.id], 2)
    before = await tables(bot)

    foreign = [
        ValidateCb(result_id=result_id).pack(),
        RejectCb(result_id=result_id).pack(),
        ValidateShownCb(mission_id=0, ids=f"{result_id}-{other}").pack(),
        ValidateShownCb(mission_id=mission.id, ids=str(other)).pack(),
        ReviewCb(mission_id=mission.id).pack(),
        ReviewNextCb(mission_id=mission.id, after=0).pack(),
    ]
    for data in foreign:
        await rival.tap_forged(data)
        assert rival.alerts[-1] == STALE, data
        await jo.tap_forged(data)
        assert jo.alerts[-1] == STALE, data
    for data in ("rvy:v1:abc", f"rvy:v1:{'9' * 20}", "rva:v1:0:1-2-3-4-5-6", "rva:v1:0:1;2"):
        await acme.tap_forged(data)
        assert acme.alerts[-1] == STALE, data
    await jo.send("/review")
    assert jo.last_text == "This command is for companies."
    await rival.send("/review")
    assert rival.last_text == "✅ Nothing to review: no result is waiting."
    assert await tables(bot) == before
