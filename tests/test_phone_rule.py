"""Buttons a phone shows whole (issue 12, point 7), and answers that stay on screen once a
button is tapped (point 1), in French and English."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.i18n import Catalogs, Html, Translator
from bot.kit.keyboards import button, fitted, label_width
from bot.kit.screens import with_outcome
from bot.kit.wizard import ChecklistStep, ChoiceStep, SkipCb, chosen_labels, step_keyboard
from handlers.missions import screens as mission_screens
from handlers.missions.fields import STEPS, MissionDraft
from handlers.onboarding.drafts import SignUpDraft
from handlers.onboarding.steps import LANGUAGES, ROLE, SPECIALTIES
from services.assignments import Decision, DecisionOutcome
from tests.harness import BotHarness
from tests.phone_rule import offenders

CATALOGS = Catalogs("fr")
FR, EN = CATALOGS["fr"], CATALOGS["en"]
BOTH = pytest.mark.parametrize("t", [FR, EN], ids=["fr", "en"])


def rows(markup: InlineKeyboardMarkup | None) -> list[list[str]]:
    assert markup is not None
    return [[key.text for key in row] for row in markup.inline_keyboard]


def keys(*labels: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(label, callback_data="x") for label in labels]


def test_an_emoji_counts_as_two_characters() -> None:
    assert label_width("Aide") == 4
    assert label_width("📞 Prospecteur") == 14
    assert label_width("✖️ P-0001") == 9  # a symbol made an emoji by its selector
    assert label_width("✅ Oui") == 6


def test_a_label_too_long_to_share_a_row_gets_one_of_its_own() -> None:
    laid_out = fitted(keys("B2B", "B2C", "Services aux entreprises", "Santé", "Énergie"))
    assert [[key.text for key in row] for row in laid_out] == [
        ["B2B", "B2C"],
        ["Services aux entreprises"],
        ["Santé", "Énergie"],
    ]
    assert offenders([[["Services aux entreprises", "Santé"]]]) == [
        "'Services aux entreprises': 24 > 20 in a row of 2"
    ]


@BOTH
def test_the_approval_question_explains_and_its_buttons_are_short(t: Translator) -> None:
    step = STEPS["approval"]
    assert isinstance(step, ChoiceStep)
    shown = rows(step_keyboard(step, MissionDraft(), t))
    assert offenders([shown]) == []
    expected = {
        "fr": [["Démarrage immédiat", "Sur approbation"]],
        "en": [["Immediate start", "On approval"]],
    }
    assert shown == expected[t.language]
    explained = {"fr": "vous approuvez chaque candidat", "en": "you approve each candidate"}
    assert explained[t.language] in t("ask.mission.approval")


@BOTH
def test_every_choice_and_checklist_fits_a_phone(t: Translator) -> None:
    sign_up = SignUpDraft(languages=["fr"], specialties=["b2b"])
    for step in (ROLE, LANGUAGES, SPECIALTIES):
        assert offenders([rows(step_keyboard(step, sign_up, t))]) == [], step.name
    for step in STEPS.values():
        if isinstance(step, ChoiceStep):
            assert offenders([rows(step_keyboard(step, MissionDraft(), t))]) == [], step.name


@BOTH
def test_answering_an_application_says_one_verb_per_button(t: Translator) -> None:
    shown = [key.text for key in mission_screens.answer_buttons(t, 3, "P-0001")]
    expected = {
        "fr": ["✅ Approuver P-0001", "✖️ Refuser P-0001"],
        "en": ["✅ Approve P-0001", "✖️ Decline P-0001"],
    }
    assert shown == expected[t.language]
    assert offenders([[shown]]) == []


@BOTH
def test_an_answered_application_shows_its_outcome(t: Translator) -> None:
    approved = Decision(DecisionOutcome.APPROVED, 1, 1500)
    declined = Decision(DecisionOutcome.DECLINED, 1)
    expected = {
        "fr": ("✅ Approuvée à 15,00\u00a0€.", "✖️ Refusée."),
        "en": ("✅ Approved at €15.00.", "✖️ Declined."),
    }
    shown = (mission_screens.decided(t, approved), mission_screens.decided(t, declined))
    assert shown == expected[t.language]


def test_a_question_keeps_its_answer_on_its_line_and_a_card_under_it() -> None:
    role = chosen_labels(FR, [next(o for o in ROLE.options if o.value == "prospector")])
    assert with_outcome(FR("ask.role"), role) == "Vous êtes : <b>📞 Prospecteur</b>"
    role = chosen_labels(EN, [next(o for o in ROLE.options if o.value == "prospector")])
    assert with_outcome(EN("ask.role"), role) == "You are: <b>📞 Prospector</b>"
    card = with_outcome("🙋 <b>P-0001</b> applies.", Html("✅ Approved at €15.00."))
    assert card == "🙋 <b>P-0001</b> applies.\n\n✅ Approved at €15.00."


@BOTH
def test_a_closed_checklist_lists_what_was_ticked(t: Translator) -> None:
    assert isinstance(LANGUAGES, ChecklistStep)
    ticked = [option for option in LANGUAGES.options if option.value in ("fr", "es")]
    expected = {"fr": "<b>Français, Espagnol</b>", "en": "<b>French, Spanish</b>"}
    assert chosen_labels(t, ticked) == expected[t.language]


async def test_the_wizard_keeps_each_answer_on_its_question(bot: BotHarness) -> None:
    zoe = bot.user("Zoé", language="fr")
    await zoe.send("/start")
    await zoe.tap("Prospecteur")
    assert zoe.texts[0].endswith("\n\nVous êtes : 📞 Prospecteur")
    await zoe.send("Zoé")
    await zoe.tap("Français")
    await zoe.tap("Espagnol")
    await zoe.tap("Terminé")
    [languages] = [m for m in zoe.messages if (m.text or "").startswith("Dans quelles langues")]
    assert languages.text.endswith("puis Terminé.\n\nFrançais, Espagnol")
    assert languages.buttons() == []


async def test_a_double_tap_on_a_checklist_option_ticks_it_once(bot: BotHarness) -> None:
    zoe = bot.user("Zoé", language="fr")
    await zoe.send("/start")
    await zoe.tap("Prospecteur")
    await zoe.send("Zoé")
    message, data = zoe.find_button("Français")
    # Both taps leave the phone before the first one redraws the keyboard.
    bot.fake.user_taps(zoe.id, message.message_id, data)
    bot.fake.user_taps(zoe.id, message.message_id, data)
    await bot.deliver()
    assert "✅ Français" in [label for label, _, _ in zoe.messages[-1].buttons()]
    await zoe.tap("✅ Français")  # a tap on the ticked button unticks it
    assert "▫️ Français" in [label for label, _, _ in zoe.messages[-1].buttons()]


def test_a_button_with_a_long_title_is_cut_to_fit_alone() -> None:
    title = "Book demos with HR directors of mid-size firms in the Paris region"
    label = button(f"🔎 #12 · {title}", SkipCb(step="x")).text
    assert label == "🔎 #12 · Book demos with HR directors o…"
    assert label_width(label) <= 40
