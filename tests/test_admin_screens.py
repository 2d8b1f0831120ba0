"""Admins' screens as pure functions of models and a translator, in French and English: a
broadcast's progress message and its report count the same things with the same words."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.kit.i18n import Catalogs, Translator
from handlers.admin import broadcast_screens
from services import notices
from services.broadcasts import Progress
from storage.models import Broadcast, BroadcastStatus, CampaignProgress, CampaignStatus

CATALOGS = Catalogs("fr", zone=ZoneInfo("Europe/Paris"))
STARTED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def tr(language: str) -> Translator:
    return CATALOGS[language]


def broadcast() -> Broadcast:
    return Broadcast(
        id=4,
        campaign_id=1,
        admin_id=999,
        audience="companies",
        source_chat_id=999,
        source_message_id=10,
        paid=False,
        recipients=5,
        status=BroadcastStatus.SENDING,
        progress_message_id=11,
        progress_at=STARTED,
        started_at=STARTED,
        ended_at=None,
        sent=None,
        blocked=None,
        failed=None,
    )


@pytest.mark.parametrize(
    ("language", "label"), [("en", "📵 Blocked the bot: 2"), ("fr", "📵 Ont bloqué le bot : 2")]
)
def test_broadcast_progress_and_report_name_blocked_users_alike(language: str, label: str) -> None:
    t = tr(language)
    delivery = CampaignProgress(
        status=CampaignStatus.DONE, queued=5, pending=1, sent=1, blocked=2, failed=1
    )
    shown = [
        broadcast_screens.progress(t, Progress(broadcast(), delivery), 25),
        broadcast_screens.finished_notice(
            notices.BroadcastFinished(broadcast_id=4, sent=3, blocked=2, failed=0), t
        ).params["text"],
    ]
    for text in shown:
        assert label in text


@pytest.mark.parametrize(
    ("language", "over"),
    [("en", "finished — the report follows."), ("fr", "terminée — le bilan suit.")],
)
def test_a_finished_broadcast_gives_its_figures_once(language: str, over: str) -> None:
    """The progress message says it is over; the report after it (which notifies) has the
    figures: the admin does not read the same counters twice."""
    text = broadcast_screens.finished(tr(language), broadcast())
    assert text.endswith(over) and ":" not in text.split("—")[-1]


@pytest.mark.parametrize(
    ("language", "count", "who"),
    [
        ("fr", "recevront 3 destinataires (admins non compris)", "Les admins, les utilisateurs"),
        ("en", "3 recipients will receive (admins not included)", "Admins, banned users"),
    ],
)
def test_a_broadcast_says_admins_are_not_in_its_audience(
    language: str, count: str, who: str
) -> None:
    t = tr(language)
    text, _ = broadcast_screens.preview(t, "everyone", 10, 3, 25, paid=False)
    assert count in text
    assert who in t("broadcast.ask_audience")
