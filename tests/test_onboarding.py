"""Onboarding of companies and prospectors, in French and English, with every
invalid input tried at its step; /profile, /language, /help, /cancel and deep links."""

from __future__ import annotations

from telegram import BotCommandScopeChat

from storage.models import Role
from tests.harness import BotHarness, FakeUser
from tests.helpers import button_labels, onboard_company, post_mission

EVERYONE = {"start", "profile", "help", "language", "cancel", "threads"}
COMPANY_MENU = EVERYONE | {"newmission", "missions", "review", "payouts", "export"}
PROSPECTOR_MENU = EVERYONE | {"browse", "mymissions", "submit", "earnings"}


def menu(bot: BotHarness, user: FakeUser) -> list[str]:
    scope = BotCommandScopeChat(user.id).to_dict()
    return [command["command"] for command in bot.fake.commands(scope)]


async def answer_stays(user: FakeUser, text: str, expected_error: str) -> None:
    """Send an invalid answer: one reply says what is accepted, and nothing moves on."""
    before = len(user.texts)
    await user.send(text)
    replies = user.received_since(before)
    assert len(replies) == 1, replies
    assert expected_error in replies[0]


async def test_company_onboarding_in_french_with_every_invalid_input(bot: BotHarness) -> None:
    alice = bot.user("Alice", language="fr")
    await alice.send("/start")
    assert "Bienvenue sur Callboard" in alice.last_text
    await alice.send("je suis une entreprise")
    assert "boutons" in alice.last_text
    assert "Vous êtes" in alice.last_text
    await alice.tap("Entreprise")
    assert "nom de votre entreprise" in alice.last_text

    await answer_stays(alice, "A", "entre 2 et 80 caractères")
    await answer_stays(alice, "X" * 81, "le vôtre en fait 81")
    await alice.send_photo()
    assert "message texte" in alice.last_text
    await alice.send("  Acme   Prospection  ")
    assert "secteur" in alice.last_text

    await alice.send("Logi")  # not a label's first word: which one?
    assert "boutons" in alice.last_text
    await alice.tap("Autre")
    await answer_stays(alice, "Z", "entre 2 et 60")
    await alice.send("Agroalimentaire")
    assert "SIREN" in alice.last_text

    await answer_stays(alice, "12345", "exactement 9 chiffres")
    await answer_stays(alice, "ABCDEFGHI", "exactement 9 chiffres")
    await answer_stays(alice, "123 456 789", "clé de contrôle")
    await alice.send("732 829 320")

    assert "Profil entreprise enregistré" in alice.texts[-2]
    assert "Accueil entreprise" in alice.last_text
    profile = await bot.services.repos.profiles.company(alice.id)
    assert profile is not None
    assert (profile.name, profile.sector, profile.siren) == (
        "Acme Prospection",
        "Agroalimentaire",
        "732829320",
    )
    account = await bot.services.repos.users.get(alice.id)
    assert account is not None and account.role is Role.COMPANY and account.language == "fr"
    assert set(menu(bot, alice)) == COMPANY_MENU


async def test_company_onboarding_in_english_skipping_siren(bot: BotHarness) -> None:
    bob = bot.user("Bob", language="en-GB")
    await bob.send("/start")
    await bob.tap("Company")
    await bob.send("Bob & Co <Sales>")
    await bob.tap("Software / SaaS")
    assert "SIREN" in bob.last_text
    await bob.tap("Skip")
    assert "Company profile saved" in bob.texts[-2]
    # The question keeps what was answered, as a choice does.
    assert [text.rsplit(":", 1)[-1] for text in bob.texts if "SIREN" in text] == [" Skip"]
    profile = await bot.services.repos.profiles.company(bob.id)
    assert profile is not None and profile.sector == "software" and profile.siren is None
    await bob.send("/profile")
    assert "Bob & Co <Sales>" in bob.last_text
    assert "Software / SaaS" in bob.last_text


async def onboard_prospector_in_english(bot: BotHarness, user: FakeUser) -> None:
    await user.send("/start")
    await user.tap("Prospector")
    assert "name should your profile show" in user.last_text

    await answer_stays(user, "J", "2 to 40 characters")
    await answer_stays(user, "J" * 41, "yours has 41")
    await user.send("Jo the Caller")
    assert "Which languages" in user.last_text

    await user.tap("Done")
    assert user.alerts[-1] == "Tick at least one language."
    await user.tap("French")
    await user.tap("English")
    await user.tap("English")
    await user.tap("Spanish")
    assert [label for label, _, _ in user.messages[-1].buttons()][:3] == [
        "✅ French",
        "▫️ English",
        "✅ Spanish",
    ]
    await user.tap("Done")
    assert "Your specialties" in user.last_text

    await user.tap("B2B")
    await user.tap("Done")
    assert "at least one market" in user.alerts[-1]
    await user.tap("Appointment setting")
    await user.tap("Done")
    assert "years of prospecting experience" in user.last_text

    await answer_stays(user, "three", "whole number of years from 0 to 50")
    await answer_stays(user, "51", "from 0 to 50")
    await answer_stays(user, "-1", "from 0 to 50")
    await user.send("3")
    assert "short bio" in user.last_text

    await answer_stays(user, "b" * 501, "yours has 501")
    await user.send("Ten years of B2B calls.")
    assert "notified of new missions" in user.last_text
    await user.send("sure")
    assert "answer with the buttons" in user.texts[-1]
    assert user.messages[-1].buttons()
    await user.tap("Yes")
    assert "Prospector profile saved" in user.texts[-2]


