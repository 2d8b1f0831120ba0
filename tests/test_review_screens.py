"""The screens and notices of reviewing, exporting and disputes, and the notices of a result's
review, are pure functions of models and a translator: checked here in French and English
without any Telegram."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from telegram import InlineKeyboardMarkup

from bot.kit.callbacks import MissionCardCb, MissionListCb, ReviewCb
from bot.kit.i18n import Catalogs, Translator
from bot.kit.views import proof_caption
from handlers.admin import screens as admin
from handlers.missions import screens as missions
from handlers.results import screens as results
from handlers.review import screens as review
from services import notices
from storage.models import (
    Approval,
    Dispute,
    DisputeStatus,
    Mission,
    MissionStatus,
    PayModel,
    Proof,
    ProofKind,
    Result,
    ResultCounts,
    ResultStatus,
    Target,
)
from tests.helpers import spaced
from tests.phone_rule import too_wide

CATALOGS = Catalogs("fr", zone=ZoneInfo("Europe/Paris"))
SUBMITTED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def tr(language: str) -> Translator:
    return CATALOGS[language]


def labels(markup: InlineKeyboardMarkup | None) -> list[str]:
    return [key.text for row in (markup.inline_keyboard if markup else ()) for key in row]


def data(markup: InlineKeyboardMarkup | None) -> list[str]:
    return [str(k.callback_data) for row in (markup.inline_keyboard if markup else ()) for k in row]


def result(**changes: object) -> Result:
    values: dict[str, object] = {
        "id": 7,
        "assignment_id": 3,
        "mission_id": 12,
        "prospector_id": 20,
        "contact_name": "Léa <Martin>",
        "contact_company": "Radium & Co",
        "phone": "+33612345678",
        "appointment_at": datetime(2026, 3, 12, 13, 30, tzinfo=UTC),
        "notes": "Rappeler mardi",
        "proof": None,
        "status": ResultStatus.PENDING,
        "submitted_at": SUBMITTED,
        "review_due_at": None,
        "reviewed_at": None,
        "reviewed_by": None,
        "reason": None,
        "dispute_due_at": None,
    }
    values.update(changes)
    return Result.model_validate(values)


def view(**changes: object) -> review.ResultView:
    return review.ResultView(result(**changes), "Call <SaaS> & co", "P-0042")


@pytest.mark.parametrize(
    ("language", "appointment", "submitted"),
    [
        ("fr", "Rendez-vous : 12 mars 2026, 14:30", "Envoyé le 10 mars 2026, 10:00"),
        ("en", "Appointment: Mar 12, 2026, 14:30", "Submitted Mar 10, 2026, 10:00"),
    ],
)
def test_a_result_card_in_the_reader_s_locale_and_timezone(
    language: str, appointment: str, submitted: str
) -> None:
    t = tr(language)
    text = spaced(review.result_card(t, view()))
    assert appointment in text and submitted in text
    assert "Léa &lt;Martin&gt;" in text and "Radium &amp; Co" in text
    assert "Call &lt;SaaS&gt; &amp; co" in text and "P-0042" in text
    markup = review.card_keyboard(t, 7)
    assert data(markup) == [
        review.ValidateCb(result_id=7).pack(),
        review.RejectCb(result_id=7).pack(),
    ]


@pytest.mark.parametrize(
    ("language", "validated", "rejected"),
    [("fr", "✅ Validé — 40,00 €", "✖️ Refusé : trop court"),
     ("en", "✅ Validated — €40.00", "✖️ Rejected: trop court")],
)  # fmt: skip
def test_outcomes_say_the_amount_or_the_reason(
    language: str, validated: str, rejected: str
) -> None:
    t = tr(language)
    assert spaced(str(review.outcome(t, result(status=ResultStatus.VALIDATED), 4000))) == (
        validated
    )
    refused = result(status=ResultStatus.REJECTED, reason="trop court")
    assert review.outcome(t, refused, None) == rejected
    assert review.outcome(t, result(), None) is None


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_decided_caption_gives_up_the_end_of_the_notes_to_fit(language: str) -> None:
    t = tr(language)
    long = view(notes="é" * 700, status=ResultStatus.REJECTED, reason="r" * 300)
    decided = review.outcome(t, long.result, None)
    assert decided is not None
    caption = review.decided_card(t, long, decided, caption=True)
    assert review.visible_length(caption) <= review.CAPTION_LIMIT
    assert caption.endswith(decided) and "…" in caption
    text = review.decided_card(t, long, decided, caption=False)
    assert "é" * 700 in text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_page_footer_validates_exactly_the_shown_ids(language: str) -> None:
    t = tr(language)
    _, markup = review.page_footer(t, 12, [3, 5, 8], waiting=9, more=True)
    assert data(markup) == [
        review.ValidateShownCb(mission_id=12, ids="3-5-8").pack(),
        review.ReviewNextCb(mission_id=12, after=8).pack(),
        MissionCardCb(mission_id=12).pack(),
    ]
    _, last = review.page_footer(t, 0, [3], waiting=1, more=False)
    # From /review (every mission's), the way back is the company's missions.
    validate_one = review.ValidateShownCb(mission_id=0, ids="3").pack()
    assert data(last) == [validate_one, MissionListCb().pack()]
    assert review.ValidateShownCb.unpack("rva:v1:0:1-2-3-4-5-6") is None


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Nouveau résultat n°7 sur la mission n°12 « Call &lt;SaaS&gt; »"),
        ("en", "New result #7 on mission #12 “Call &lt;SaaS&gt;”"),
    ],
)
@pytest.mark.parametrize("proof", [None, *ProofKind])
def test_a_new_result_s_notice_carries_its_proof(
    language: str, text: str, proof: ProofKind | None
) -> None:
    notice = notices.ResultSubmitted(
        mission_id=12, title="Call <SaaS>", result_id=7, code="P-0042",
        proof=Proof(kind=proof, file_id="F1") if proof else None,
    )  # fmt: skip
    outbound = review.submitted_notice(notice, tr(language))
    assert data(outbound.markup) == [ReviewCb(mission_id=12).pack()]
    if proof is None:
        assert outbound.method == "send_message" and text in outbound.params["text"]
        return
    assert outbound.method == f"send_{proof.value}"
    assert outbound.params[proof.value] == "F1" and text in outbound.params["caption"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_completed_mission_is_told_to_both_sides(language: str) -> None:
    t = tr(language)

    def told(to_company: bool) -> notices.MissionCompleted:
        return notices.MissionCompleted(mission_id=12, title="Calls", cap=2, to_company=to_company)

    company = review.completed_notice(told(True), t)
    prospector = review.completed_notice(told(False), t)
    assert data(company.markup) == [MissionCardCb(mission_id=12).pack()]
    assert prospector.markup is None
    assert company.params["text"] != prospector.params["text"]
    assert all("12" in o.params["text"] and "2" in o.params["text"] for o in (company, prospector))


def mission(**changes: object) -> Mission:
    values: dict[str, object] = {
        "id": 12, "company_id": 1, "title": "Calls", "brief": "Call people to book demos.",
        "pay_model": PayModel.APPOINTMENT, "rate_cents": 4000, "slots": 3, "result_cap": 2,
        "deadline": date(2026, 4, 30), "target": Target.B2B, "approval": Approval.AUTO,
        "status": MissionStatus.OPEN, "active_count": 1, "published_at": SUBMITTED,
        "closed_reason": None,
    }  # fmt: skip
    values.update(changes)
    return Mission.model_validate(values)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_mission_card_counts_results_and_leads_to_review(language: str) -> None:
    t = tr(language)
    counts = ResultCounts(pending=2, validated=1, rejected=1, validated_cents=4000)
    text, markup = missions.card(t, mission(), 0, counts)
    assert t.money(4000) in text
    assert t.plain("button.results_to_review", count=2) in labels(markup)
    assert ReviewCb(mission_id=12).pack() in data(markup)
    done = mission(status=MissionStatus.COMPLETED, closed_reason="cap")
    text, markup = missions.card(t, done, 0, ResultCounts(validated=2, validated_cents=8000))
    assert t.plain("status.completed") in text
    assert labels(markup) == [t.plain("button.active"), t.plain("button.back_list")]


def dispute_view() -> admin.DisputeView:
    dispute = Dispute(
        id=4, result_id=7, explanation="Il était <d'accord>", status=DisputeStatus.OPEN,
        opened_at=SUBMITTED, decided_at=None, decided_by=None, note=None,
    )  # fmt: skip
    rejected = result(status=ResultStatus.REJECTED, reason="Faux numéro")
    return admin.DisputeView(dispute, rejected, "Calls", "Acme & Fils", "P-0042")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_dispute_card_shows_both_parties_the_reason_and_the_explanation(
    language: str,
) -> None:
    t = tr(language)
    card = admin.dispute_card(t, dispute_view())
    for shown in ("Acme &amp; Fils", "P-0042", "Faux numéro", "Il était &lt;d'accord&gt;",
                  "Léa &lt;Martin&gt;", "+33612345678"):  # fmt: skip
        assert shown in card, shown
    assert data(admin.decide_keyboard(t, 4)) == [
        admin.DecideCb(dispute_id=4, verdict="validate").pack(),
        admin.DecideCb(dispute_id=4, verdict="keep").pack(),
    ]
    rows = [[key.text for key in row] for row in admin.decide_keyboard(t, 4).inline_keyboard]
    assert too_wide(rows) == [], "fits a phone"
    opened = admin.opened_notice(
        notices.DisputeOpened(
            mission_id=12, title="Calls", result_id=7, dispute_id=4, code="P-0042",
            company_name="Acme & Fils", reason="Faux numéro", explanation="Il a dit oui",
        ),
        t,
    )  # fmt: skip
    assert "Acme &amp; Fils" in opened.params["text"] and "Il a dit oui" in opened.params["text"]
    assert data(opened.markup) == data(admin.decide_keyboard(t, 4))


@pytest.mark.parametrize(("language", "admin_word"), [("fr", "L'admin Ada"), ("en", "Admin Ada")])
@pytest.mark.parametrize("to_company", [True, False])
@pytest.mark.parametrize("validated", [True, False])
def test_a_decision_names_the_admin_to_both_sides(
    language: str, admin_word: str, to_company: bool, validated: bool
) -> None:
    notice = notices.DisputeDecided(
        mission_id=12, title="Calls", result_id=7, validated=validated, note="Vu <l'appel>",
        admin_name="Ada", to_company=to_company,
    )  # fmt: skip
    text = admin.decided_notice(notice, tr(language)).params["text"]
    assert admin_word in text and "Vu &lt;l'appel&gt;" in text
    others = {
        admin.decided_notice(notice.model_copy(update=changes), tr(language)).params["text"]
        for changes in (
            {"to_company": not to_company},
            {"validated": not validated},
        )
    }
    assert text not in others


@pytest.mark.parametrize(
    ("language", "expected", "back"),
    [
        ("en", "Mission #12 “Calls &amp; more”: its CSV file follows.", "‹ List"),
        ("fr", "Mission n°12 « Calls &amp; more » : son fichier CSV suit.", "‹ Liste"),
    ],
)
def test_export_sent_says_which_file_follows_with_the_way_back(
    language: str, expected: str, back: str
) -> None:
    text, markup = review.export_sent(tr(language), 12, "Calls & more")
    assert expected in text
    assert labels(markup) == [back]
    assert data(markup) == [review.ExportListCb().pack()]


@pytest.mark.parametrize(
    ("language", "result_7", "mission_12"),
    [("fr", "résultat n°7", "mission n°12"), ("en", "result #7", "mission #12")],
)
def test_results_and_disputes_are_numbered_as_each_language_does(
    language: str, result_7: str, mission_12: str
) -> None:
    t = tr(language)
    about = {"mission_id": 12, "title": "Calls", "result_id": 7}
    shown = [
        results.validated_notice(notices.ResultValidated(**about, amount_cents=1500), t),
        results.rejected_notice(
            notices.ResultRejected(**about, reason="Faux", dispute_until=SUBMITTED), t
        ),
        results.auto_validated_notice(
            notices.ResultAutoValidated(**about, amount_cents=1500, to_company=True), t
        ),
        admin.decided_notice(
            notices.DisputeDecided(
                **about, validated=True, note="Vu", admin_name="Ada", to_company=False
            ),
            t,
        ),
    ]
    texts = [outbound.params["text"] for outbound in shown]
    texts += [t("dispute.intro", result_id=7, mission_id=12, reason="Faux")]
    texts += [t("result.sent", result_id=7, hours=48), t("dispute.opened", result_id=7)]
    for text in texts:
        assert result_7 in text.lower(), text
        assert (language == "en") == ("#" in text), text
    assert all(mission_12 in text for text in texts[:4]), texts


@pytest.mark.parametrize(
    ("language", "caption"),
    [
        ("fr", "📎 Preuve du résultat n°7 · mission n°12"),
        ("en", "📎 Proof of result #7 · mission #12"),
    ],
)
def test_a_proof_sent_apart_from_its_card_names_its_result(language: str, caption: str) -> None:
    proof = Proof(kind=ProofKind.PHOTO, file_id="F")
    assert proof_caption(tr(language), result(proof=proof)) == caption
