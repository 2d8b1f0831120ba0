"""The questions of the sign-up and of the profile edit, declared for the wizard engine, and
the typed buttons they show."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from bot.kit.callbacks import CallbackData
from bot.kit.labels import ROLE as ROLE_LABELS
from bot.kit.labels import SECTOR as SECTOR_LABELS
from bot.kit.labels import SPECIALTY, SPOKEN_LANGUAGE
from bot.kit.wizard import (
    ChecklistStep,
    ChoiceStep,
    Option,
    Prompt,
    Step,
    TextStep,
    WriteIn,
    text_only,
)
from services import validation
from storage.models import Role


class Field(StrEnum):
    """A profile field: a step of the sign-up, and an edit button of /profile."""

    COMPANY_NAME = "company_name"
    SECTOR = "sector"
    SIREN = "siren"
    DISPLAY_NAME = "display_name"
    LANGUAGES = "languages"
    SPECIALTIES = "specialties"
    EXPERIENCE = "experience"
    BIO = "bio"
    NOTIFY = "notify"


Sector = Literal[
    "software", "telecom", "energy", "finance", "real_estate", "health", "retail", "industry",
    "services",
]  # fmt: skip
SpokenLanguage = Literal["fr", "en", "es", "de", "it", "pt", "nl", "ar"]
Specialty = Literal["b2b", "b2c", "appointments", "qualification", "sales"]


class RoleCb(CallbackData):
    prefix = "obr"
    role: Role


class SectorCb(CallbackData):
    prefix = "obs"
    sector: Sector


class LanguageToggleCb(CallbackData):
    prefix = "obl"
    language: SpokenLanguage
    ticked: bool = False


class SpecialtyToggleCb(CallbackData):
    prefix = "obp"
    specialty: Specialty
    ticked: bool = False


class NotifyCb(CallbackData):
    prefix = "obn"
    notify: bool


class ProfileFieldCb(CallbackData):
    """Edit one field of one's profile."""

    prefix = "pf"
    field: Field


COMPANY_NAME = TextStep(
    name=Field.COMPANY_NAME,
    field="name",
    prompt=Prompt("ask.company_name"),
    parse=text_only(validation.company_name),
)
SECTOR = ChoiceStep(
    name=Field.SECTOR,
    field="sector",
    prompt=Prompt("ask.sector"),
    options=[
        Option(SECTOR_LABELS[code], SectorCb(sector=code), code) for code in validation.SECTORS
    ],
    write_in=WriteIn(
        SECTOR_LABELS["other"],
        TextStep(
            name="sector_other",
            field="sector",
            prompt=Prompt("ask.sector_other"),
            parse=text_only(validation.other_sector),
        ),
    ),
)
SIREN = TextStep(
    name=Field.SIREN,
    field="siren",
    prompt=Prompt("ask.siren"),
    parse=text_only(validation.siren),
    optional=True,
)
DISPLAY_NAME = TextStep(
    name=Field.DISPLAY_NAME,
    field="display_name",
    prompt=Prompt("ask.display_name"),
    parse=text_only(validation.display_name),
)
LANGUAGES = ChecklistStep(
    name=Field.LANGUAGES,
    field="languages",
    prompt=Prompt("ask.languages"),
    options=[
        Option(SPOKEN_LANGUAGE[code], LanguageToggleCb(language=code), code)
        for code in validation.SPOKEN_LANGUAGES
    ],
    validate=validation.languages,
)
SPECIALTIES = ChecklistStep(
    name=Field.SPECIALTIES,
    field="specialties",
    prompt=Prompt("ask.specialties"),
    options=[
        Option(key, SpecialtyToggleCb(specialty=code), code) for code, key in SPECIALTY.items()
    ],
    validate=validation.specialties,
)
EXPERIENCE = TextStep(
    name=Field.EXPERIENCE,
    field="experience_years",
    prompt=Prompt("ask.experience"),
    parse=text_only(validation.experience_years),
)
BIO = TextStep(
    name=Field.BIO,
    field="bio",
    prompt=Prompt("ask.bio"),
    parse=text_only(validation.bio),
    optional=True,
)
NOTIFY = ChoiceStep(
    name=Field.NOTIFY,
    field="notify_new_missions",
    prompt=Prompt("ask.notify"),
    options=[
        Option("button.yes", NotifyCb(notify=True), True),
        Option("button.no", NotifyCb(notify=False), False),
    ],
)

STEPS_OF_ROLE: dict[Role, tuple[Step, ...]] = {
    Role.COMPANY: (COMPANY_NAME, SECTOR, SIREN),
    Role.PROSPECTOR: (DISPLAY_NAME, LANGUAGES, SPECIALTIES, EXPERIENCE, BIO, NOTIFY),
}

# The sign-up's first question: the answer chooses the role's steps.
ROLE = ChoiceStep(
    name="role",
    field="role",
    prompt=Prompt("ask.role"),
    options=[Option(key, RoleCb(role=role), role) for role, key in ROLE_LABELS.items()],
    branches=tuple(STEPS_OF_ROLE.items()),
)


def fields_of(role: Role) -> tuple[Field, ...]:
    """The fields of a role's profile, in the order the sign-up asks them."""
    return tuple(Field(step.name) for step in STEPS_OF_ROLE[role])
