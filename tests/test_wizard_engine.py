"""The rules every wizard shares, shown on onboarding: only the newest wizard message's
buttons act, a tap acts once, and /cancel says what it threw away."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import BaseModel
from telegram import Update

import bot.app
from bot.kit.callbacks import CallbackData
from bot.kit.context import CallboardContext
from bot.kit.feature import Feature, Stage
from bot.kit.i18n import Html, Translator
from bot.kit.wizard import (
    Begin,
    ChoiceStep,
    CommandEntry,
    FieldCb,
    FileStep,
    Option,
    Prompt,
    Review,
    TextStep,
    Wizard,
    text_only,
)
from services.validation import Invalid
from storage.clock import ManualClock
from storage.models import Proof, ProofKind, Role
from tests.fake_telegram import FakeMessage, FakeTelegram
from tests.harness import BotHarness, FakeUser
from tests.helpers import (
    STALE,
    answer_stays,
    button_labels,
    onboard_company,
    onboard_prospector,
    running_bot,
)

ASK_LANGUAGES = "Which languages"


def shown(user: FakeUser, message_id: int) -> FakeMessage:
    """The message as the user sees it now (with its edits)."""
    return next(message for message in user.messages if message.message_id == message_id)


def button_data(message: FakeMessage, label: str) -> str:
    data = next(data for text, data, _ in message.buttons() if label in text)
    assert data is not None
    return data


async def tap_on(user: FakeUser, message: FakeMessage, label: str) -> None:
    """Tap a button still shown on `message`, whichever message is the newest."""
    user.fake.user_taps(user.id, message.message_id, button_data(message, label))
    await user.harness.deliver()


async def start_prospector(user: FakeUser) -> None:
    await user.send("/start")
    await user.tap("Prospector")
    await user.send(f"{user.first_name} Caller")
    assert ASK_LANGUAGES in user.last_text


async def test_an_older_checklist_is_refused_once_a_newer_one_was_sent(bot: BotHarness) -> None:
    jo = bot.user("Jo", language="en")
    await start_prospector(jo)
    old = jo.messages[-1]
    await jo.tap("French")
    await jo.send("French and English")
    assert "answer with the buttons" in jo.last_text
    new = jo.messages[-1]
    assert new.message_id != old.message_id

    answers = len(jo.alerts)
    await tap_on(jo, old, "English")
    await tap_on(jo, old, "French")
    await bot.restart()
    await tap_on(jo, old, "Done")
    assert jo.alerts[answers:] == [STALE] * 3
    assert [label for label, _, _ in shown(jo, new.message_id).buttons()][:2] == [
        "✅ French",
        "▫️ English",
    ]
    assert "Your specialties" not in jo.last_text

    await jo.tap("Done")
    assert "Your specialties" in jo.last_text
    await jo.tap("B2B")
    await jo.tap("Sales")
    await jo.tap("Done")
    await jo.send("2")
    await jo.tap("Skip")
    await jo.tap("No")
    profile = await bot.services.repos.profiles.prospector(jo.id)
    assert profile is not None and profile.languages == ("fr",)


async def test_a_double_tap_on_a_role_button_advances_once(bot: BotHarness) -> None:
    ann = bot.user("Ann", language="en")
    await ann.send("/start")
    role_question = ann.messages[-1]
    company = button_data(role_question, "Company")
    bot.fake.user_taps(ann.id, role_question.message_id, company)
    bot.fake.user_taps(ann.id, role_question.message_id, company)
    await bot.deliver()

    assert [text for text in ann.texts if "company's name" in text] == [ann.last_text]
    assert ann.alerts == ["", STALE]
    assert shown(ann, role_question.message_id).buttons() == []
    await ann.send("Ann Corp")
    assert "business sector" in ann.last_text


async def test_a_double_tap_on_done_advances_once(bot: BotHarness) -> None:
    jo = bot.user("Jo", language="en")
    await start_prospector(jo)
    await jo.tap("Spanish")
    checklist = jo.messages[-1]
    done = button_data(checklist, "Done")
    bot.fake.user_taps(jo.id, checklist.message_id, done)
    bot.fake.user_taps(jo.id, checklist.message_id, done)
    await bot.deliver()
    assert [text for text in jo.texts if "Your specialties" in text] == [jo.last_text]
    assert jo.alerts[-1] == STALE


async def test_skip_acts_from_the_error_message_not_from_the_older_question(
    bot: BotHarness,
) -> None:
    bob = bot.user("Bob", language="en")
    await bob.send("/start")
    await bob.tap("Company")
    await bob.send("Bob Inc")
    await bob.tap("Retail")
    question = bob.messages[-1]
    await bob.send("12345")
    error = bob.messages[-1]
    assert "exactly 9 digits" in (error.text or "")
    assert [label for label, _, _ in error.buttons()] == ["Skip"]

    await tap_on(bob, question, "Skip")
    assert bob.alerts[-1] == STALE
    assert await bot.services.repos.profiles.company(bob.id) is None
    await tap_on(bob, error, "Skip")
    profile = await bot.services.repos.profiles.company(bob.id)
    assert profile is not None and profile.siren is None


async def test_cancel_during_sign_up_says_nothing_was_saved(bot: BotHarness) -> None:
    jo = bot.user("Jo", language="en")
    await start_prospector(jo)
    await jo.tap("French")
    await jo.send("/cancel")
    assert "Sign-up cancelled, nothing was saved" in jo.last_text
    account = await bot.services.repos.users.get(jo.id)
    assert account is not None and account.role is None
    assert await bot.services.repos.profiles.prospector(jo.id) is None
    await jo.send("/start")
    assert "Welcome" in jo.last_text


async def test_cancel_during_a_profile_edit_says_nothing_was_changed(bot: BotHarness) -> None:
    jo = await onboard_prospector(bot, "Jo")
    before = await bot.services.repos.profiles.prospector(jo.id)
    await jo.send("/profile")
    await jo.tap("Languages")
    await jo.tap("German")
    await jo.send("/cancel")
    assert jo.last_text == "Cancelled, nothing was changed."
    await jo.tap("Display name")
    await jo.send("/cancel")
    assert jo.last_text == "Cancelled, nothing was changed."
    await jo.send("Jo Prime")
    assert "Profile updated" not in jo.last_text
    assert await bot.services.repos.profiles.prospector(jo.id) == before


async def test_a_profile_edit_asks_only_its_field_and_keeps_the_others(bot: BotHarness) -> None:
    carla = await onboard_company(bot, "Carla", language="fr")
    await carla.send("/profile")
    await carla.tap("Secteur")
    await carla.tap("Autre")
    await carla.send("Agroalimentaire")
    assert "Profil mis à jour" in carla.texts[-2]
    assert "Secteur : Agroalimentaire" in carla.last_text
    profile = await bot.services.repos.profiles.company(carla.id)
    assert profile is not None
    assert (profile.name, profile.sector, profile.siren) == ("Carla SAS", "Agroalimentaire", None)
    account = await bot.services.repos.users.get(carla.id)
    assert account is not None and account.role is Role.COMPANY


async def test_an_edit_button_of_an_older_profile_screen_starts_a_new_edit(
    bot: BotHarness,
) -> None:
    """The profile screen is not a wizard message: its buttons start an edit whenever."""
    jo = await onboard_prospector(bot, "Jo")
    await jo.send("/profile")
    profile_screen = jo.messages[-1]
    await jo.tap("Bio")
    await tap_on(jo, profile_screen, "Experience")
    assert "years of prospecting experience" in jo.last_text
    await jo.send("12")
    profile = await bot.services.repos.profiles.prospector(jo.id)
    assert profile is not None and profile.experience_years == 12


class Note(BaseModel):
    title: str | None = None


async def _keep(update: Update, context: CallboardContext, draft: Note) -> None:
    """A finish that does nothing: these wizards are only declared."""


def _title(name: str = "title", field: str = "title") -> TextStep:
    return TextStep(name=name, field=field, prompt=Prompt("ask.bio"), parse=str.strip)


def test_a_wizard_refuses_two_steps_of_one_name() -> None:
    with pytest.raises(ValueError, match="two steps are named 'title'"):
        Wizard(name="note", draft=Note, steps=(_title(), _title()), entries=(), finish=_keep,
               cancelled="cancel.done")  # fmt: skip


def test_a_step_must_store_into_a_field_of_the_draft() -> None:
    with pytest.raises(ValueError, match="Note has no field 'subject'"):
        Wizard(name="note", draft=Note, steps=(_title(field="subject"),), entries=(),
               finish=_keep, cancelled="cancel.done")  # fmt: skip


# --- conditional steps, checks after parsing, file steps -------------------------------------


class Parcel(BaseModel):
    """A test wizard's draft: an express parcel needs a pickup code; a photo is optional."""

    express: bool | None = None
    code: str | None = None
    photo: Proof | None = None


