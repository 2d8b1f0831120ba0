"""Disputing a rejection, the prospector's side: the rejection notice with its reason, its
deadline and *Dispute*; the explanation; a dispute opened once, only within the window, only
by the prospector who submitted the result.

The bot runs on a ManualClock set to 2026-03-10 10:00 in Paris; the company's review is
played by calling the rules directly."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from handlers.results.screens import DisputeCb
from services import results
from storage.clock import ManualClock
from tests.harness import BotHarness, FakeUser
from tests.helpers import STALE, answer_stays, onboard_prospector, rows, spaced
from tests.results_helpers import World, active_on, submit, world

pytestmark = pytest.mark.frozen_clock

REASON = "Wrong person: the contact left the company"
EXPLANATION = "She still works there: her new title is on the company's website."


async def rejected(bot: BotHarness, language: str = "en") -> World:
    """A result submitted by Jo, then rejected by Acme; the admin (999) has a chat."""
    admin = bot.user("Admin", language="en", user_id=999)
    await admin.send("/start")
    w = await world(bot, language, pay="lead")
    await submit(w.prospector, language)
    deps = bot.services.deps
    assert await results.reject(deps, w.company.id, 1, REASON) is results.ReviewOutcome.REJECTED
    await bot.settle()
    return w


async def disputes(bot: BotHarness) -> list[dict[str, object]]:
    return await rows(bot, "SELECT result_id, explanation, status FROM disputes ORDER BY id")


async def test_a_rejection_is_disputed_with_an_explanation(bot: BotHarness) -> None:
    w = await rejected(bot)
    jo = w.prospector
    # Rejected at 10:00 in Paris on 10 March: disputable for 72 hours.
    assert spaced(jo.last_text) == (
        "✖️ Result #1 on mission #1 “Book meetings with SaaS vendors” was rejected.\n"
        f"Reason: {REASON}\nYou can dispute it until Mar 13, 2026, 10:00."
    )
    await jo.tap("Dispute")
    assert (
        "Dispute of result #1" in jo.last_text and f"The company's reason: {REASON}" in jo.last_text
    )
    assert "Explain why the result should be validated" in jo.last_text
    await answer_stays(jo, "It's fine", "10 to 1000 characters", "yours has 9")
    await answer_stays(jo, "x" * 1001, "yours has 1001")
    assert await disputes(bot) == []
    await jo.send(EXPLANATION)
    assert (
        jo.last_text == "⚖️ Dispute of result #1 sent. An admin will decide, and you will be told."
    )
    assert await disputes(bot) == [{"result_id": 1, "explanation": EXPLANATION, "status": "open"}]
    admin_rows = await rows(bot, "SELECT id FROM outbox WHERE chat_id = 999")
    assert len(admin_rows) == 1, "the admins are told"

    await jo.tap("Dispute")
    assert jo.alerts[-1] == "This result is already disputed."
    assert len(await disputes(bot)) == 1


async def test_the_rejection_and_the_dispute_in_french(bot: BotHarness) -> None:
    w = await rejected(bot, "fr")
    jo = w.prospector
    assert "Le résultat n°1 de la mission n°1" in jo.last_text
    assert "Vous pouvez le contester jusqu'au 13 mars 2026, 10:00." in jo.last_text
    await jo.tap("Contester")
    assert "Motif de l'entreprise" in jo.last_text
    await answer_stays(jo, "Non.", "10 à 1000 caractères", "la vôtre en a 4")
    await jo.send("Elle travaille toujours là-bas, voyez son profil.")
    assert jo.last_text.startswith("⚖️ Contestation du résultat n°1 envoyée.")
    assert len(await disputes(bot)) == 1


async def test_no_dispute_once_the_window_is_over(bot: BotHarness, clock: ManualClock) -> None:
    w = await rejected(bot)
    jo = w.prospector
    clock.advance(timedelta(hours=bot.settings.dispute_window_hours, seconds=1))
    await jo.tap("Dispute")
    assert jo.alerts[-1] == "⌛ The time to dispute this result is over."
    assert "Explain why" not in jo.last_text
    assert await disputes(bot) == []


async def test_a_window_closing_while_typing_refuses_the_dispute(
    bot: BotHarness, clock: ManualClock
) -> None:
    w = await rejected(bot)
    jo = w.prospector
    clock.advance(timedelta(hours=71, minutes=59))
    await jo.tap("Dispute")
    assert "Explain why" in jo.last_text
    clock.advance(timedelta(minutes=2))
    await jo.send(EXPLANATION)
    assert jo.last_text == "⌛ The time to dispute this result is over."
    assert await disputes(bot) == []


async def test_cancel_drops_the_dispute(bot: BotHarness) -> None:
    w = await rejected(bot)
    jo = w.prospector
    await jo.tap("Dispute")
    await jo.send("/cancel")
    assert jo.last_text == "Dispute dropped, nothing was sent."
    await jo.tap("Dispute")
    await jo.send(EXPLANATION)
    assert len(await disputes(bot)) == 1


async def test_forged_dispute_buttons_change_nothing(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    w = await rejected(bot)
    ann: FakeUser = await onboard_prospector(bot, "Ann", notify=False)
    await active_on(bot, ann, w.mission)
    await submit(ann, phone="06 98 76 54 32")
    huge = "9" * 20
    for user, data in (
        (ann, DisputeCb(result_id=1).pack()),
        (w.company, DisputeCb(result_id=1).pack()),
        # Ann's own result is pending: there is nothing to dispute.
        (ann, DisputeCb(result_id=2).pack()),
        (ann, DisputeCb(result_id=404).pack()),
        (ann, "rdp:v1:abc"),
        (ann, f"rdp:v1:{huge}"),
    ):
        before = len(user.texts)
        await user.tap_forged(data)
        assert user.alerts[-1] == STALE, data
        assert user.received_since(before) == []
    assert await disputes(bot) == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
