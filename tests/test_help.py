"""/help explains, per role, how Callboard is used (reply in a thread, negotiate, submit and
get paid; post, review and pay) with buttons that start it; the commands stay in the menu.
The screen is a pure function, checked in French and English; then through the harness."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from telegram import InlineKeyboardMarkup

from bot.app import all_commands
from bot.kit.callbacks import BrowsePageCb, MissionListCb
from bot.kit.commands import admins_only
from bot.kit.context import HomeButton
from bot.kit.i18n import Catalogs, Translator
from handlers.common import help_screen
from storage.models import Role
from tests.harness import BotHarness
from tests.helpers import button_labels, onboard_company, onboard_prospector

CATALOGS = Catalogs("fr", zone=ZoneInfo("Europe/Paris"))
BROWSE = HomeButton(Role.PROSPECTOR, "button.home_browse", BrowsePageCb())
MISSIONS = HomeButton(Role.COMPANY, "button.home_missions", MissionListCb())


def tr(language: str) -> Translator:
    return CATALOGS[language]


def labels(markup: InlineKeyboardMarkup | None) -> list[list[str]]:
    return [[key.text for key in row] for row in (markup.inline_keyboard if markup else ())]


# What each role's help must explain, by the words both languages use for it.
REPLY = {"en": "reply (long press → Reply)", "fr": "répondez (appui long → Répondre)"}
STEPS = {
    ("en", Role.PROSPECTOR): ["/browse", REPLY["en"], "Make an offer", "/submit", "/earnings"],
    ("fr", Role.PROSPECTOR): ["/browse", REPLY["fr"], "Faire une offre", "/submit", "/earnings"],
    ("en", Role.COMPANY): [
        "/newmission",
        REPLY["en"],
        "counter",
        "/review",
        "/payouts",
        "Mark as paid",
    ],
    ("fr", Role.COMPANY): [
        "/newmission",
        REPLY["fr"],
        "contre-proposez",
        "/review",
        "/payouts",
        "Marquer payé",
    ],
    ("en", None): ["/start", "Company", "Prospector", "/language"],
    ("fr", None): ["/start", "Entreprise", "Prospecteur", "/language"],
}
MENU = {"en": "Every command is in the menu", "fr": "Toutes les commandes sont dans le menu"}


@pytest.mark.parametrize(("language", "role"), list(STEPS))
def test_help_explains_the_steps_of_each_role(language: str, role: Role | None) -> None:
    text, _ = help_screen(tr(language), role, [], [])
    for step in STEPS[language, role]:
        assert step in text, step
    assert MENU[language] in text
    # A guide, not the command list: no "/command — description" lines.
    assert " — " not in text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_help_offers_buttons_to_start_two_a_row(language: str) -> None:
    t = tr(language)
    _, markup = help_screen(t, Role.PROSPECTOR, [], [BROWSE, MISSIONS, BROWSE])
    browse, mine = t.plain("button.home_browse"), t.plain("button.home_missions")
    assert labels(markup) == [[browse, mine], [browse]]
    assert help_screen(t, None, [], [])[1] is None


@pytest.mark.parametrize(("language", "heading"), [("en", "Admins"), ("fr", "Admins")])
def test_admin_help_lists_admin_commands_once_labelled(language: str, heading: str) -> None:
    text, _ = help_screen(tr(language), Role.COMPANY, admins_only(all_commands()), [])
    guide, admins = text.split(f"\n<b>{heading}</b>\n")
    assert "/ban" not in guide
    lines = admins.splitlines()
    assert [line.split(" — ")[0] for line in lines] == [
        f"/{c.name}" for c in admins_only(all_commands())
    ]
    assert not any("(admins)" in line for line in lines)
    assert "Admins" not in help_screen(tr(language), Role.COMPANY, [], [])[0]


async def test_help_buttons_start_each_role(bot: BotHarness) -> None:
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await jo.send("/help")
    assert "Make an offer" in jo.last_text
    assert button_labels(jo) == ["🔎 Browse missions", "📂 My missions", "💶 Earnings"]
    await jo.tap("Browse missions")
    assert "Open missions" in jo.last_text

    acme = await onboard_company(bot, "Acme", language="fr")
    await acme.send("/help")
    assert "Marquer payé" in acme.last_text
    assert button_labels(acme) == [
        "📝 Nouvelle mission",
        "📋 Mes missions",
        "📥 Résultats reçus",
        "🧾 Paiements",
    ]
    await acme.tap("Nouvelle mission")
    assert acme.last_text.endswith("Titre de la mission (5 à 80 caractères) :")

    nina = bot.user("Nina")
    await nina.send("/help")
    assert "Send /start" in nina.last_text and not nina.messages[-1].buttons()
