"""Shared helpers for the results tests: notices of the company's and admins' side, a
company with a mission and a prospector active on it, and a result typed through /submit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services import assignments
from services.assignments import TakeOutcome
from storage.models import Mission
from tests.harness import BotHarness, FakeUser
from tests.helpers import onboard_company, onboard_prospector, post_mission, rows

WORDS = {
    "en": {"skip": "Skip", "send": "Send", "edit": "Edit a field", "cancel": "Cancel"},
    "fr": {"skip": "Passer", "send": "Envoyer", "edit": "Modifier un champ", "cancel": "Annuler"},
}


@dataclass
class World:
    company: FakeUser
    prospector: FakeUser
    mission: Mission


async def active_on(bot: BotHarness, prospector: FakeUser, mission: Mission) -> int:
    """Make the prospector active on the mission (as Accept would); the assignment id."""
    taken = await assignments.take(bot.services.deps, prospector.id, mission.id)
    assert taken.outcome is TakeOutcome.STARTED, taken
    found = await bot.services.repos.assignments.find(mission.id, prospector.id)
    assert found is not None
    return found.id


async def world(
    bot: BotHarness, language: str = "en", *, company: FakeUser | None = None, **fields: Any
) -> World:
    """A company (Acme unless given), its mission with `fields`, a prospector active on it."""
    acme = company or await onboard_company(bot, "Acme", language)
    mission = await post_mission(bot, acme, language, **fields)
    jo = await onboard_prospector(bot, "Jo", language, notify=False)
    await active_on(bot, jo, mission)
    return World(acme, jo, mission)


async def fill_in(
    user: FakeUser,
    language: str = "en",
    *,
    name: str = "Marie Curie",
    company: str | None = "Radium SA",
    phone: str = "06 12 34 56 78",
    appointment: str | None = None,
    notes: str | None = "Call back after 5pm",
) -> None:
    """Answer the questions of a started /submit up to the proof (not answered)."""
    skip = WORDS[language]["skip"]
    await user.send(name)
    if company is None:
        await user.tap(skip)
    else:
        await user.send(company)
    await user.send(phone)
    if appointment is not None:
        await user.send(appointment)
    if notes is None:
        await user.tap(skip)
    else:
        await user.send(notes)


async def submit(user: FakeUser, language: str = "en", **answers: Any) -> None:
    """/submit with one active mission, every question answered, no proof, then Send."""
    await user.send("/submit")
    await fill_in(user, language, **answers)
    await user.tap(WORDS[language]["skip"])
    await user.tap(WORDS[language]["send"])


async def results_of(bot: BotHarness, mission_id: int) -> list[dict[str, Any]]:
    return await rows(bot, "SELECT * FROM results WHERE mission_id = ? ORDER BY id", [mission_id])


async def told(bot: BotHarness, user: FakeUser) -> int:
    """How many notices were queued for the user (whichever feature words them)."""
    found = await rows(bot, "SELECT COUNT(*) AS n FROM outbox WHERE chat_id = ?", [user.id])
    return int(found[0]["n"])
