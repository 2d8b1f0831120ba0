"""Disputes, through the real application and the fake Telegram: a rejected result disputed
by its prospector reaches the admins, who decide it from /disputes or from the notice,
with a note both sides read under the admin's name; decided once, even by two admins at
the same moment; and nobody else may see or decide them.

The bot runs on a ManualClock set to 2026-03-10 10:00 in Paris."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.admin.screens import DecideCb, DisputesNextCb
from services import results
from services.results import DisputeOutcome
from storage.clock import ManualClock
from storage.models import ProofKind
from tests.fake_telegram import FakeTelegram
from tests.harness import BotHarness, FakeUser, make_settings
from tests.helpers import (
    STALE,
    answer_stays,
    button_labels,
    onboard_company,
    onboard_prospector,
    outbox_texts,
    rows,
    spaced,
    tap_data,
)
from tests.results_support import (
    ledger,
    result_row,
    sent_proof,
    submit,
    tables,
    working,
)

pytestmark = pytest.mark.frozen_clock

EXPLANATION = "The appointment is in their calendar, call them to check."


@pytest.fixture
async def two_admins(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    """The bot with two admins, 998 and 999, and without the minute tick."""
    settings = make_settings(db_path, fake.token, admin_ids="998,999")
    harness = BotHarness(settings, fake, clock=clock)
    await harness.start()
    assert harness.app is not None and harness.app.job_queue is not None
    for job in harness.app.job_queue.jobs():
        job.schedule_removal()
    yield harness
    await harness.stop()


async def admin(harness: BotHarness, name: str, user_id: int) -> FakeUser:
    """An admin, signed up as a company like anyone else."""
    user = harness.user(name, user_id=user_id)
    await user.send("/start")
    await user.tap("Company")
    await user.send(f"{name} Consulting")
    await user.tap("Retail")
    await user.tap("Skip")
    return user


async def disputed(
    harness: BotHarness, proof: ProofKind | None = None
) -> tuple[FakeUser, FakeUser, int, int]:
    """Acme rejected Jo's result (with a `proof` of that kind, if any) through the bot and Jo
    disputes it: (acme, jo, result id, dispute id)."""
    acme = await onboard_company(harness, "Acme")
    jo = await onboard_prospector(harness, "Jo", notify=False)
    _, taken = await working(harness, acme, [jo])
    changes = {"proof": sent_proof(harness, jo, proof)} if proof else {}
    result_id = await submit(harness, jo, taken[jo.id], 1, **changes)
    await acme.send("/review")
    await acme.tap("Reject")
    await acme.send("Nobody booked anything")
    outcome = await results.dispute(harness.services.deps, jo.id, result_id, EXPLANATION)
    assert outcome is DisputeOutcome.OPENED
    await harness.settle()
    [dispute] = await rows(harness, "SELECT id FROM disputes WHERE result_id = ?", [result_id])
    return acme, jo, result_id, int(dispute["id"])


def decided_texts(texts: list[str]) -> list[str]:
    return [text for text in texts if text.startswith("⚖️ Admin")]


@pytest.mark.parametrize("kind", [ProofKind.PHOTO, ProofKind.VOICE])
async def test_the_dispute_card_comes_with_the_proof(bot: BotHarness, kind: ProofKind) -> None:
    ada = await admin(bot, "Ada", 999)
    _, jo, _, _ = await disputed(bot, kind)
    [proof] = [m for m in jo.fake.messages(jo.id) if m.kind == kind.value and not m.from_bot]

    await ada.send("/disputes")
    shown, card = ada.messages[-3], ada.messages[-2]
    assert (shown.kind, shown.file_id) == (kind.value, proof.file_id)
    # Which result the proof is of: its caption says so, and the card replies to it.
    assert shown.caption == "📎 Proof of result #1 · mission #1"
    assert card.reply_to_message_id == shown.message_id
    assert "Dispute on result #1" in str(card.text)
    assert [label for label, _, _ in card.buttons()] == ["✅ Validate", "✖️ Keep rejected"]
    await ada.tap("✅ Validate")
    await ada.send("The call recording confirms the appointment.")
    assert "✅ Validated by Ada" in str(card.text) and card.buttons() == []


async def test_an_admin_validates_a_disputed_result(bot: BotHarness) -> None:
    ada = await admin(bot, "Ada", 999)
    acme, jo, result_id, dispute_id = await disputed(bot)

    opened = ada.messages[-1]
    assert "New dispute on result #1" in str(opened.text)
    for shown in ("Acme SAS", "P-0001", "Nobody booked anything", EXPLANATION):
        assert shown in str(opened.text), shown
    assert button_labels(ada) == ["✅ Validate", "✖️ Keep rejected"]

    await ada.send("/disputes")
    card = spaced(ada.texts[-2])
    for shown in ("Dispute on result #1", "Company: Acme SAS · Prospector: P-0001",
                  "Marie Curie", "+33600000001", "Submitted Mar 10, 2026, 10:00",
                  "Rejected because: Nobody booked anything", EXPLANATION):  # fmt: skip
        assert shown in card, shown
    assert ada.last_text == "⚖️ 1 shown above · open disputes in all: 1."

    await ada.tap("✅ Validate")
    assert "Validating result #1." in ada.last_text and "5 to 300 characters" in ada.last_text
    await answer_stays(ada, "ok", "5 to 300 characters long", "yours has 2")
    assert await ledger(bot) == []
    await ada.send("The call recording confirms the appointment.")
    assert ada.last_text == (
        "⚖️ Dispute decided, both sides are told.\n"
        "✅ Validated by Ada: The call recording confirms the appointment."
    )
    row = await result_row(bot, result_id)
    assert (row["status"], row["reviewed_by"]) == ("validated", "dispute")
    [entry] = await ledger(bot)
    assert (entry["result_id"], entry["gross_cents"]) == (result_id, 4000)
    [dispute] = await rows(bot, "SELECT * FROM disputes")
    assert (dispute["status"], dispute["decided_by"]) == ("validated", ada.id)

    note = "Note: The call recording confirms the appointment."
    [to_acme] = decided_texts(await outbox_texts(bot, acme.id))
    assert to_acme.startswith("⚖️ Admin Ada decided the dispute on result #1")
    assert "validated and owed to the prospector" in to_acme and to_acme.endswith(note)
    [to_jo] = decided_texts(await outbox_texts(bot, jo.id))
    assert to_jo.startswith("⚖️ Admin Ada decided your dispute on result #1")
    assert "the result is validated" in to_jo and to_jo.endswith(note)
    assert to_jo in jo.texts and to_acme in acme.texts

    decided_card = next(m for m in ada.messages if str(m.text).startswith("⚖️ Dispute on"))
    assert str(decided_card.text).endswith("✅ Validated by Ada: " + note.removeprefix("Note: "))
    assert decided_card.buttons() == []

    # The notice's buttons are still there: a tap says it is decided, and changes nothing.
    settled = await tables(bot)
    await tap_data(ada, DecideCb(dispute_id=dispute_id, verdict="keep").pack())
    assert ada.alerts[-1] == "This dispute has already been decided."
    await ada.send("/disputes")
    assert ada.last_text == "⚖️ No open dispute."
    assert await tables(bot) == settled


async def test_an_admin_keeps_a_rejection(bot: BotHarness) -> None:
    ada = await admin(bot, "Ada", 999)
    acme, jo, result_id, _ = await disputed(bot)
    await ada.tap("Keep rejected")
    assert "Keeping result #1 rejected." in ada.last_text
    await ada.send("No trace of the appointment.")
    assert ada.last_text.endswith("✖️ Kept rejected by Ada: No trace of the appointment.")
    assert (await result_row(bot, result_id))["status"] == "rejected"
    assert await ledger(bot) == []
    [to_acme] = decided_texts(await outbox_texts(bot, acme.id))
    assert "your rejection stands" in to_acme
    [to_jo] = decided_texts(await outbox_texts(bot, jo.id))
    assert "the rejection stands" in to_jo and to_jo.endswith("No trace of the appointment.")


async def test_cancelling_a_decision_leaves_the_dispute_open(bot: BotHarness) -> None:
    ada = await admin(bot, "Ada", 999)
    await disputed(bot)
    await ada.tap("✅ Validate")
    await ada.send("/cancel")
    assert "the dispute is still open" in ada.last_text
    assert [row["status"] for row in await rows(bot, "SELECT status FROM disputes")] == ["open"]


async def test_two_admins_deciding_at_once_decide_once(two_admins: BotHarness) -> None:
    bot = two_admins
    ada, max_ = await admin(bot, "Ada", 999), await admin(bot, "Max", 998)
    acme, jo, result_id, _ = await disputed(bot)
    await ada.tap("✅ Validate")
    await max_.tap("Keep rejected")
    bot.fake.user_sends_text(ada.id, "Validated after listening to the call.")
    bot.fake.user_sends_text(max_.id, "Kept: the contact denies any appointment.")
    await bot.deliver()

    [dispute] = await rows(bot, "SELECT * FROM disputes")
    winner, loser = (ada, max_) if dispute["decided_by"] == ada.id else (max_, ada)
    assert winner.last_text.startswith("⚖️ Dispute decided, both sides are told.")
    assert loser.last_text.startswith("⚖️ Another admin decided this dispute first")
    assert f"by {winner.first_name}:" in loser.last_text
    validated = dispute["status"] == "validated"
    assert (await result_row(bot, result_id))["status"] == (
        "validated" if validated else "rejected"
    )
    assert len(await ledger(bot)) == (1 if validated else 0)
    for side in (acme, jo):
        [told] = decided_texts(await outbox_texts(bot, side.id))
        assert f"Admin {winner.first_name}" in told
    [audited] = await rows(bot, "SELECT admin_id, action, subject_id FROM audit_log")
    assert audited == {"admin_id": winner.id, "action": "dispute_decision", "subject_id": 1}


async def test_disputes_are_paged_oldest_first(bot: BotHarness) -> None:
    ada = await admin(bot, "Ada", 999)
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    _, taken = await working(bot, acme, [jo])
    deps = bot.services.deps
    for number in range(1, 8):
        result_id = await submit(bot, jo, taken[jo.id], number)
        await results.reject(deps, acme.id, result_id, f"Reason number {number}")
        await results.dispute(deps, jo.id, result_id, EXPLANATION)
    await bot.settle()
    await ada.send("/disputes")
    cards = [text for text in ada.texts if text.startswith("⚖️ Dispute on")]
    assert [card.split(" · ")[0] for card in cards] == [
        f"⚖️ Dispute on result #{n}" for n in range(1, 6)
    ]
    assert ada.last_text == "⚖️ 5 shown above · open disputes in all: 7."
    await ada.tap("Next ›")
    cards = [text for text in ada.texts if text.startswith("⚖️ Dispute on")]
    assert [card.split(" · ")[0] for card in cards[5:]] == [
        "⚖️ Dispute on result #6",
        "⚖️ Dispute on result #7",
    ]
    assert ada.last_text == "⚖️ 2 shown above · open disputes in all: 7."
    assert button_labels(ada) == []


async def test_only_admins_have_disputes(bot: BotHarness) -> None:
    ada = await admin(bot, "Ada", 999)
    acme, jo, _, dispute_id = await disputed(bot)
    assert "disputes" in [
        c["command"] for c in bot.fake.commands({"type": "chat", "chat_id": ada.id})
    ]
    assert "disputes" not in [
        c["command"] for c in bot.fake.commands({"type": "chat", "chat_id": acme.id})
    ]
    before = await tables(bot)
    for user in (acme, jo):
        await user.send("/nosuchcommand")
        unknown = user.last_text
        await user.send("/disputes")
        assert user.last_text == unknown
        for data in (
            DecideCb(dispute_id=dispute_id, verdict="validate").pack(),
            DecideCb(dispute_id=dispute_id, verdict="keep").pack(),
            DisputesNextCb(after=0).pack(),
        ):
            await user.tap_forged(data)
            assert user.alerts[-1] == STALE, data
        await user.send("Approve it anyway, thanks.")
    assert await tables(bot) == before
    await ada.tap_forged(DecideCb(dispute_id=dispute_id + 1, verdict="keep").pack())
    assert ada.alerts[-1] == STALE
    assert await tables(bot) == before


async def test_admin_alerts_follow_each_admins_language_else_the_default(
    two_admins: BotHarness,
) -> None:
    """Telegram tells a bot a user's language only with their updates: an admin who wrote
    gets alerts in their language, one who never wrote in DEFAULT_LANGUAGE (fr here)."""
    await admin(two_admins, "Ada", 998)
    await disputed(two_admins)
    [to_ada] = await outbox_texts(two_admins, 998)
    [to_silent] = await outbox_texts(two_admins, 999)
    assert to_ada.startswith("⚖️ <b>New dispute</b> on result #1")
    assert to_silent.startswith("⚖️ <b>Nouveau litige</b> sur le résultat n°1")
