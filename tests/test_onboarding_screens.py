"""Onboarding's screens and questions, in French and English, built without Telegram."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardMarkup

from bot.kit.callbacks import CallbackData
from bot.kit.i18n import Catalogs, Translator, load_catalog
from bot.kit.wizard import (
    ChecklistStep,
    ChoiceStep,
    DoneCb,
    SkipCb,
    Step,
    WriteInCb,
    question,
    typed_option,
)
from handlers.onboarding import screens
from handlers.onboarding.drafts import ProfileDraft, SignUpDraft, details_of, draft_of
from handlers.onboarding.steps import (
    BIO,
    COMPANY_NAME,
    LANGUAGES,
    NOTIFY,
    ROLE,
    SECTOR,
    SIREN,
    STEPS_OF_ROLE,
    Field,
    NotifyCb,
    ProfileFieldCb,
    RoleCb,
    SectorCb,
    fields_of,
)
from services.accounts import Refused
from storage.models import (
    CompanyDetails,
    CompanyProfile,
    ProspectorDetails,
    ProspectorProfile,
    Role,
)
from tests.test_screens import mission

CATALOGS = Catalogs("fr")
FR, EN = CATALOGS["fr"], CATALOGS["en"]

COMPANY = CompanyProfile(user_id=7, name="Bob & Co <Sales>", sector="retail", siren=None)
PROSPECTOR = ProspectorProfile(
    user_id=8,
    number=42,
    display_name="Zoé",
    languages=("fr", "es"),
    specialties=("b2b", "sales"),
    experience_years=3,
    bio="",
    notify_new_missions=True,
)


def labels(markup: InlineKeyboardMarkup | None) -> list[str]:
    assert markup is not None
    return [key.text for row in markup.inline_keyboard for key in row]


def data(markup: InlineKeyboardMarkup | None) -> list[str | None]:
    assert markup is not None
    return [str(key.callback_data) for row in markup.inline_keyboard for key in row]


@pytest.mark.parametrize(
    ("t", "welcome", "asked", "buttons"),
    [
        (
            FR,
            "👋 Bienvenue sur <b>Callboard</b>",
            "Vous êtes :",
            ["🏢 Entreprise", "📞 Prospecteur"],
        ),
        (EN, "👋 Welcome to <b>Callboard</b>", "You are:", ["🏢 Company", "📞 Prospector"]),
    ],
)
def test_the_role_question_follows_the_welcome(
    t: Translator, welcome: str, asked: str, buttons: list[str]
) -> None:
    screen = question(ROLE, SignUpDraft(), t, screens.welcome(t))
    assert screen.text.startswith(welcome)
    assert screen.text.endswith(f"\n\n{asked}")
    assert labels(screen.markup) == buttons
    assert data(screen.markup) == [
        RoleCb(role=Role.COMPANY).pack(),
        RoleCb(role=Role.PROSPECTOR).pack(),
    ]


@pytest.mark.parametrize(("t", "other"), [(FR, "Autre…"), (EN, "Other…")])
def test_the_sector_question_ends_with_a_write_in(t: Translator, other: str) -> None:
    screen = question(SECTOR, SignUpDraft(role=Role.COMPANY), t)
    assert labels(screen.markup)[-1] == other
    assert data(screen.markup)[0] == SectorCb(sector="software").pack()
    assert data(screen.markup)[-1] == WriteInCb(step="sector").pack()
    assert len(labels(screen.markup)) == 10


@pytest.mark.parametrize(("t", "skip"), [(FR, "Passer"), (EN, "Skip")])
def test_optional_steps_offer_skip_and_required_ones_nothing(t: Translator, skip: str) -> None:
    for step in (SIREN, BIO):
        screen = question(step, SignUpDraft(), t)
        assert labels(screen.markup) == [skip]
        assert data(screen.markup) == [SkipCb(step=step.name).pack()]
    assert question(COMPANY_NAME, SignUpDraft(), t).markup is None


@pytest.mark.parametrize(
    ("t", "ticked", "done"),
    [
        (FR, ["✅ Français", "▫️ Anglais", "✅ Espagnol"], "✔️ Terminé"),
        (EN, ["✅ French", "▫️ English", "✅ Spanish"], "✔️ Done"),
    ],
)
def test_a_checklist_shows_the_draft_ticks(t: Translator, ticked: list[str], done: str) -> None:
    screen = question(LANGUAGES, SignUpDraft(languages=("fr", "es")), t)
    assert labels(screen.markup)[:3] == ticked
    assert labels(screen.markup)[-1] == done
    assert data(screen.markup)[-1] == DoneCb(step=Field.LANGUAGES).pack()


@pytest.mark.parametrize(("t", "yes", "no"), [(FR, "Oui", "Non"), (EN, "Yes", "No")])
def test_the_alert_question_carries_typed_answers(t: Translator, yes: str, no: str) -> None:
    screen = question(NOTIFY, SignUpDraft(), t)
    assert labels(screen.markup) == [yes, no]
    assert [NotifyCb.unpack(packed) for packed in data(screen.markup)] == [
        NotifyCb(notify=True),
        NotifyCb(notify=False),
    ]


@pytest.mark.parametrize(
    ("t", "card", "buttons"),
    [
        (
            FR,
            "🏢 <b>Bob &amp; Co &lt;Sales&gt;</b>\nSecteur : Commerce\nSIREN : —",
            ["✏️ Nom", "✏️ Secteur", "✏️ SIREN"],
        ),
        (
            EN,
            "🏢 <b>Bob &amp; Co &lt;Sales&gt;</b>\nSector: Retail\nSIREN: —",
            ["✏️ Name", "✏️ Sector", "✏️ SIREN"],
        ),
    ],
)
def test_the_company_profile_screen(t: Translator, card: str, buttons: list[str]) -> None:
    screen = screens.profile_screen(t, COMPANY)
    assert screen.text == card
    assert labels(screen.markup) == buttons
    assert data(screen.markup)[0] == ProfileFieldCb(field=Field.COMPANY_NAME).pack()


@pytest.mark.parametrize(
    ("t", "lines"),
    [
        (
            FR,
            [
                "📞 <b>Zoé</b> · P-0042",
                "Langues : Français, Espagnol",
                "Spécialités : B2B, Vente",
                "Expérience : 3 ans",
                "Présentation : —",
                "Alertes nouvelles missions : Oui",
            ],
        ),
        (
            EN,
            [
                "📞 <b>Zoé</b> · P-0042",
                "Languages: French, Spanish",
                "Specialties: B2B, Sales",
                "Experience: 3 years",
                "Bio: —",
                "New-mission alerts: Yes",
            ],
        ),
    ],
)
def test_the_prospector_profile_screen(t: Translator, lines: list[str]) -> None:
    screen = screens.profile_screen(t, PROSPECTOR)
    assert screen.text.split("\n") == lines
    assert len(labels(screen.markup)) == 6


def test_a_typed_in_sector_is_shown_as_typed() -> None:
    card = screens.profile_card(EN, COMPANY.model_copy(update={"sector": "Agro & food"}))
    assert "Sector: Agro &amp; food" in card


@pytest.mark.parametrize("t", [FR, EN])
def test_sign_up_and_refusals_have_their_own_words(t: Translator) -> None:
    assert screens.signed_up(t, COMPANY) != screens.signed_up(t, PROSPECTOR)
    assert len({screens.refusal(t, refused) for refused in Refused}) == len(Refused)


def test_every_key_the_steps_and_screens_use_is_in_both_catalogs() -> None:
    keys = set()
    for step in _all_steps((ROLE,)):
        keys.add(step.prompt.key)
        if isinstance(step, ChoiceStep | ChecklistStep):
            keys.update(option.label for option in step.options)
        if isinstance(step, ChoiceStep) and step.write_in is not None:
            keys.add(step.write_in.label)
    keys.update(f"edit.{field}" for role in Role for field in fields_of(role))
    for language in ("fr", "en"):
        assert keys <= set(load_catalog(language).messages), language


def _all_steps(steps: tuple[Step, ...]) -> list[Step]:
    found: list[Step] = []
    for step in steps:
        found.append(step)
        if isinstance(step, ChoiceStep):
            if step.write_in is not None:
                found.append(step.write_in.step)
            for _, branch in step.branches:
                found += _all_steps(tuple(branch))
    return found


def test_drafts_become_the_details_the_service_saves_and_back() -> None:
    edit = draft_of(PROSPECTOR)
    assert edit.role is Role.PROSPECTOR
    assert details_of(edit) == ProspectorDetails(
        display_name="Zoé",
        languages=("fr", "es"),
        specialties=("b2b", "sales"),
        experience_years=3,
        bio="",
        notify_new_missions=True,
    )
    assert details_of(draft_of(COMPANY)) == CompanyDetails(
        name="Bob & Co <Sales>", sector="retail", siren=None
    )
    assert isinstance(draft_of(COMPANY), ProfileDraft)


def test_each_role_edits_the_fields_it_signed_up_with() -> None:
    assert fields_of(Role.COMPANY) == (Field.COMPANY_NAME, Field.SECTOR, Field.SIREN)
    assert [step.name for step in STEPS_OF_ROLE[Role.PROSPECTOR]] == list(
        fields_of(Role.PROSPECTOR)
    )


@pytest.mark.parametrize(
    "button",
    [RoleCb(role=Role.PROSPECTOR), SectorCb(sector="real_estate"), NotifyCb(notify=False)],
)
def test_buttons_read_back_as_their_typed_values(button: CallbackData) -> None:
    assert type(button).unpack(button.pack()) == button


@pytest.mark.parametrize(
    ("t", "mentioned"),
    [
        (FR, "📌 Vous venez pour la mission n°12 « Call &lt;SaaS&gt; &amp; co »"),
        (EN, "📌 You came for mission #12 “Call &lt;SaaS&gt; &amp; co”"),
    ],
)
def test_a_newcomer_from_a_mission_link_is_told_it_opens_after_sign_up(
    t: Translator, mentioned: str
) -> None:
    assert mentioned in screens.welcome(t, mission())
    assert screens.welcome(t) == t("onboarding.welcome")


@pytest.mark.parametrize(
    ("t", "typed", "sector"),
    [
        (EN, "software", "software"),
        (EN, "SOFTWARE / saas", "software"),
        (FR, "banque", "finance"),
        (FR, "energie", "energy"),
        (EN, "real", "real_estate"),
        (EN, "saas", None),  # not how the label begins
        (FR, "serv", None),  # a word is typed whole
    ],
)
def test_the_first_words_of_a_sector_are_enough(t: Translator, typed: str, sector: str) -> None:
    picked = typed_option(typed, SECTOR.options, t)
    assert (picked.value if picked else None) == sector
