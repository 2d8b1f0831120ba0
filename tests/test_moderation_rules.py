"""The moderation rules without Telegram: who may ban, what a ban pauses and withdraws, the
audit row written with the action and only then, a banned company that cannot resume a
mission; who a broadcast never reaches; the parsing of user references; and the /stats
figures as each language writes them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.kit.i18n import Catalogs
from handlers.admin.screens import stats_text
from services import assignments, broadcasts, missions, moderation, notices
from services.moderation import BanOutcome
from services.ports import Deps
from services.validation import Invalid, UserRef, user_ref
from storage.models import (
    BROADCAST_AUDIENCES,
    CampaignMessage,
    MarketFigures,
    MissionStatus,
    Priority,
    ResultStatus,
)
from tests.rules import RecordingNotifier, fields, open_deps, seed_company, seed_prospector

ADMIN = 1
ACME = 10
JO = 20


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Deps, RecordingNotifier]]:
    deps, notifier = await open_deps(tmp_path / "moderation.sqlite3")
    deps = replace(deps, rules=replace(deps.rules, admin_ids=frozenset({ADMIN})))
    await seed_company(deps, ACME)
    await seed_prospector(deps, JO)
    yield deps, notifier
    await deps.db.close()


async def audit_count(deps: Deps) -> int:
    return await deps.repos.audit.count()


async def test_only_admins_ban_and_unban(world: tuple[Deps, RecordingNotifier]) -> None:
    deps, notifier = world
    assert (await moderation.ban(deps, JO, UserRef(user_id=ACME), None)).outcome is (
        BanOutcome.NOT_ALLOWED
    )
    assert (await moderation.unban(deps, JO, UserRef(user_id=ACME))).outcome is (
        BanOutcome.NOT_ALLOWED
    )
    acme = await deps.repos.users.get(ACME)
    assert acme is not None and not acme.is_banned
    assert await audit_count(deps) == 0 and notifier.sent == []


async def test_an_admin_cannot_be_banned_even_before_writing_to_the_bot(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, _ = world
    other_admin = replace(deps.rules, admin_ids=frozenset({ADMIN, 2}))
    deps = replace(deps, rules=other_admin)
    for target in (ADMIN, 2):
        done = await moderation.ban(deps, ADMIN, UserRef(user_id=target), None)
        assert done.outcome is BanOutcome.ADMIN
    assert await audit_count(deps) == 0


async def test_a_ban_pauses_open_missions_only_and_a_banned_company_cannot_resume(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    opened = await missions.publish(deps, ACME, fields(title="Open one"))
    paused = await missions.publish(deps, ACME, fields(title="Paused one"))
    assert isinstance(opened, missions.Published) and isinstance(paused, missions.Published)
    assert await missions.set_paused(deps, ACME, paused.mission_id, paused=True)

    done = await moderation.ban(deps, ADMIN, UserRef(user_id=ACME), "spam")
    assert done.outcome is BanOutcome.BANNED and done.missions_paused == [opened.mission_id]
    assert notifier.sent[-1] == (ACME, notices.AccountBanned(reason="spam"))
    # An update that passed the account guard just before the ban still cannot resume.
    assert not await missions.set_paused(deps, ACME, opened.mission_id, paused=False)
    mission = await deps.repos.missions.get(opened.mission_id)
    assert mission is not None and mission.status is MissionStatus.PAUSED

    assert (await moderation.unban(deps, ADMIN, UserRef(user_id=ACME))).outcome is (
        BanOutcome.UNBANNED
    )
    assert notifier.sent[-1] == (ACME, notices.AccountRestored(to_company=True))
    assert await missions.set_paused(deps, ACME, opened.mission_id, paused=False)
    assert [entry.action.value for entry in await deps.repos.audit.newest(0, 5)] == [
        "unban",
        "ban",
    ]


async def test_a_banned_prospector_keeps_active_work_and_loses_applications(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    deps, notifier = world
    auto = await missions.publish(deps, ACME, fields(title="Starts at once"))
    manual = await missions.publish(deps, ACME, fields(title="On application", approval="manual"))
    assert isinstance(auto, missions.Published) and isinstance(manual, missions.Published)
    await assignments.take(deps, JO, auto.mission_id)
    await assignments.take(deps, JO, manual.mission_id)

    done = await moderation.ban(deps, ADMIN, UserRef(prospector_number=1), None)
    assert done.outcome is BanOutcome.BANNED
    assert done.applications_withdrawn == [manual.mission_id] and done.missions_paused == []
    kept = await deps.repos.assignments.find(auto.mission_id, JO)
    left = await deps.repos.assignments.find(manual.mission_id, JO)
    assert kept is not None and kept.status.value == "active"
    assert left is not None and left.status.value == "left"
    withdrawn = [n for user, n in notifier.sent if user == ACME]
    assert isinstance(withdrawn[-1], notices.ApplicationWithdrawn)
    assert notifier.sent[-1] == (JO, notices.AccountBanned(reason=None))

    again = await moderation.ban(deps, ADMIN, UserRef(user_id=JO), None)
    assert again.outcome is BanOutcome.ALREADY_BANNED
    assert await audit_count(deps) == 1


async def test_no_broadcast_audience_includes_an_admin(
    world: tuple[Deps, RecordingNotifier],
) -> None:
    """Admins are users too (one signed up as a company, one as a prospector), yet no
    audience reaches them: the admin who sends sees the preview, the others are not its
    public. The campaign keeps them out however long it takes to expand."""
    deps, _ = world
    deps = replace(deps, rules=replace(deps.rules, admin_ids=frozenset({ADMIN, 2})))
    await seed_company(deps, ADMIN, "Admins & Co")
    await seed_prospector(deps, 2, "Second admin")
    counted = {kind: await broadcasts.count(deps, kind) for kind in BROADCAST_AUDIENCES}
    assert counted == {"everyone": 2, "companies": 1, "prospectors": 1, "active_prospectors": 1}

    audience = broadcasts.audience_of(deps, "everyone")
    copy = CampaignMessage(method="copy_message", params={"from_chat_id": ADMIN, "message_id": 5})
    campaigns = deps.repos.campaigns
    async with deps.db.transaction() as tx:
        campaign_id = await campaigns.create(
            tx, audience, {"en": copy}, Priority.BROADCAST, default_language="en"
        )
    async with deps.db.transaction() as tx:
        await campaigns.expand_chunk(tx, campaign_id, size=100)
    queued = await deps.db.read.fetch_all(
        "SELECT chat_id FROM outbox WHERE campaign_id = ? ORDER BY chat_id", (campaign_id,)
    )
    assert [row["chat_id"] for row in queued] == [ACME, JO]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("123456789", UserRef(user_id=123456789)),
        ("P-0042", UserRef(prospector_number=42)),
        ("p-42", UserRef(prospector_number=42)),
        (" P42 ", UserRef(prospector_number=42)),
    ],
)
def test_users_are_named_by_id_or_code(typed: str, expected: UserRef) -> None:
    assert user_ref(typed) == expected


@pytest.mark.parametrize("typed", ["", "P-", "Q-0042", "-5", "12a", "P-00x2", "@someone"])
def test_other_references_are_refused(typed: str) -> None:
    with pytest.raises(Invalid) as refused:
        user_ref(typed)
    assert refused.value.key == "invalid.user_ref"


FIGURES = MarketFigures(
    companies=1_204,
    prospectors=12_345,
    without_role=7,
    active_7_days=3_210,
    active_30_days=10_002,
    blocked=12,
    banned=3,
    open_missions=1_500,
    paused_missions=4,
    results={ResultStatus.PENDING: 2_500, ResultStatus.VALIDATED: 45_000, ResultStatus.REJECTED: 9},
    open_disputes=2,
    validated_cents=123_456_789,
    unstatemented_cents=5_000,
    due_cents=1_000_000,
    paid_cents=99_999_900,
    backlog={Priority.NOTIFICATION: 1_001, Priority.REMINDER: 0, Priority.BROADCAST: 24_000},
)


@pytest.mark.parametrize(
    ("language", "parts"),
    [
        ("en", ["Users: 13,556 — 1,204 companies, 12,345 prospectors, 7 without a role yet",
                "Validated (gross): €1,234,567.89", "€999,999.00 paid",
                "Outbox backlog: 1,001 notifications, 0 reminders, 24,000 broadcast messages"]),
        ("fr", ["Utilisateurs : 13 556 — 1 204 entreprises, 12 345 prospecteurs",
                "Validé (brut) : 1 234 567,89 €", "999 999,00 € payés",
                "File d'envoi : 1 001 notifications, 0 rappels, 24 000 messages de diffusion"]),
    ],
)  # fmt: skip
def test_stats_are_written_with_each_languages_separators(language: str, parts: list[str]) -> None:
    text = stats_text(Catalogs("fr")[language], FIGURES)
    plain = text.replace("\u202f", " ").replace("\u00a0", " ")
    for part in parts:
        assert part in plain, (part, plain)
