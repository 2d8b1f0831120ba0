"""Admins keep the marketplace clean: banning and unbanning users. Each is one transaction
that also writes its audit row, so the log never disagrees with what happened.

A ban stops everything the user does (the account guard turns every update away). What it
does to the user's work is decided here, and written down in docs/moderation.md: a
company's open missions are paused, which takes them out of /browse; a prospector's
applications and negotiations are withdrawn, as if they had left, and their companies are
told; a prospector's active assignments stay as they are. An unban restores the account
and nothing else: paused missions stay paused until the company resumes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from services import assignments, notices
from services.lifecycle import Action
from services.ports import Deps
from services.validation import UserRef
from storage.clock import to_db
from storage.database import Reader, Transaction
from storage.models import AssignmentStatus, AuditAction, Role, User


class BanOutcome(StrEnum):
    BANNED = "banned"
    UNBANNED = "unbanned"
    UNKNOWN = "unknown"
    ADMIN = "admin"
    ALREADY_BANNED = "already_banned"
    NOT_BANNED = "not_banned"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class Subject:
    """The user acted on, as the admin knows them: a company by its name, a prospector by
    public code and display name, anyone else by their Telegram first name."""

    user_id: int
    role: Role | None
    name: str


@dataclass(frozen=True)
class Moderated:
    outcome: BanOutcome
    subject: Subject | None = None
    missions_paused: list[int] = field(default_factory=list)
    applications_withdrawn: list[int] = field(default_factory=list)


async def find_user(deps: Deps, ref: UserRef, reader: Reader | None = None) -> int | None:
    """The user id `ref` stands for, if such a user exists."""
    if ref.prospector_number is not None:
        profile = await deps.repos.profiles.prospector_by_number(ref.prospector_number, reader)
        return profile.user_id if profile else None
    assert ref.user_id is not None
    user = await deps.repos.users.get(ref.user_id, reader)
    return user.id if user else None


async def subject_of(deps: Deps, user: User, reader: Reader | None = None) -> Subject:
    repos = deps.repos
    if user.role is Role.COMPANY:
        company = await repos.profiles.company(user.id, reader)
        if company is not None:
            return Subject(user.id, user.role, company.name)
    if user.role is Role.PROSPECTOR:
        prospector = await repos.profiles.prospector(user.id, reader)
        if prospector is not None:
            return Subject(user.id, user.role, f"{prospector.code} {prospector.display_name}")
    return Subject(user.id, user.role, user.first_name)


async def ban(deps: Deps, admin_id: int, ref: UserRef, reason: str | None) -> Moderated:
    """Ban the user `ref` names, tell them once (with the reason), pause or withdraw their
    work, and log it. Admins cannot be banned."""
    if admin_id not in deps.rules.admin_ids:
        return Moderated(BanOutcome.NOT_ALLOWED)
    repos = deps.repos
    async with deps.db.transaction() as tx:
        user_id = await find_user(deps, ref, tx)
        user = await repos.users.get(user_id, tx) if user_id is not None else None
        if ref.user_id in deps.rules.admin_ids or (user and user.id in deps.rules.admin_ids):
            return Moderated(BanOutcome.ADMIN)
        if user is None:
            return Moderated(BanOutcome.UNKNOWN)
        subject = await subject_of(deps, user, tx)
        if not await repos.users.set_banned(tx, user.id, True):
            return Moderated(BanOutcome.ALREADY_BANNED, subject)
        paused = await repos.missions.pause_open_of_company(tx, user.id)
        withdrawn = await _withdraw_claims(deps, tx, user.id)
        # The notice sent now is today's: the account guard repeats it a day later at most.
        not_since = to_db(deps.clock.now())
        await tx.run(lambda s: repos.users.claim_ban_notice(s, user.id, not_since))
        await deps.notifier.notify(tx, user.id, notices.AccountBanned(reason=reason))
        details: dict[str, object] = {
            "name": subject.name,
            "missions_paused": paused,
            "applications_withdrawn": withdrawn,
        }
        if reason:
            details["reason"] = reason
        await repos.audit.record(tx, admin_id, AuditAction.BAN, user.id, details)
    return Moderated(BanOutcome.BANNED, subject, paused, withdrawn)


async def _withdraw_claims(deps: Deps, tx: Transaction, prospector_id: int) -> list[int]:
    """Withdraw the prospector's applications and negotiations, telling each company as
    when a prospector withdraws; returns the missions concerned."""
    repos = deps.repos
    profile = await repos.profiles.prospector(prospector_id, tx)
    withdrawn = []
    for claim in await repos.assignments.claims_of_prospector(tx, prospector_id):
        mission = await repos.missions.get(claim.mission_id, tx)
        if mission is None or profile is None:
            continue
        left = await assignments.change(deps, tx, mission, prospector_id, Action.LEAVE)
        if left is not AssignmentStatus.LEFT:
            continue
        notice = notices.ApplicationWithdrawn(
            mission_id=mission.id, title=mission.title, code=profile.code
        )
        await deps.notifier.notify(tx, mission.company_id, notice)
        withdrawn.append(mission.id)
    return withdrawn


async def unban(deps: Deps, admin_id: int, ref: UserRef) -> Moderated:
    """Give the user their account back, tell them, and log it. Missions the ban paused
    stay paused: the company resumes them when it is ready."""
    if admin_id not in deps.rules.admin_ids:
        return Moderated(BanOutcome.NOT_ALLOWED)
    repos = deps.repos
    async with deps.db.transaction() as tx:
        user_id = await find_user(deps, ref, tx)
        user = await repos.users.get(user_id, tx) if user_id is not None else None
        if user is None:
            return Moderated(BanOutcome.UNKNOWN)
        subject = await subject_of(deps, user, tx)
        if not await repos.users.set_banned(tx, user.id, False):
            return Moderated(BanOutcome.NOT_BANNED, subject)
        restored = notices.AccountRestored(to_company=user.role is Role.COMPANY)
        await deps.notifier.notify(tx, user.id, restored)
        await repos.audit.record(tx, admin_id, AuditAction.UNBAN, user.id, {"name": subject.name})
    return Moderated(BanOutcome.UNBANNED, subject)
