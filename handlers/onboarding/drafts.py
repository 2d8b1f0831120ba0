"""The drafts of the sign-up and of the profile edit, and what they become once complete."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.accounts import Details, Profile, role_of
from storage.models import CompanyDetails, ProspectorDetails, Role


class ProfileDraft(BaseModel):
    """A profile being filled in or edited: the fields of both roles, unset until answered.
    Skipping an optional step sets its field back to the default here."""

    model_config = ConfigDict(frozen=True)

    role: Role | None = None
    name: str | None = None
    sector: str | None = None
    siren: str | None = None
    display_name: str | None = None
    languages: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    experience_years: int | None = None
    bio: str = ""
    notify_new_missions: bool | None = None


class SignUpDraft(ProfileDraft):
    # The /start payload (a link to a mission), followed once the profile is saved.
    deep_link: str | None = None


def details_of(draft: ProfileDraft) -> Details:
    """The complete draft as what the account service saves."""
    values = draft.model_dump()
    if draft.role is Role.COMPANY:
        return CompanyDetails.model_validate(values)
    return ProspectorDetails.model_validate(values)


def draft_of(profile: Profile) -> ProfileDraft:
    """A saved profile as the draft of an edit."""
    return ProfileDraft.model_validate({**profile.model_dump(), "role": role_of(profile)})
