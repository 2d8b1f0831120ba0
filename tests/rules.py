"""Running the rules (`services`) without Telegram: a real database, a notifier that
records what the rules asked to send, and users seeded straight into storage."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from services.notices import Notice
from services.ports import Deps, FanOut, Rules
from storage.clock import ManualClock
from storage.database import Database, Transaction
from storage.models import (
    Approval,
    Audience,
    CompanyProfile,
    MissionFields,
    PayModel,
    ProspectorProfile,
    ResultDetails,
    Role,
    Target,
)
from storage.repositories import Repositories
from tests.helpers import START


class RecordingNotifier:
    """The notifier port, recording what the rules asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, Notice]] = []
        self.fanned_out: list[tuple[Audience, Notice]] = []

    async def notify(self, tx: Transaction, user_id: int, notice: Notice) -> None:
        self.sent.append((user_id, notice))

    async def notify_many(self, tx: Transaction, notices: Sequence[tuple[int, Notice]]) -> None:
        self.sent.extend(notices)

    async def fan_out(self, tx: Transaction, audience: Audience, notice: Notice) -> FanOut:
        self.fanned_out.append((audience, notice))
        return FanOut(campaign_id=0, recipients=0)


async def open_deps(path: Path) -> tuple[Deps, RecordingNotifier]:
    db = Database(path)
    await db.open()
    clock = ManualClock(START)
    notifier = RecordingNotifier()
    rules = Rules(min_rate_cents=50, max_rate_cents=1_000_000, zone=ZoneInfo("Europe/Paris"))
    deps = Deps(db=db, repos=Repositories.create(db, clock), notifier=notifier, clock=clock,
                rules=rules)  # fmt: skip
    return deps, notifier


async def seed_user(deps: Deps, user_id: int, role: Role, name: str = "User") -> None:
    users = deps.repos.users
    async with deps.db.transaction() as tx:
        await tx.run(
            lambda s: users.seen(s, user_id, first_name=name, username=None, language="en")
        )
        await users.set_role(tx, user_id, role)


async def seed_company(deps: Deps, user_id: int, name: str = "Acme") -> None:
    await seed_user(deps, user_id, Role.COMPANY, name)
    async with deps.db.transaction() as tx:
        profile = CompanyProfile(user_id=user_id, name=name, sector="retail", siren=None)
        await deps.repos.profiles.save_company(tx, profile)


async def seed_prospector(deps: Deps, user_id: int, name: str = "Jo") -> str:
    """Returns the prospector's public code."""
    await seed_user(deps, user_id, Role.PROSPECTOR, name)
    async with deps.db.transaction() as tx:
        profile = ProspectorProfile(
            user_id=user_id,
            number=await deps.repos.profiles.next_prospector_number(tx),
            display_name=name,
            languages=("fr",),
            specialties=("b2b", "appointments"),
            experience_years=3,
            bio="",
            notify_new_missions=True,
        )
        await deps.repos.profiles.save_prospector(tx, profile)
    return profile.code


def seed_file(
    db_path: Path, companies: Iterable[int] = (), prospectors: Iterable[int] = ()
) -> None:
    """Companies and prospectors written straight into the database file, before a bot
    process runs on it: each named after its id."""

    async def write() -> None:
        deps, _ = await open_deps(db_path)
        try:
            for user_id in companies:
                await seed_company(deps, user_id, f"C{user_id}")
            for user_id in prospectors:
                await seed_prospector(deps, user_id, f"P{user_id}")
        finally:
            await deps.db.close()

    asyncio.run(write())


def fields(**changes: object) -> MissionFields:
    values: dict[str, object] = {
        "title": "Book demos",
        "brief": "Call IT managers of SaaS vendors and book a demo with our team.",
        "pay_model": PayModel.APPOINTMENT,
        "rate_cents": 4_000,
        "slots": 1,
        "result_cap": None,
        "deadline": None,
        "target": Target.B2B,
        "approval": Approval.AUTO,
    }
    values.update(changes)
    return MissionFields.model_validate(values)


def details(phone: str = "+33612345678", **changes: object) -> ResultDetails:
    """A result as a prospector reports it, changed where told."""
    values: dict[str, object] = {
        "contact_name": "Marie Curie",
        "contact_company": "Radium SA",
        "phone": phone,
        "appointment_at": None,
        "notes": "",
        "proof": None,
    }
    values.update(changes)
    return ResultDetails.model_validate(values)
