"""Screens are pure functions of models and a translator: checked here in French and
English without any Telegram, fake or real."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from telegram import InlineKeyboardMarkup

from bot.kit.callbacks import (
    ApproveCb,
    BrowsePageCb,
    DeclineCb,
    DetailsCb,
    MissionCardCb,
    ThreadOfferCb,
    ThreadOpenCb,
    ThreadReplyCb,
)
from bot.kit.i18n import Catalogs, Translator
from handlers.browse import screens as browse
from handlers.missions import screens as missions
from handlers.threads import screens as threads
from services import notices
from services import threads as thread_rules
from storage.models import (
    Approval,
    Assignment,
    AssignmentStatus,
    BrowseFilters,
    MessageKind,
    Mission,
    MissionStatus,
    MissionSummary,
    Offer,
    OfferStatus,
    PayModel,
    ProspectorProfile,
    ResultCounts,
    Target,
    Thread,
    ThreadMessage,
    ThreadSummary,
)

CATALOGS = Catalogs("fr")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def tr(language: str) -> Translator:
    return CATALOGS[language]


def mission(**changes: object) -> Mission:
    values: dict[str, object] = {
        "id": 12,
        "company_id": 1,
        "title": "Call <SaaS> & co",
        "brief": "Call IT managers of SaaS vendors and book demos.",
        "pay_model": PayModel.APPOINTMENT,
        "rate_cents": 1250,
        "slots": 3,
        "result_cap": None,
        "deadline": date(2026, 4, 30),
        "target": Target.B2B,
        "approval": Approval.MANUAL,
        "status": MissionStatus.OPEN,
        "active_count": 1,
        "published_at": NOW,
        "closed_reason": None,
    }
    values.update(changes)
    return Mission.model_validate(values)


PROFILE = ProspectorProfile(
    user_id=7,
    number=42,
    display_name="Jo",
    languages=("fr",),
    specialties=("b2b", "appointments"),
    experience_years=1,
    bio="",
    notify_new_missions=True,
)


def labels(markup: InlineKeyboardMarkup | None) -> list[str]:
    return [key.text for row in (markup.inline_keyboard if markup else ()) for key in row]


def data(markup: InlineKeyboardMarkup | None) -> list[str]:
    return [
        str(key.callback_data) for row in (markup.inline_keyboard if markup else ()) for key in row
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["🙋 Candidatures", "⏸ Pause", "‹ Liste"]),
        ("en", ["🙋 Applicants", "⏸ Pause", "‹ List"]),
    ],
)
def test_the_card_of_an_open_mission_offers_its_actions(language: str, expected: list[str]) -> None:
    text, markup = missions.card(tr(language), mission(), 2, ResultCounts())
    assert "Call &lt;SaaS&gt; &amp; co" in text, "user text is escaped"
    assert all(label in labels(markup) for label in expected)
    assert MissionCardCb(mission_id=12).pack() not in data(markup)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_closed_mission_card_offers_no_change(language: str) -> None:
    _, markup = missions.card(tr(language), mission(status=MissionStatus.CLOSED), 0, ResultCounts())
    t = tr(language)
    assert t.plain("button.pause") not in labels(markup)
    assert t.plain("button.edit") not in labels(markup)
    assert t.plain("button.active") in labels(markup)


@pytest.mark.parametrize(("language", "unit"), [("fr", "1 an"), ("en", "1 year")])
def test_applicants_carry_approve_and_decline(language: str, unit: str) -> None:
    assignment = Assignment(
        id=5, mission_id=12, prospector_id=7, status=AssignmentStatus.APPLIED,
        agreed_rate_cents=1000,
    )  # fmt: skip
    text, markup = missions.people(
        tr(language), mission(), AssignmentStatus.APPLIED, [(assignment, PROFILE)], 0, 1
    )
    assert "P-0042" in text and unit in text
    assert ApproveCb(assignment_id=5).pack() in data(markup)
    assert DeclineCb(assignment_id=5).pack() in data(markup)


@pytest.mark.parametrize(("language", "word"), [("fr", "Vos missions"), ("en", "Your missions")])
def test_the_missions_list_pages(language: str, word: str) -> None:
    summaries = [MissionSummary(mission=mission(id=i), applicants=0) for i in (9, 8, 7, 6, 5)]
    text, markup = missions.mission_list(tr(language), summaries, page=0, total=7)
    assert word in text and "1/2" in text
    assert tr(language).plain("button.next") in labels(markup)
    assert tr(language).plain("button.previous") not in labels(markup)


@pytest.mark.parametrize(("language", "money"), [("fr", "12,50\u00a0€"), ("en", "€12.50")])
def test_a_new_mission_alert_in_each_language(language: str, money: str) -> None:
    alert = notices.NewMissionAlert(
        mission_id=12, title="Call <SaaS>", rate_cents=1250, pay_model=PayModel.LEAD
    )
    outbound = missions.alert_notice(alert, tr(language))
    assert money in outbound.params["text"] and "&lt;SaaS&gt;" in outbound.params["text"]
    assert data(outbound.markup) == [DetailsCb(mission_id=12).pack()]


@pytest.mark.parametrize(("language", "number"), [("fr", "n°"), ("en", "#")])
def test_browse_page_lists_missions_with_their_details_buttons(language: str, number: str) -> None:
    found = [mission(id=3), mission(id=2)]
    text, markup = browse.browse_page(tr(language), found, 0, False, BrowseFilters())
    assert f"{number}3" in text and f"{number}2" in text
    assert data(markup)[:2] == [DetailsCb(mission_id=3).pack(), DetailsCb(mission_id=2).pack()]
    empty, _ = browse.browse_page(tr(language), [], 0, False, BrowseFilters(target=Target.B2C))
    assert empty == tr(language)("browse.empty", page=1, filters=browse.filters_summary(
        tr(language), BrowseFilters(target=Target.B2C)), rows="")  # fmt: skip


@pytest.mark.parametrize("language", ["fr", "en"])
def test_details_offer_only_what_can_succeed(language: str) -> None:
    t = tr(language)
    accept = t.plain("button.accept")
    _, fresh = browse.details(t, mission(), "Acme", None, None, BrowsePageCb())
    assert accept in labels(fresh)
    declined = Assignment(
        id=1, mission_id=12, prospector_id=7, status=AssignmentStatus.DECLINED,
        agreed_rate_cents=None,
    )  # fmt: skip
    _, refused = browse.details(t, mission(), "Acme", declined, None, BrowsePageCb())
    assert accept not in labels(refused) and t.plain("button.propose") not in labels(refused)
    _, paused = browse.details(t, mission(status=MissionStatus.PAUSED), "Acme", None, None, None)
    assert labels(paused) == [t.plain("button.home_browse")]
    active = declined.model_copy(update={"status": AssignmentStatus.ACTIVE})
    _, mine = browse.details(t, mission(), "Acme", active, 4, BrowsePageCb())
    assert ThreadOpenCb(thread_id=4, mission_id=12).pack() in data(mine)
    assert t.plain("button.leave") in labels(mine)


@pytest.mark.parametrize(("language", "other"), [("fr", "Acme"), ("en", "P-0042")])
def test_a_relayed_message_carries_its_thread_header_and_buttons(language: str, other: str) -> None:
    notice = notices.MessageRelayed(
        thread_id=4, mission_id=12, other=other, kind=MessageKind.TEXT,
        body="a" * thread_rules.TEXT_PART, file_id=None, can_offer=True,
    )  # fmt: skip
    outbound = threads.relayed(notice, tr(language))
    text = outbound.params["text"]
    assert text.startswith("💬 ") and other in text and len(text) <= 4096
    assert ThreadReplyCb(thread_id=4).pack() in data(outbound.markup)
    assert ThreadOfferCb(thread_id=4).pack() in data(outbound.markup)
    photo = notice.model_copy(update={"kind": MessageKind.PHOTO, "file_id": "F", "body": "hi"})
    sent = threads.relayed(photo, tr(language))
    assert sent.method == "send_photo" and sent.params["photo"] == "F"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_thread_list_and_history(language: str) -> None:
    t = tr(language)
    thread = Thread(id=4, mission_id=12, prospector_id=7, company_id=1)
    summary = ThreadSummary(
        thread=thread, mission_title="X", prospector_number=42, company_name="Acme", unread=2
    )
    _, for_company = threads.thread_list(t, 1, [summary], 0, 1, None, company=True)
    assert "P-0042" in labels(for_company)[0] and "2" in labels(for_company)[0]
    _, for_prospector = threads.thread_list(t, 7, [summary], 0, 1, None, company=False)
    assert "Acme" in labels(for_prospector)[0]
    offer = Offer(id=3, thread_id=4, author_id=7, amount_cents=1500, status=OfferStatus.SUPERSEDED)
    said = [
        ThreadMessage(id=1, thread_id=4, sender_id=7, kind=MessageKind.TEXT, body="<hi>",
                      file_id=None, offer_id=None, created_at=NOW),
        ThreadMessage(id=2, thread_id=4, sender_id=1, kind=MessageKind.OFFER, body="",
                      file_id=None, offer_id=3, created_at=NOW),
    ]  # fmt: skip
    head = threads.header(t, 12, "P-0042")
    history, _ = threads.history(t, threads.ThreadView(4), head, 1, said, {3: offer})
    assert "&lt;hi&gt;" in history
    assert t.plain("offer.status.superseded") in history