class ExpressCb(CallbackData):
    prefix = "tpx"
    express: bool


async def _free_code(code: object, draft: Parcel, _context: CallboardContext) -> None:
    if code == "taken":
        raise Invalid("result.duplicate_phone", result_id=7)


def _is_express(draft: Parcel) -> bool:
    return draft.express is True


PARCELS: list[Parcel] = []


async def _start_parcel(_update: Update, _context: CallboardContext) -> Begin[Parcel]:
    return Begin(Parcel())


async def _keep_parcel(_update: Update, _context: CallboardContext, draft: Parcel) -> bool:
    PARCELS.append(draft)
    return True


def _parcel_summary(draft: Parcel, _t: Translator) -> Html:
    photo = draft.photo.kind.value if draft.photo else None
    return Html(f"Parcel: express={draft.express} code={draft.code} photo={photo}")


PARCEL = Wizard(
    name="parcel",
    draft=Parcel,
    steps=(
        ChoiceStep(
            name="express",
            field="express",
            prompt=Prompt("ask.notify"),
            options=[
                Option("button.yes", ExpressCb(express=True), True),
                Option("button.no", ExpressCb(express=False), False),
            ],
        ),
        TextStep(
            name="code",
            field="code",
            prompt=Prompt("ask.result.phone"),
            parse=text_only(str.strip),
            check=_free_code,
            when=_is_express,
        ),
        FileStep(name="photo", field="photo", prompt=Prompt("ask.result.proof"), optional=True),
    ),
    entries=(CommandEntry("parcel", _start_parcel),),
    finish=_keep_parcel,
    cancelled="cancel.done",
    review=Review(
        render=_parcel_summary,
        confirm_label="button.send",
        fields={
            "express": "field.result.contact_name",
            "code": "field.result.phone",
            "photo": "field.result.proof",
        },
        pick_prompt="result.pick_field",
    ),
)


