"""Empty states reached by command offer a way on: /review with nothing waiting leads to the
company's missions (or back to the mission it was asked for), /payouts with no statement to
review the results statements come from, /earnings with nothing yet to the prospector's
missions. Pure screens in French and English, then the taps through the harness."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from telegram import InlineKeyboardMarkup

from bot.kit.callbacks import MissionCardCb, MissionListCb, ReviewCb
from bot.kit.i18n import Catalogs, Translator
from handlers.payouts import screens as payouts
from handlers.results import screens as results
from handlers.review import screens as review
from tests.harness import BotHarness
from tests.helpers import button_labels, onboard_company, onboard_prospector

CATALOGS = Catalogs("fr", zone=ZoneInfo("Europe/Paris"))
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def tr(language: str) -> Translator:
    return CATALOGS[language]


def buttons(markup: InlineKeyboardMarkup | None) -> list[tuple[str, str]]:
    rows = markup.inline_keyboard if markup else ()
    return [(key.text, str(key.callback_data)) for row in rows for key in row]


@pytest.mark.parametrize(
    ("language", "missions", "mission"),
    [("en", "📋 My missions", "‹ Mission"), ("fr", "📋 Mes missions", "‹ Mission")],
)
def test_nothing_to_review_leads_back(language: str, missions: str, mission: str) -> None:
    t = tr(language)
    assert buttons(review.nothing_to_review(t, 0)[1]) == [(missions, MissionListCb().pack())]
    back = buttons(review.nothing_to_review(t, 12)[1])
    assert back == [(mission, MissionCardCb(mission_id=12).pack())]


@pytest.mark.parametrize(
    ("language", "label"), [("en", "📥 Review results"), ("fr", "📥 Résultats reçus")]
)
def test_no_statement_leads_to_the_review(language: str, label: str) -> None:
    text, markup = payouts.payouts(tr(language), [], {}, NOW, 0)
    assert "🧾" in text
    assert buttons(markup) == [(label, ReviewCb().pack())]


@pytest.mark.parametrize(("language", "label"), [("en", "‹ My missions"), ("fr", "‹ Mes missions")])
def test_no_earnings_leads_to_my_missions(language: str, label: str) -> None:
    _, markup = results.earnings(tr(language), [], {}, 0)
    assert [text for text, _ in buttons(markup)] == [label]


async def test_empty_review_and_payouts_lead_on(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    await acme.send("/payouts")
    assert "No statement to pay" in acme.last_text
    await acme.tap("Review results")
    assert acme.last_text == "✅ Nothing to review: no result is waiting."
    assert button_labels(acme) == ["📋 My missions"]
    await acme.tap("My missions")
    assert acme.last_text == "You have not posted any mission yet: /newmission to start."

    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send("/earnings")
    await jo.tap("My missions")
    assert jo.last_text == "No current mission: /browse to find one."
