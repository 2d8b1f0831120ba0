"""Every screen reached from a deep link, a list or a card offers a way back (issue 12): a
button to the list or the card it was reached from, or — with nothing behind it — to the
list to start from. Checked on each screen as a pure function in French and English, and
by tapping the way back where it is a flow.

Screens with no way back, and why:
- A command's answer (or its home button's) is where the user starts, so nothing is behind
  it: /threads with threads in it, /payouts, the first page of /audit, /disputes, /export,
  /profile, /help. The chat keeps the message it was opened from just above it, and the
  later pages of a list lead back by their *‹ Previous*.
- /stats, /ban and /unban answer once, with no button at all: there is nothing to do
  next on them, so a button back would only be one more thing to read.
- The broadcast preview ends a wizard: its *Cancel* (or /cancel) is the way out, and the
  questions before it are not screens to return to.
- A result's card in a page of /review carries only *Validate* and *Reject*: the page's way
  back is in its footer, once under all its cards (checked below).
- Notices (a message relayed, a result validated, a statement issued…) are not reached:
  they arrive, each with the button to act on it. An offer's notice also opens its thread,
  to read what led to the offer before deciding (checked below)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from telegram import InlineKeyboardMarkup

from bot.kit.callbacks import (
    BrowsePageCb,
    CallbackData,
    DetailsCb,
    MissionCardCb,
    MissionListCb,
    MyMissionsCb,
    ReviewCb,
    ThreadListCb,
    ThreadOpenCb,
)
from bot.kit.i18n import Html, Translator
from handlers.admin import screens as admin
from handlers.browse import screens as browse
from handlers.missions import screens as missions
from handlers.missions.screens import NewMissionCb
from handlers.payouts import screens as payouts
from handlers.results import screens as results
from handlers.review import screens as review
from handlers.threads import screens as threads
from services import notices
from storage.models import (
    Assignment,
    AssignmentStatus,
    AuditAction,
    AuditEntry,
    BrowseFilters,
    MissionStatus,
    PayModel,
    ResultCounts,
    Thread,
    ThreadSummary,
)
from tests.harness import BotHarness
from tests.helpers import button_labels, onboard_company, onboard_prospector, post_mission
from tests.results_support import submit, working
from tests.test_screens import data, labels, mission, tr

LANGUAGES = ["fr", "en"]
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

Screen = tuple[Html, InlineKeyboardMarkup | None]

# Where a way back may lead: a list, or the card a screen was reached from.
WAYS_BACK: tuple[type[CallbackData], ...] = (
    BrowsePageCb,
    MyMissionsCb,
    DetailsCb,
    MissionListCb,
    MissionCardCb,
    NewMissionCb,
    ThreadListCb,
    ThreadOpenCb,
    ReviewCb,
    review.ExportListCb,
    admin.AuditPageCb,
)


def assignment(status: AssignmentStatus) -> Assignment:
    return Assignment(id=1, mission_id=12, prospector_id=7, status=status, agreed_rate_cents=None)


def summary() -> ThreadSummary:
    thread = Thread(id=4, mission_id=12, prospector_id=7, company_id=1)
    return ThreadSummary(
        thread=thread, mission_title="X", prospector_number=42, company_name="Acme", unread=1
    )


def history(t: Translator, view: threads.ThreadView) -> Screen:
    return threads.history(t, view, threads.header(t, 12, "Acme"), 7, [], {})


def offer(t: Translator) -> Screen:
    received = notices.OfferReceived(
        thread_id=4,
        mission_id=12,
        other="P-0042",
        offer_id=3,
        amount_cents=1500,
        pay_model=PayModel.APPOINTMENT,
    )
    outbound = threads.offer_received(received, t)
    return Html(outbound.params["text"]), outbound.markup


def audit_page_two(t: Translator) -> Screen:
    entry = AuditEntry(
        id=21,
        admin_id=999,
        action=AuditAction.BAN,
        subject_id=7,
        details={"name": "Jo"},
        created_at=NOW,
    )
    shown = admin.AuditPage(entries=[entry], page=1, total=21, admins={999: "Ada"})
    return admin.audit_screen(t, shown)


REACHED: list[tuple[str, Callable[[Translator], Screen]]] = [
    # --- a prospector's missions
    ("details from a link", lambda t: browse.details(t, mission(), "Acme", None, None, None)),
    (
        "paused details from a link",
        lambda t: browse.details(t, mission(status=MissionStatus.PAUSED), "A", None, None, None),
    ),
    (
        "full details from a link",
        lambda t: browse.details(t, mission(active_count=3), "A", None, None, None),
    ),
    (
        "declined details from the list",
        lambda t: browse.details(
            t, mission(), "A", assignment(AssignmentStatus.DECLINED), None, BrowsePageCb(page=1)
        ),
    ),
    (
        "active details from /mymissions",
        lambda t: browse.details(
            t, mission(), "A", assignment(AssignmentStatus.ACTIVE), 4, MyMissionsCb()
        ),
    ),
    ("filters", lambda t: browse.filters_screen(t, BrowseFilters())),
    ("empty /mymissions", lambda t: browse.my_missions(t, [], 0, False)),
    (
        "leave confirmation",
        lambda t: browse.leave_confirm(t, mission(), assignment(AssignmentStatus.ACTIVE)),
    ),
    # --- a company's missions
    ("a company's card", lambda t: missions.card(t, mission(), 0, ResultCounts())),
    (
        "a closed mission's card",
        lambda t: missions.card(t, mission(status=MissionStatus.CLOSED), 0, ResultCounts()),
    ),
    ("empty /missions", lambda t: missions.mission_list(t, [], 0, 0)),
    (
        "applicants",
        lambda t: missions.people(t, mission(), AssignmentStatus.APPLIED, [], 0, 0),
    ),
    ("close confirmation", lambda t: missions.close_confirm(t, mission())),
    ("field to edit", lambda t: missions.edit_pick(t, mission())),
    # --- threads
    (
        "empty /threads, a prospector's",
        lambda t: threads.thread_list(t, 7, [], 0, 0, None, company=False),
    ),
    (
        "empty /threads, a company's",
        lambda t: threads.thread_list(t, 1, [], 0, 0, None, company=True),
    ),
    (
        "a mission's threads, from its card",
        lambda t: threads.thread_list(t, 1, [summary()], 0, 1, mission(), company=True),
    ),
    (
        "a mission's threads, none yet",
        lambda t: threads.thread_list(t, 1, [], 0, 0, mission(), company=True),
    ),
    ("a thread from /threads", lambda t: history(t, threads.ThreadView(4))),
    (
        "a thread from its mission's threads",
        lambda t: history(t, threads.ThreadView(4, mission_id=12)),
    ),
    (
        "a thread from the mission's details",
        lambda t: history(t, threads.ThreadView(4, mission_id=12, prospector=True)),
    ),
    ("an offer", offer),
    # --- results, their review and what they earn
    ("the mission picker of /submit", lambda t: results.picker(t, [], 0)),
    ("empty /earnings", lambda t: results.earnings(t, [], {}, 0)),
    (
        "results to review from a mission's card, under them",
        lambda t: review.page_footer(t, 12, [3, 5], 2, more=False),
    ),
    (
        "results to review from /review, under them",
        lambda t: review.page_footer(t, 0, [3, 5], 7, more=True),
    ),
    ("nothing to review from a mission's card", lambda t: review.nothing_to_review(t, 12)),
    ("nothing to review from /review", lambda t: review.nothing_to_review(t, 0)),
    (
        "a page validated, from /review",
        lambda t: review.validated_shown(t, 2, 0, 5, more=False),
    ),
    ("an export sent", lambda t: review.export_sent(t, 12, "Demos")),
    # --- payouts and the admins' lists
    ("empty /payouts", lambda t: payouts.payouts(t, [], {}, NOW, 0)),
    ("the second page of /audit", audit_page_two),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "render"), REACHED, ids=[name for name, _ in REACHED])
def test_every_screen_reached_offers_a_way_back(
    language: str, name: str, render: Callable[[Translator], Screen]
) -> None:
    _, markup = render(tr(language))
    backs = [d for d in data(markup) if any(kind.matches(d) for kind in WAYS_BACK)]
    assert backs, f"{name} has no way back: {labels(markup)}"


@pytest.mark.parametrize(
    ("language", "to_mission", "to_browse", "to_missions", "to_thread"),
    [
        ("fr", "‹ Mission", "🔎 Missions ouvertes", "📋 Mes missions", "💬 Conversation"),
        ("en", "‹ Mission", "🔎 Browse missions", "📋 My missions", "💬 Open thread"),
    ],
)
def test_the_new_ways_back_say_where_they_lead(
    language: str, to_mission: str, to_browse: str, to_missions: str, to_thread: str
) -> None:
    t = tr(language)
    _, from_details = history(t, threads.ThreadView(4, mission_id=12, prospector=True))
    assert labels(from_details)[-1] == to_mission
    assert data(from_details)[-1] == DetailsCb(mission_id=12, returning=True).pack()
    _, none_yet = threads.thread_list(t, 7, [], 0, 0, None, company=False)
    assert labels(none_yet) == [to_browse]
    _, none_for_company = threads.thread_list(t, 1, [], 0, 0, None, company=True)
    assert labels(none_for_company) == [to_missions]
    _, from_review = review.page_footer(t, 0, [3], 1, more=False)
    assert labels(from_review)[-1] == to_missions
    _, offered = offer(t)
    assert labels(offered)[-1] == to_thread
    assert data(offered)[-1] == ThreadOpenCb(thread_id=4).pack()


# --- the ways back, tapped ---------------------------------------------------------------------


async def test_a_thread_opened_from_the_details_leads_back_to_them(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme)
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Ask a question")
    await jo.send("Which region?")
    await jo.tap("Accept at the posted rate")
    await jo.send("/mymissions")
    await jo.tap(f"#{mission.id}")
    await jo.tap("Open thread")
    assert "Which region?" in jo.last_text
    assert button_labels(jo)[-1] == "‹ Mission"

    await jo.tap("‹ Mission")
    assert jo.last_text.startswith(f"#{mission.id} ")
    # The details keep the way back they had: to /mymissions, where they were opened.
    assert button_labels(jo)[-1] == "‹ My missions"


async def test_an_offer_opens_its_thread(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme, rate="40")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send(f"/start m{mission.id}")
    await jo.tap("Propose a rate")
    await jo.send("35")
    assert "Offer" in acme.last_text

    await acme.tap("Open thread")
    assert f"Mission #{mission.id} · P-0001" in acme.last_text and "€35.00" in acme.last_text
    assert button_labels(acme)[-1] == "‹ List"


async def test_no_thread_yet_leads_to_where_threads_start(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    await post_mission(bot, acme)
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send("/threads")
    await jo.tap("Browse missions")
    assert "Open missions" in jo.last_text
    await acme.send("/threads")
    await acme.tap("My missions")
    assert "Your missions" in acme.last_text


async def test_review_from_the_home_leads_back_to_the_missions(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    _, taken = await working(bot, acme, [jo])
    await submit(bot, jo, taken[jo.id], 1)
    await acme.send("/review")
    assert button_labels(acme) == ["✅ Validate all shown (1)", "📋 My missions"]
    await acme.tap("Validate all shown")
    await acme.tap("My missions")
    assert "Your missions" in acme.last_text