async def test_prospector_onboarding_in_english(bot: BotHarness) -> None:
    jo = bot.user("Jo", language="en")
    await onboard_prospector_in_english(bot, jo)
    profile = await bot.services.repos.profiles.prospector(jo.id)
    assert profile is not None
    assert profile.code == "P-0001"
    assert profile.display_name == "Jo the Caller"
    assert profile.languages == ("fr", "es")
    assert profile.specialties == ("b2b", "appointments")
    assert (profile.experience_years, profile.bio, profile.notify_new_missions) == (
        3,
        "Ten years of B2B calls.",
        True,
    )
    assert set(menu(bot, jo)) == PROSPECTOR_MENU


async def test_prospector_onboarding_in_french_skipping_bio(bot: BotHarness) -> None:
    first = bot.user("Zoé", language="fr")
    await onboard_prospector_in_english(bot, bot.user("Warm-up", language="en"))
    await first.send("/start")
    await first.tap("Prospecteur")
    await answer_stays(first, " ", "entre 2 et 40")
    await first.send("Zoé")
    await first.tap("Terminé")
    assert first.alerts[-1] == "Cochez au moins une langue."
    await first.tap("Français")
    await first.tap("Terminé")
    await first.tap("Qualification de leads")
    await first.tap("Terminé")
    assert "au moins une cible" in first.alerts[-1]
    await first.tap("B2C")
    await first.tap("Terminé")
    await answer_stays(first, "2,5", "nombre entier")
    await first.send("0")
    await first.tap("Passer")
    assert first.texts[-1].endswith(" : Passer") or first.texts[-2].endswith(" : Passer")
    await first.tap("Non")
    assert "Profil prospecteur enregistré" in first.texts[-2]
    profile = await bot.services.repos.profiles.prospector(first.id)
    assert profile is not None
    assert profile.code == "P-0002"
    assert (profile.bio, profile.notify_new_missions) == ("", False)
    await first.send("/profile")
    assert "P-0002" in first.last_text and "Alertes nouvelles missions : Non" in first.last_text


async def test_returning_user_gets_home_and_cannot_onboard_twice(bot: BotHarness) -> None:
    jo = bot.user("Jo", language="en")
    await onboard_prospector_in_english(bot, jo)
    await jo.send("/start")
    assert "Prospector home" in jo.last_text
    assert "/profile" in jo.last_text
    role_message = jo.messages[0]
    assert role_message.buttons() == []


async def test_cancel_leaves_the_wizard_and_help_keeps_it(bot: BotHarness) -> None:
    ann = bot.user("Ann", language="en")
    await ann.send("/start")
    await ann.tap("Company")
    await ann.send("/help")
    assert "/language" in ann.last_text
    await ann.send("Ann Corp")
    assert "business sector" in ann.last_text
    await ann.send("/cancel")
    assert "Sign-up cancelled" in ann.last_text
    await ann.send("/cancel")
    assert "nothing to cancel" in ann.last_text
    assert await bot.services.repos.profiles.company(ann.id) is None
    await ann.send("Ann Corp")
    assert "no profile yet" in ann.last_text


async def test_profile_edit_validates_and_saves_one_field(bot: BotHarness) -> None:
    jo = bot.user("Jo", language="en")
    await onboard_prospector_in_english(bot, jo)
    await jo.send("/profile")
    await jo.tap("Display name")
    await answer_stays(jo, "x", "2 to 40 characters")
    await jo.send("Jo Prime")
    assert "Profile updated" in jo.texts[-2]
    assert "Jo Prime" in jo.last_text
    await jo.tap("Languages")
    await jo.tap("German")
    await jo.tap("Done")
    profile = await bot.services.repos.profiles.prospector(jo.id)
    assert profile is not None
    assert profile.display_name == "Jo Prime"
    assert profile.languages == ("fr", "es", "de")
    assert profile.code == "P-0001"


async def test_company_cannot_edit_prospector_fields(bot: BotHarness) -> None:
    bob = bot.user("Bob", language="en")
    await bob.send("/start")
    await bob.tap("Company")
    await bob.send("Bob Inc")
    await bob.tap("Retail")
    await bob.tap("Skip")
    await bob.tap_forged("pf:v1:display_name")
    await bob.tap_forged("pf:v1:nonsense")
    await bob.tap_forged("ob:v1:role:prospector")
    assert bob.alerts[-3:] == ["This action is no longer available."] * 3
    profile = await bot.services.repos.profiles.company(bob.id)
    assert profile is not None and profile.name == "Bob Inc"


