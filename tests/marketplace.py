"""A live marketplace for the fuzz test and the authorization matrix: companies and
prospectors signed up through the bot, missions in several states, applications, threads
with offers, results pending, validated, rejected and disputed, a payout statement, an
admin, and newcomers half-way through signing up.

Sign-ups and postings go through the bot (in batches, so a large market builds quickly);
the rest goes through the rules, whose notices reach the users' screens with their buttons."""

from __future__ import annotations

from dataclasses import dataclass, field

from services import assignments, missions, payouts, results, threads
from services.results import Submitted
from storage.models import AssignmentStatus, MessageKind, Mission, Thread
from tests.harness import BotHarness, FakeUser
from tests.helpers import START, onboard_companies, onboard_prospectors, post_mission
from tests.rules import details

# The harness's settings name this user the one admin.
ADMIN_ID = 999


@dataclass
class Market:
    admin: FakeUser
    companies: list[FakeUser]
    prospectors: list[FakeUser]
    newcomers: list[FakeUser]
    missions: list[Mission] = field(default_factory=list)
    # Ids of every object, by kind, for data pointing at things that exist.
    ids: dict[str, list[int]] = field(default_factory=dict)

    @property
    def users(self) -> list[FakeUser]:
        return [self.admin, *self.companies, *self.prospectors, *self.newcomers]


async def build_market(bot: BotHarness, *, companies: int, prospectors: int) -> Market:
    """At least 2 companies and 4 prospectors, so every kind of object exists and has
    someone who does not own it."""
    assert companies >= 2 and prospectors >= 4
    admin = bot.user("Ada", user_id=ADMIN_ID)
    await admin.send("/start")
    half = prospectors // 2
    market = Market(
        admin=admin,
        companies=[
            *await onboard_companies(bot, [f"Co{n}" for n in range(companies // 2)], "fr"),
            *await onboard_companies(bot, [f"Firm{n}" for n in range(companies - companies // 2)]),
        ],
        prospectors=[
            *await onboard_prospectors(bot, [f"Pia{n}" for n in range(half)], "fr"),
            *await onboard_prospectors(
                bot, [f"Pat{n}" for n in range(prospectors - half)], specialties=("b2b", "b2c")
            ),
        ],
        newcomers=await newcomers(bot),
    )
    await post_missions(bot, market)
    await staff_missions(bot, market)
    await bot.settle()
    market.ids = await object_ids(bot)
    return market


async def newcomers(bot: BotHarness) -> list[FakeUser]:
    """One who only said /start, one who chose a role, one half-way through a profile."""
    fresh, chose, typing = (bot.user(name) for name in ("Nina", "Noah", "Nora"))
    for user in (fresh, chose, typing):
        await user.send("/start")
    for user in (chose, typing):
        await user.tap("Prospector")
    await typing.send("Nora Calls")
    return [fresh, chose, typing]


async def post_missions(bot: BotHarness, market: Market) -> None:
    """Two missions per company: one starting at once, one on application; the first
    company's third is paused and its fourth closed."""
    for index, company in enumerate(market.companies):
        language = "fr" if company.first_name.startswith("Co") else "en"
        for approval, pay in (("auto", "appointment"), ("manual", "lead")):
            mission = await post_mission(
                bot, company, language, approval=approval, pay=pay, slots=str(3 + index % 3),
                title=f"Call round {index} {approval}", cap="12",
            )  # fmt: skip
            market.missions.append(mission)
    first = market.companies[0]
    deps = bot.services.deps
    for paused in (True, False):
        mission = await post_mission(bot, first, "fr", title=f"Paused {paused}", approval="auto")
        if paused:
            await missions.set_paused(deps, first.id, mission.id, paused=True)
        else:
            await missions.close(deps, first.id, mission.id)
        market.missions.append(mission)


async def staff_missions(bot: BotHarness, market: Market) -> None:
    """Prospectors take open missions in turn (started or applied), some ask questions and
    make offers, the started ones report results that get validated, rejected, disputed
    and put on a statement."""
    deps = bot.services.deps
    open_missions = [m for m in market.missions if not m.title.startswith("Paused")]
    for n, prospector in enumerate(market.prospectors):
        taken = open_missions[n % len(open_missions)]
        await assignments.take(deps, prospector.id, taken.id)
        other = open_missions[(n + 3) % len(open_missions)]
        if n % 2 == 0:
            thread = await threads.open_for_mission(deps, prospector.id, other.id, to_offer=True)
            if isinstance(thread, Thread):
                await threads.post(deps, prospector.id, thread, MessageKind.TEXT, "Hello?")
                await threads.make_offer(deps, prospector.id, thread, 4_500 + n)
        active = await deps.repos.assignments.find(taken.id, prospector.id)
        if active is not None and active.status is AssignmentStatus.ACTIVE:
            await report_results(bot, prospector.id, taken, active.id, n)
    await payouts.issue_statements(deps, START)
    await bot.settle()


async def report_results(
    bot: BotHarness, prospector_id: int, mission: Mission, assignment_id: int, n: int
) -> None:
    """Four results: validated, rejected then disputed, rejected, pending."""
    deps = bot.services.deps
    ids = []
    for k in range(4):
        sent = await results.submit(
            deps, prospector_id, assignment_id, details(f"+336{n:04d}{k:04d}")
        )
        assert isinstance(sent, Submitted), sent
        ids.append(sent.result_id)
    await results.validate(deps, mission.company_id, ids[:1])
    for result_id in ids[1:3]:
        await results.reject(deps, mission.company_id, result_id, "Wrong contact person")
    await results.dispute(deps, prospector_id, ids[1], "The contact was the right one")


async def object_ids(bot: BotHarness) -> dict[str, list[int]]:
    tables = (
        "missions", "assignments", "threads", "offers", "results", "disputes", "statements",
        "users",
    )  # fmt: skip
    read = bot.services.db.read
    return {
        table: [int(row["id"]) for row in await read.fetch_all(f"SELECT id FROM {table}", ())]
        for table in tables
    }
