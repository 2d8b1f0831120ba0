"""The sign-up's and the profile's screens, built from models and a translator, without I/O.
(The questions themselves are the steps' prompts, rendered by `bot.kit.wizard.question`.)"""

from __future__ import annotations

from bot.kit.i18n import Html, Translator, key_table
from bot.kit.keyboards import button, fitted, keyboard
from bot.kit.labels import SECTOR, SPECIALTY, SPOKEN_LANGUAGE
from bot.kit.wizard import Screen
from handlers.onboarding.steps import Field, ProfileFieldCb, fields_of
from services import validation
from services.accounts import Profile, Refused, role_of
from storage.models import CompanyProfile, Mission, ProspectorProfile


def welcome(t: Translator, linked: Mission | None = None) -> Html:
    """The welcome; a newcomer who came from a mission's link is told it opens once they
    have signed up."""
    if linked is None:
        return t("onboarding.welcome")
    mission = t("onboarding.linked_mission", mission_id=linked.id, title=linked.title)
    return Html(f"{t('onboarding.welcome')}\n\n{mission}")


def signed_up(t: Translator, profile: Profile) -> Html:
    if isinstance(profile, CompanyProfile):
        return t("onboarding.done.company")
    return t("onboarding.done.prospector")


_REFUSALS = {
    Refused.ALREADY_SIGNED_UP: "onboarding.already_done",
    Refused.NOT_SIGNED_UP: "profile.none",
    Refused.OTHER_ROLE: "stale_action",
}


def refusal(t: Translator, refused: Refused) -> Html:
    """Why the profile was not saved."""
    return t(_REFUSALS[refused])


EDIT_LABELS = key_table({field: f"edit.{field.value}" for field in Field})


def sector_label(t: Translator, sector: str) -> str:
    """A listed sector in the user's language; a sector typed in ("Other…") as typed."""
    return t.plain(SECTOR[sector]) if sector in validation.SECTORS else sector


def profile_card(t: Translator, profile: Profile) -> Html:
    if isinstance(profile, CompanyProfile):
        return company_card(t, profile)
    return prospector_card(t, profile)


def company_card(t: Translator, profile: CompanyProfile) -> Html:
    return t(
        "profile.company",
        name=profile.name,
        sector=sector_label(t, profile.sector),
        siren=profile.siren or "—",
    )


def prospector_card(t: Translator, profile: ProspectorProfile) -> Html:
    return t(
        "profile.prospector",
        code=profile.code,
        name=profile.display_name,
        languages=", ".join(t.plain(SPOKEN_LANGUAGE[code]) for code in profile.languages),
        specialties=", ".join(t.plain(SPECIALTY[code]) for code in profile.specialties),
        experience=t.count("count.years", profile.experience_years),
        bio=profile.bio or "—",
        notify=t.plain("button.yes" if profile.notify_new_missions else "button.no"),
    )


def profile_screen(t: Translator, profile: Profile) -> Screen:
    """The profile, with one button per field: each edits that field alone."""
    buttons = [
        button(t.plain(EDIT_LABELS[field]), ProfileFieldCb(field=field))
        for field in fields_of(role_of(profile))
    ]
    return Screen(profile_card(t, profile), keyboard(fitted(buttons)))
