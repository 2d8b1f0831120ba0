"""Accounts: signing up (one role per account, with its profile) and editing the profile.

Each change runs in one transaction that re-reads the account, so a sign-up finished twice
(two devices, a repeated tap) makes one profile, and a profile is only edited by its role.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.ports import Deps
from storage.database import Transaction
from storage.models import (
    CompanyDetails,
    CompanyProfile,
    ProspectorDetails,
    ProspectorProfile,
    Role,
    User,
)

Details = CompanyDetails | ProspectorDetails
Profile = CompanyProfile | ProspectorProfile


class Refused(StrEnum):
    ALREADY_SIGNED_UP = "already_signed_up"
    NOT_SIGNED_UP = "not_signed_up"
    OTHER_ROLE = "other_role"


@dataclass(frozen=True)
class SignedUp:
    account: User
    profile: Profile


def role_of(item: Details | Profile) -> Role:
    """The role whose profile (or sign-up details) this is."""
    company = isinstance(item, CompanyDetails)
    return Role.COMPANY if company else Role.PROSPECTOR


async def sign_up(deps: Deps, user_id: int, details: Details) -> SignedUp | Refused:
    """Give the account its role (that of `details`) and its profile."""
    async with deps.db.transaction() as tx:
        account = await deps.repos.users.get(user_id, tx)
        if account is None or account.role is not None:
            return Refused.ALREADY_SIGNED_UP
        await deps.repos.users.set_role(tx, user_id, role_of(details))
        profile = await _save(deps, tx, user_id, details)
        signed_up = await deps.repos.users.get(user_id, tx)
    assert signed_up is not None
    return SignedUp(signed_up, profile)


async def update_profile(deps: Deps, user_id: int, details: Details) -> Profile | Refused:
    """Replace the profile's fields; a prospector keeps their number (and public code)."""
    async with deps.db.transaction() as tx:
        account = await deps.repos.users.get(user_id, tx)
        if account is None or account.role is None:
            return Refused.NOT_SIGNED_UP
        if account.role is not role_of(details):
            return Refused.OTHER_ROLE
        return await _save(deps, tx, user_id, details)


async def profile(deps: Deps, user_id: int, role: Role) -> Profile | None:
    if role is Role.COMPANY:
        return await deps.repos.profiles.company(user_id)
    return await deps.repos.profiles.prospector(user_id)


async def _save(deps: Deps, tx: Transaction, user_id: int, details: Details) -> Profile:
    profiles = deps.repos.profiles
    if isinstance(details, CompanyDetails):
        company = CompanyProfile(user_id=user_id, **details.model_dump())
        await profiles.save_company(tx, company)
        return company
    existing = await profiles.prospector(user_id, tx)
    number = existing.number if existing else await profiles.next_prospector_number(tx)
    prospector = ProspectorProfile(user_id=user_id, number=number, **details.model_dump())
    await profiles.save_prospector(tx, prospector)
    return prospector