@pytest.fixture
async def parcel_bot(
    fake: FakeTelegram, db_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[BotHarness]:
    """The bot with the parcel wizard among its features."""
    feature = Feature(name="parcel", handlers=((Stage.WIZARDS, PARCEL),))
    monkeypatch.setattr(bot.app, "FEATURES", (*bot.app.FEATURES, feature))
    PARCELS.clear()
    async with running_bot(fake, db_path, clock) as harness:
        yield harness


async def test_a_step_is_asked_only_when_the_draft_calls_for_it(parcel_bot: BotHarness) -> None:
    jo = await onboard_prospector(parcel_bot, "Jo")
    await jo.send("/parcel")
    await jo.tap("No")
    assert "send a photo, a document" in jo.last_text, "no code for a standard parcel"
    await jo.tap("Skip")
    assert jo.last_text == "Parcel: express=False code=None photo=None"
    await jo.tap("Edit a field")
    assert button_labels(jo) == ["Contact", "Proof", "‹ Back"]
    picker = jo.messages[-1]
    await jo.tap_forged(FieldCb(step="code").pack(), picker.message_id)
    assert jo.last_text == "Parcel: express=False code=None photo=None"
    await jo.tap("Edit a field")
    await jo.tap("Contact")
    await jo.tap("No")
    assert jo.last_text == "Parcel: express=False code=None photo=None", "back to the review"
    await jo.tap("Edit a field")
    await jo.tap("Contact")
    await jo.tap("Yes")
    assert "Their phone number" in jo.last_text, "an express parcel needs its code"
    await jo.send("free")
    assert "send a photo, a document" in jo.last_text, "the steps after it are asked again"
    await jo.tap("Skip")
    assert jo.last_text == "Parcel: express=True code=free photo=None"


async def test_a_check_refuses_a_parsed_answer_and_the_step_stays(
    parcel_bot: BotHarness,
) -> None:
    jo = await onboard_prospector(parcel_bot, "Jo")
    await jo.send("/parcel")
    await jo.tap("Yes")
    await answer_stays(jo, "taken", "in result #7")
    await jo.send("free")
    assert "send a photo, a document" in jo.last_text
    await jo.tap("Skip")
    await jo.tap("Send")
    [parcel] = PARCELS
    assert parcel == Parcel(express=True, code="free")


async def test_a_file_step_takes_a_file_and_explains_anything_else(
    parcel_bot: BotHarness,
) -> None:
    jo = await onboard_prospector(parcel_bot, "Jo")
    fake = parcel_bot.fake
    await jo.send("/parcel")
    await jo.tap("No")
    hint = await answer_stays(jo, "a photo of the parcel", "Please send a photo, a document")
    assert "voice note or an audio message" in hint
    assert button_labels(jo) == ["Skip"], "the hint carries the way out"
    sent = fake.user_sends_photo(jo.id, caption="the parcel")
    await parcel_bot.deliver()
    largest = sent["message"]["photo"][-1]["file_id"]
    assert jo.last_text == "Parcel: express=False code=None photo=photo"
    await jo.tap("Edit a field")
    await jo.tap("Proof")
    fake.user_sends_document(jo.id, "receipt.pdf")
    await parcel_bot.deliver()
    await jo.tap("Send")
    await jo.send("/parcel")
    await jo.tap("No")
    fake.user_sends_voice(jo.id)
    await parcel_bot.deliver()
    await jo.tap("Send")
    assert [p.photo.kind if p.photo else None for p in PARCELS] == [
        ProofKind.DOCUMENT,
        ProofKind.VOICE,
    ]
    assert largest.startswith("fake-photo-")


def test_a_file_step_must_store_into_a_field_of_the_draft() -> None:
    with pytest.raises(ValueError, match="Note has no field 'photo'"):
        photo = FileStep(name="photo", field="photo", prompt=Prompt("ask.bio"))
        Wizard(name="note", draft=Note, steps=(photo,), entries=(), finish=_keep,
               cancelled="cancel.done")  # fmt: skip
