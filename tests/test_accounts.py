"""The account service on its own: one sign-up per account, a profile edited by its role
only, a prospector's number kept."""

from __future__ import annotations

from services import accounts
from services.accounts import Refused, SignedUp
from storage.models import CompanyDetails, ProspectorDetails, ProspectorProfile, Role
from tests.harness import BotHarness

COMPANY = CompanyDetails(name="Acme", sector="retail", siren=None)
PROSPECTOR = ProspectorDetails(
    display_name="Jo",
    languages=("fr",),
    specialties=("b2b", "sales"),
    experience_years=2,
    bio="",
    notify_new_missions=False,
)


async def newcomer(bot: BotHarness, user_id: int) -> None:
    services = bot.services
    users = services.repos.users
    await services.db.write(
        lambda tx: users.seen(tx, user_id, first_name="N", username=None, language="en")
    )


async def test_a_sign_up_gives_the_role_and_the_profile_once(bot: BotHarness) -> None:
    deps = bot.services.deps
    await newcomer(bot, 11)
    signed_up = await accounts.sign_up(deps, 11, COMPANY)
    assert isinstance(signed_up, SignedUp)
    assert signed_up.account.role is Role.COMPANY
    assert await accounts.sign_up(deps, 11, PROSPECTOR) is Refused.ALREADY_SIGNED_UP
    assert await bot.services.repos.profiles.prospector(11) is None
    assert await accounts.profile(deps, 11, Role.COMPANY) == signed_up.profile


async def test_a_profile_is_edited_by_its_role_only(bot: BotHarness) -> None:
    deps = bot.services.deps
    await newcomer(bot, 12)
    assert await accounts.update_profile(deps, 12, PROSPECTOR) is Refused.NOT_SIGNED_UP
    await accounts.sign_up(deps, 12, PROSPECTOR)
    assert await accounts.update_profile(deps, 12, COMPANY) is Refused.OTHER_ROLE
    assert await bot.services.repos.profiles.company(12) is None


async def test_a_prospector_keeps_their_number_through_edits(bot: BotHarness) -> None:
    deps = bot.services.deps
    for user_id in (13, 14):
        await newcomer(bot, user_id)
        await accounts.sign_up(deps, user_id, PROSPECTOR)
    edited = await accounts.update_profile(
        deps, 13, PROSPECTOR.model_copy(update={"display_name": "Jo Prime"})
    )
    assert isinstance(edited, ProspectorProfile)
    assert (edited.display_name, edited.number) == ("Jo Prime", 1)
    assert await accounts.profile(deps, 13, Role.PROSPECTOR) == edited
