"""What a prospector sees of one mission and of their lists, as pure functions in both
languages: only actions that can succeed, why nothing can be done, and always a way back."""

from __future__ import annotations

import pytest

from bot.kit.callbacks import BrowsePageCb, MyMissionsCb
from bot.kit.views import fields_card
from bot.kit.wizard import Asking, ChoiceStep, question, typed_option
from handlers.browse import screens as browse
from handlers.browse.screens import ListClearCb, MineDetailsCb
from handlers.missions import screens as missions
from handlers.missions.fields import STEPS, MissionDraft
from storage.models import (
    Assignment,
    AssignmentStatus,
    BrowseFilters,
    MissionStatus,
    Offer,
    OfferStatus,
    ResultCounts,
    Target,
)
from tests.test_screens import data, labels, mission, tr

LANGUAGES = ["fr", "en"]


def assignment(status: AssignmentStatus) -> Assignment:
    return Assignment(id=1, mission_id=12, prospector_id=7, status=status, agreed_rate_cents=None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_full_mission_cannot_be_accepted_and_says_why(language: str) -> None:
    t = tr(language)
    full = mission(slots=3, active_count=3)
    text, markup = browse.details(t, full, "Acme", None, None, BrowsePageCb())
    assert t.plain("button.accept") not in labels(markup)
    assert t("accept.full", mission_id=12) in text
    assert t.plain("button.back_list") in labels(markup)


@pytest.mark.parametrize(
    ("language", "explained"),
    [("fr", "L'entreprise a mis cette mission en pause"), ("en", "The company paused")],
)
def test_a_paused_mission_explains_itself_and_leads_to_browse(
    language: str, explained: str
) -> None:
    t = tr(language)
    text, markup = browse.details(t, mission(status=MissionStatus.PAUSED), "Acme", None, None, None)
    assert explained in text
    assert labels(markup) == [t.plain("button.home_browse")]
    assert data(markup) == [BrowsePageCb().pack()]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_way_back_goes_where_the_details_were_opened_from(language: str) -> None:
    t = tr(language)
    active = assignment(AssignmentStatus.ACTIVE)
    _, from_list = browse.details(t, mission(), "Acme", active, 4, BrowsePageCb(page=2))
    assert labels(from_list)[-1] == t.plain("button.back_list")
    assert data(from_list)[-1] == BrowsePageCb(page=2).pack()
    _, from_mine = browse.details(t, mission(), "Acme", active, 4, MyMissionsCb())
    assert labels(from_mine)[-1] == t.plain("button.back_mine")
    _, from_link = browse.details(t, mission(), "Acme", active, 4, None)
    assert data(from_link)[-1] == MyMissionsCb().pack()


@pytest.mark.parametrize(
    ("language", "browse_label", "clear_label"),
    [
        ("fr", "🔎 Missions ouvertes", "✖️ Effacer les filtres"),
        ("en", "🔎 Browse missions", "✖️ Clear filters"),
    ],
)
def test_empty_lists_offer_a_button_out(language: str, browse_label: str, clear_label: str) -> None:
    t = tr(language)
    _, none_mine = browse.my_missions(t, [], 0, False)
    assert labels(none_mine) == [browse_label]
    filters = BrowseFilters(target=Target.B2C)
    _, nothing_matches = browse.browse_page(t, [], 0, False, filters)
    assert labels(nothing_matches)[-1] == clear_label
    assert data(nothing_matches)[-1] == ListClearCb().pack()


@pytest.mark.parametrize("language", LANGUAGES)
def test_mymissions_rows_open_details_that_lead_back_there(language: str) -> None:
    counts = ResultCounts(pending=0, validated=0, rejected=0)
    _, markup = browse.my_missions(
        tr(language), [(assignment(AssignmentStatus.ACTIVE), mission(), counts)], 0, False
    )
    assert MineDetailsCb(mission_id=12).pack() in data(markup)


@pytest.mark.parametrize(
    ("language", "cap", "deadline", "number"),
    [
        ("fr", "🎯 Plafond : 100\u202f000", "📅 jusqu'au 30 avr. 2026", "<b>n°12 "),
        ("en", "🎯 Cap: 100,000", "📅 until Apr 30, 2026", "<b>#12 "),
    ],
)
def test_mission_figures_read_naturally(
    language: str, cap: str, deadline: str, number: str
) -> None:
    t = tr(language)
    card = fields_card(t, mission(result_cap=100_000))
    assert cap in card and deadline in card
    details, _ = browse.details(t, mission(), "Acme", None, None, None)
    assert details.startswith(number) and deadline in details


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("fr", "par rdv", "appointment"),
        ("fr", "PAR LEAD QUALIFIÉ", "lead"),
        ("en", "Per Sale!", "sale"),
        ("en", "sale", None),
        ("fr", "par", None),  # begins every label: which one?
    ],
)
def test_a_typed_label_picks_its_option(language: str, typed: str, expected: str | None) -> None:
    step = STEPS["pay_model"]
    assert isinstance(step, ChoiceStep)
    picked = typed_option(typed, step.options, tr(language))
    assert (picked.value if picked else None) == expected


@pytest.mark.parametrize(
    ("language", "will_be_told"),
    [("fr", "Ses prospecteurs actifs seront prévenus"), ("en", "active prospectors will be told")],
)
def test_closing_says_who_will_be_told_not_who_was(language: str, will_be_told: str) -> None:
    text, _ = missions.close_confirm(tr(language), mission(active_count=2))
    assert will_be_told in text and "2" not in text


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", ["✖️ Effacer", "‹ Retour"]), ("en", ["✖️ Clear", "‹ Back"])]
)
def test_a_filled_field_changed_from_the_preview_offers_clear_and_back(
    language: str, expected: list[str]
) -> None:
    t = tr(language)
    cap = STEPS["result_cap"]
    changing = question(cap, MissionDraft(result_cap=250), t, asking=Asking(True, True))
    assert labels(changing.markup) == expected
    first_time = question(cap, MissionDraft(), t)
    assert labels(first_time.markup) == [t.plain("button.skip")]
    picking = question(STEPS["target"], MissionDraft(), t, asking=Asking(from_review=True))
    assert labels(picking.markup)[-1] == expected[1]


@pytest.mark.parametrize(
    ("language", "yours", "theirs", "none"),
    [
        ("fr", "en négociation · votre offre : 15,00", "offre de l'entreprise : 15,00", "aucune"),
        ("en", "negotiating · your offer: €15.00", "the company's offer: €15.00", "no offer"),
    ],
)
def test_a_negotiation_shows_its_offer_not_the_posted_rate(
    language: str, yours: str, theirs: str, none: str
) -> None:
    t = tr(language)
    talking = assignment(AssignmentStatus.NEGOTIATING)
    counts = ResultCounts()

    def row(author_id: int | None) -> str:
        offer = None
        if author_id is not None:
            offer = Offer(
                id=1, thread_id=1, author_id=author_id, amount_cents=1500,
                status=OfferStatus.PENDING,
            )  # fmt: skip
        return browse.my_mission_row(t, talking, mission(), counts, offer)

    assert yours in row(7) and "12,50" not in row(7) and "12.50" not in row(7)
    assert theirs in row(1)
    assert none in row(None)