async def test_language_switch_changes_texts_and_menu(bot: BotHarness) -> None:
    ann = bot.user("Ann", language="en")
    await ann.send("/start")
    await ann.tap("Company")
    await ann.send("Ann Corp")
    await ann.tap("Health")
    await ann.tap("Skip")
    await ann.send("/language")
    await ann.tap("Français")
    assert "Langue : français" in ann.last_text
    await ann.send("/help")
    assert "Comment marche Callboard" in ann.last_text
    scope = BotCommandScopeChat(ann.id).to_dict()
    descriptions = {c["command"]: c["description"] for c in bot.fake.commands(scope)}
    assert descriptions["profile"] == "Voir et modifier mon profil"
    account = await bot.services.repos.users.get(ann.id)
    assert account is not None and account.language == "fr" and account.language_chosen


async def test_language_follows_telegram_and_default(bot: BotHarness) -> None:
    fr = bot.user("Fr", language="fr-CA")
    de = bot.user("De", language="de")
    nobody = bot.user("None", language=None)
    for user in (fr, de, nobody):
        await user.send("/start")
    assert "Bienvenue" in fr.last_text
    assert "Welcome" in de.last_text
    assert "Bienvenue" in nobody.last_text  # DEFAULT_LANGUAGE is fr in the test settings


async def test_deep_link_is_kept_through_onboarding(bot: BotHarness) -> None:
    bob = bot.user("Bob", language="en")
    await bob.send("/start m42")
    await bob.tap("Company")
    await bob.send("Bob Inc")
    await bob.tap("Retail")
    await bob.tap("Skip")
    assert "Mission #42" in bob.last_text
    await bob.send("/start m43")
    assert "Mission #43" in bob.last_text
    await bob.send("/start <script>")
    assert "Company home" in bob.last_text


async def test_a_newcomer_from_a_mission_link_signs_up_and_lands_on_it(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    mission = await post_mission(bot, acme, title="Call solar installers")
    zoe = bot.user("Zoé", language="fr")
    await zoe.send(f"/start m{mission.id}")
    assert f"mission n°{mission.id} « Call solar installers »" in zoe.last_text
    await zoe.tap("Prospecteur")
    await zoe.send("Zoé")
    await zoe.tap("Français")
    await zoe.tap("Terminé")
    await zoe.tap("B2B")
    await zoe.tap("Prise de RDV")
    await zoe.tap("Terminé")
    await zoe.send("2")
    await zoe.tap("Passer")
    await zoe.tap("Non")
    assert f"n°{mission.id} Call solar installers" in zoe.last_text
    assert "✅ Accepter au tarif affiché" in button_labels(zoe)


async def test_default_menu_is_published_per_language(bot: BotHarness) -> None:
    english = {c["command"] for c in bot.fake.commands()}
    french = {c["description"] for c in bot.fake.commands(language_code="fr")}
    assert english == {"start", "help", "language"}
    assert "Comment marche Callboard" in french


async def test_a_choice_label_typed_out_is_that_choice(bot: BotHarness) -> None:
    """Typing a button's label, whatever its case, accents and emoji, answers the step;
    only what matches no button asks for the buttons."""
    bea = bot.user("Béa", language="fr")
    await bea.send("/start")
    await bea.send("entreprise")
    assert "nom de votre entreprise" in bea.last_text
    await bea.send("Solaire & Co")
    await answer_stays(bea, "Énergies", "boutons")
    await bea.send("  ÉNERGIE ")
    assert "SIREN" in bea.last_text
    await bea.tap("Passer")
    profile = await bot.services.repos.profiles.company(bea.id)
    assert profile is not None and profile.sector == "energy"


async def test_every_refused_answer_ends_by_asking_again_in_both_languages(
    bot: BotHarness,
) -> None:
    alice = bot.user("Alice", language="fr")
    await alice.send("/start")
    await alice.tap("Entreprise")
    await alice.send("A")
    assert alice.last_text == (
        "⚠️ Le nom doit faire entre 2 et 80 caractères (le vôtre en fait 1).\n✏️ Réessayez :"
    )
    await alice.send("Acme")
    await alice.tap("Énergie")
    await alice.send("12345")
    assert alice.last_text.endswith(
        "par exemple 732 829 320.\n✏️ Réessayez, ou touchez le bouton ci-dessous :"
    )

    bob = bot.user("Bob", language="en")
    await bob.send("/start")
    await bob.tap("Company")
    await bob.send("B")
    assert bob.last_text.endswith("(yours has 1).\n✏️ Try again:")
    await bob.send("Bob Corp")
    await bob.tap("Energy")
    await bob.send("12345")
    assert bob.last_text.endswith("for example 732 829 320.\n✏️ Try again, or tap the button below:")
