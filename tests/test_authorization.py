"""The authorization matrix: every kind of button data the bot knows (found by walking the
codecs, so a new one without an entry fails `test_every_button_kind_has_an_entry`), forged
by someone it does not belong to — another company, another prospector, the other role, a
non-admin — must change nothing and be refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.kit import callbacks as cb
from bot.kit import wizard
from bot.kit.callbacks import CallbackData
from handlers.admin.broadcast_screens import AudienceCb, BroadcastCb
from handlers.admin.screens import AuditPageCb, DecideCb, DisputesNextCb
from handlers.browse.screens import (
    FilterClearCb,
    FilterPayCb,
    FilterRateCb,
    FiltersCb,
    FilterTargetCb,
    LeaveCb,
    LeaveConfirmCb,
    ListClearCb,
    MineDetailsCb,
    TakeCb,
)
from handlers.common import LanguageCb
from handlers.missions.fields import ChoiceCb
from handlers.missions.screens import EditFieldCb, MissionActionCb, NewMissionCb, PeopleCb
from handlers.onboarding.steps import (
    Field,
    LanguageToggleCb,
    NotifyCb,
    ProfileFieldCb,
    RoleCb,
    SectorCb,
    SpecialtyToggleCb,
)
from handlers.payouts.screens import MarkPaidCb, PayoutsCb, ReceiptCb
from handlers.results.screens import DisputeCb, EarningsCb, PickerPageCb
from handlers.review.screens import (
    ExportListCb,
    ExportMissionCb,
    RejectCb,
    ReviewNextCb,
    ValidateCb,
    ValidateShownCb,
)
from handlers.threads.screens import OfferAcceptCb, OfferCounterCb, OfferDeclineCb
from storage.models import PayModel, Receipt, Role, Target
from tests.fuzz import codecs
from tests.harness import BotHarness, FakeUser
from tests.helpers import rows
from tests.marketplace import Market, build_market

# No background job may change a table between the snapshots.
pytestmark = pytest.mark.frozen_clock

Row = dict[str, Any]
Forgery = tuple[FakeUser, CallbackData]

# Bookkeeping, not state anyone acts on: which updates were handled, the conversation state
# the tapper's own wizard keeps.
BOOKKEEPING = frozenset({"inbox", "persistence_user_data", "persistence_conversations"})


class Owners:
    """The market's objects with who owns them, and the users each does not belong to."""

    def __init__(self, market: Market, tables: dict[str, list[Row]]) -> None:
        self.market = market
        self.tables = tables
        self.by_id = {user.id: user for user in market.users}

    def first(self, table: str, **where: object) -> Row:
        found = [row for row in self.tables[table] if all(row[k] == v for k, v in where.items())]
        assert found, f"the market has no {table} row with {where}"
        return found[0]

    def mission_of(self, row: Row) -> Row:
        return self.first("missions", id=row["mission_id"])

    def strangers(self, *owners: int) -> list[FakeUser]:
        """A company and a prospector owning none of it, and the (non-admin) newcomer."""
        companies = [u for u in self.market.companies if u.id not in owners]
        prospectors = [u for u in self.market.prospectors if u.id not in owners]
        return [companies[0], prospectors[0], self.market.newcomers[0]]

    def against(self, data: CallbackData, *owners: int) -> list[Forgery]:
        return [(user, data) for user in self.strangers(*owners)]

    # Objects in the states the actions act on.

    def mission(self, **where: object) -> Row:
        return self.first("missions", **where)

    def application(self) -> tuple[Row, Row]:
        assignment = self.first("assignments", status="applied")
        return assignment, self.mission_of(assignment)

    def active(self) -> tuple[Row, Row]:
        assignment = self.first("assignments", status="active")
        return assignment, self.mission_of(assignment)

    def result(self, status: str) -> tuple[Row, Row]:
        result = self.first("results", status=status)
        return result, self.mission_of(result)

    def thread(self) -> Row:
        offer = self.first("offers", status="pending")
        return self.first("threads", id=offer["thread_id"])

    def pending_offer(self) -> tuple[Row, Row]:
        offer = self.first("offers", status="pending")
        return offer, self.first("threads", id=offer["thread_id"])

    def statement(self) -> Row:
        return self.first("statements", status="due")


def mission_actions(o: Owners) -> list[Forgery]:
    mission = o.mission(status="open")
    actions = ("pause", "resume", "close", "close_ok", "edit", "share")
    return [
        forgery
        for action in actions
        for forgery in o.against(
            MissionActionCb(action=action, mission_id=mission["id"]), mission["company_id"]
        )
    ]


def on_mission(make: Callable[[int], CallbackData]) -> Callable[[Owners], list[Forgery]]:
    def build(o: Owners) -> list[Forgery]:
        mission = o.mission(status="open")
        return o.against(make(mission["id"]), mission["company_id"])

    return build


def on_application(make: Callable[[int], CallbackData]) -> Callable[[Owners], list[Forgery]]:
    def build(o: Owners) -> list[Forgery]:
        assignment, mission = o.application()
        return o.against(make(assignment["id"]), mission["company_id"], assignment["prospector_id"])

    return build


def on_active(make: Callable[[int], CallbackData]) -> Callable[[Owners], list[Forgery]]:
    def build(o: Owners) -> list[Forgery]:
        assignment, mission = o.active()
        return o.against(make(assignment["id"]), mission["company_id"], assignment["prospector_id"])

    return build


def on_result(
    status: str, make: Callable[[int], CallbackData]
) -> Callable[[Owners], list[Forgery]]:
    def build(o: Owners) -> list[Forgery]:
        result, mission = o.result(status)
        return o.against(make(result["id"]), mission["company_id"], result["prospector_id"])

    return build


def on_thread(make: Callable[[int], CallbackData]) -> Callable[[Owners], list[Forgery]]:
    def build(o: Owners) -> list[Forgery]:
        thread = o.thread()
        return o.against(make(thread["id"]), thread["company_id"], thread["prospector_id"])

    return build


def on_offer(make: Callable[[int], CallbackData]) -> Callable[[Owners], list[Forgery]]:
    """Strangers, and the offer's own author (only the other side may answer it)."""

    def build(o: Owners) -> list[Forgery]:
        offer, thread = o.pending_offer()
        data = make(offer["id"])
        author = o.by_id[offer["author_id"]]
        return [*o.against(data, thread["company_id"], thread["prospector_id"]), (author, data)]

    return build


def on_statement(make: Callable[[int], CallbackData]) -> Callable[[Owners], list[Forgery]]:
    def build(o: Owners) -> list[Forgery]:
        statement = o.statement()
        return o.against(make(statement["id"]), statement["company_id"], statement["prospector_id"])

    return build


def validate_shown(o: Owners) -> list[Forgery]:
    result, mission = o.result("pending")
    data = ValidateShownCb(mission_id=mission["id"], ids=str(result["id"]))
    return o.against(data, mission["company_id"], result["prospector_id"])


def review_next(o: Owners) -> list[Forgery]:
    result, mission = o.result("pending")
    data = ReviewNextCb(mission_id=mission["id"], after=0)
    return o.against(data, mission["company_id"], result["prospector_id"])


def admin_only(make: Callable[[Owners], CallbackData]) -> Callable[[Owners], list[Forgery]]:
    """Every user but the admin: the parties of the dispute included."""

    def build(o: Owners) -> list[Forgery]:
        dispute = o.first("disputes", status="open")
        result, mission = o.result("rejected")
        result = o.first("results", id=dispute["result_id"])
        parties = [o.by_id[mission["company_id"]], o.by_id[result["prospector_id"]]]
        data = make(o)
        return [*o.against(data), *((user, data) for user in parties)]

    return build


def closed_to_claims(make: Callable[[int], CallbackData]) -> Callable[[Owners], list[Forgery]]:
    """A mission nobody may claim now (paused), and any mission by a company."""

    def build(o: Owners) -> list[Forgery]:
        paused = o.mission(status="paused")
        open_one = o.mission(status="open")
        return [
            (o.market.prospectors[-1], make(paused["id"])),
            (o.market.companies[-1], make(open_one["id"])),
            (o.market.newcomers[0], make(open_one["id"])),
        ]

    return build


def prospectors_only(make: Callable[[int], CallbackData]) -> Callable[[Owners], list[Forgery]]:
    def build(o: Owners) -> list[Forgery]:
        data = make(o.mission(status="paused")["id"])
        return [(o.market.companies[-1], data), (o.market.newcomers[0], data)]

    return build


def dispute_id(o: Owners) -> int:
    return int(o.first("disputes", status="open")["id"])


@dataclass(frozen=True)
class Owned:
    """Points at an object (or a privilege) someone has: forged by others, it is refused
    and changes nothing."""

    forgeries: Callable[[Owners], list[Forgery]]


@dataclass(frozen=True)
class Unowned:
    """Points at nothing anyone owns — a page of one's own list, a filter, a step of one's
    own wizard: forged by anyone, it may change the tapper's own state, nobody else's."""

    why: str
    data: CallbackData


MATRIX: dict[type[CallbackData], Owned | Unowned] = {
    # A company's missions and what it does with them.
    cb.MissionCardCb: Owned(on_mission(lambda m: cb.MissionCardCb(mission_id=m))),
    MissionActionCb: Owned(mission_actions),
    PeopleCb: Owned(on_mission(lambda m: PeopleCb(mission_id=m, status="applied"))),
    EditFieldCb: Owned(on_mission(lambda m: EditFieldCb(mission_id=m, field="title"))),
    cb.ReviewCb: Owned(on_mission(lambda m: cb.ReviewCb(mission_id=m))),
    ExportMissionCb: Owned(on_mission(lambda m: ExportMissionCb(mission_id=m))),
    cb.ThreadListCb: Owned(on_mission(lambda m: cb.ThreadListCb(mission_id=m))),
    cb.ApproveCb: Owned(on_application(lambda a: cb.ApproveCb(assignment_id=a))),
    cb.DeclineCb: Owned(on_application(lambda a: cb.DeclineCb(assignment_id=a))),
    ReviewNextCb: Owned(review_next),
    ValidateCb: Owned(on_result("pending", lambda r: ValidateCb(result_id=r))),
    RejectCb: Owned(on_result("pending", lambda r: RejectCb(result_id=r))),
    ValidateShownCb: Owned(validate_shown),
    MarkPaidCb: Owned(on_statement(lambda s: MarkPaidCb(statement_id=s))),
    # A prospector's assignments, results and receipts.
    LeaveCb: Owned(on_active(lambda a: LeaveCb(assignment_id=a))),
    LeaveConfirmCb: Owned(on_active(lambda a: LeaveConfirmCb(assignment_id=a))),
    cb.SubmitResultCb: Owned(on_active(lambda a: cb.SubmitResultCb(assignment_id=a))),
    DisputeCb: Owned(on_result("rejected", lambda r: DisputeCb(result_id=r))),
    ReceiptCb: Owned(on_statement(lambda s: ReceiptCb(statement_id=s, receipt=Receipt.CONFIRMED))),
    # Claims on a mission: only a prospector, only while it is open.
    TakeCb: Owned(closed_to_claims(lambda m: TakeCb(mission_id=m))),
    cb.ProposeRateCb: Owned(closed_to_claims(lambda m: cb.ProposeRateCb(mission_id=m))),
    cb.AskQuestionCb: Owned(closed_to_claims(lambda m: cb.AskQuestionCb(mission_id=m))),
    # A mission's details are public to prospectors, whatever its state; not to companies.
    cb.DetailsCb: Owned(prospectors_only(lambda m: cb.DetailsCb(mission_id=m))),
    MineDetailsCb: Owned(prospectors_only(lambda m: MineDetailsCb(mission_id=m))),
    # Threads and offers: their two sides only.
    cb.ThreadReplyCb: Owned(on_thread(lambda t: cb.ThreadReplyCb(thread_id=t))),
    cb.ThreadOfferCb: Owned(on_thread(lambda t: cb.ThreadOfferCb(thread_id=t))),
    cb.ThreadOpenCb: Owned(on_thread(lambda t: cb.ThreadOpenCb(thread_id=t))),
    OfferAcceptCb: Owned(on_offer(lambda f: OfferAcceptCb(offer_id=f))),
    OfferCounterCb: Owned(on_offer(lambda f: OfferCounterCb(offer_id=f))),
    OfferDeclineCb: Owned(on_offer(lambda f: OfferDeclineCb(offer_id=f))),
    # The admins' privilege.
    DecideCb: Owned(admin_only(lambda o: DecideCb(dispute_id=dispute_id(o), verdict="validate"))),
    DisputesNextCb: Owned(admin_only(lambda o: DisputesNextCb(after=0))),
    AuditPageCb: Owned(admin_only(lambda o: AuditPageCb(page=0))),
    AudienceCb: Owned(admin_only(lambda o: AudienceCb(audience="everyone"))),
    BroadcastCb: Owned(
        admin_only(lambda o: BroadcastCb(action="send", audience="everyone", message_id=1))
    ),
    # One's own lists, filters and wizards.
    cb.HomeCb: Unowned("the tapper's own home screen", cb.HomeCb(action="profile")),
    cb.MissionListCb: Unowned("the tapper's own missions", cb.MissionListCb(page=1)),
    cb.BrowsePageCb: Unowned("the open missions anyone browses", cb.BrowsePageCb(page=1)),
    cb.MyMissionsCb: Unowned("the tapper's own assignments", cb.MyMissionsCb(page=1)),
    EarningsCb: Unowned("the tapper's own earnings", EarningsCb(page=1)),
    PayoutsCb: Unowned("the tapper's own statements", PayoutsCb(page=1)),
    ExportListCb: Unowned("the tapper's own missions", ExportListCb(page=1)),
    PickerPageCb: Unowned("the tapper's own assignments", PickerPageCb(page=1)),
    FiltersCb: Unowned("the tapper's browsing filters", FiltersCb()),
    FilterPayCb: Unowned("the tapper's browsing filters", FilterPayCb(pay_model=PayModel.LEAD)),
    FilterTargetCb: Unowned("the tapper's browsing filters", FilterTargetCb(target=Target.B2C)),
    FilterRateCb: Unowned("the tapper's browsing filters", FilterRateCb(min_rate_cents=2000)),
    FilterClearCb: Unowned("the tapper's browsing filters", FilterClearCb()),
    ListClearCb: Unowned("the tapper's browsing filters", ListClearCb()),
    NewMissionCb: Unowned("starts the tapper's own posting", NewMissionCb()),
    ChoiceCb: Unowned("a step of the tapper's posting", ChoiceCb(field="target", option="b2c")),
    LanguageCb: Unowned("the tapper's own language", LanguageCb(language="fr")),
    RoleCb: Unowned("the tapper's own sign-up", RoleCb(role=Role.COMPANY)),
    SectorCb: Unowned("the tapper's own profile", SectorCb(sector="energy")),
    LanguageToggleCb: Unowned("the tapper's own profile", LanguageToggleCb(language="de")),
    SpecialtyToggleCb: Unowned("the tapper's own profile", SpecialtyToggleCb(specialty="sales")),
    NotifyCb: Unowned("the tapper's own profile", NotifyCb(notify=False)),
    ProfileFieldCb: Unowned("the tapper's own profile", ProfileFieldCb(field=Field.BIO)),
    wizard.SkipCb: Unowned("a step of the tapper's own wizard", wizard.SkipCb(step="siren")),
    wizard.DoneCb: Unowned("a step of the tapper's own wizard", wizard.DoneCb(step="languages")),
    wizard.ReviewCb: Unowned("the tapper's own wizard", wizard.ReviewCb(action="confirm")),
    wizard.FieldCb: Unowned("the tapper's own wizard", wizard.FieldCb(step="title")),
    wizard.WriteInCb: Unowned("the tapper's own wizard", wizard.WriteInCb(step="sector")),
}


def test_every_button_kind_has_an_entry() -> None:
    missing = sorted(kind.__name__ for kind in codecs() if kind not in MATRIX)
    assert not missing, f"add these button kinds to the authorization matrix: {missing}"


async def tables(bot: BotHarness) -> dict[str, list[Row]]:
    read = bot.services.db.read
    names = await read.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", ()
    )
    found = {}
    for (name,) in names:
        if name not in BOOKKEEPING:
            found[name] = await rows(bot, f"SELECT * FROM {name}")
    return found


def changes(
    before: dict[str, list[Row]], after: dict[str, list[Row]], tapper: int, *, own: bool
) -> dict[str, list[Row]]:
    """Rows added, removed or changed, but for the tapper's own bookkeeping: when they were
    last seen, what the bot told them (and, with `own`, their own state)."""

    def comparable(table: str, row: Row) -> Row | None:
        if table == "outbox" and row["chat_id"] == tapper:
            return None
        if table == "users":
            row = {k: v for k, v in row.items() if k != "last_seen_at"}
        if own and tapper in (row.get("id"), row.get("user_id")):
            return None
        return row

    diff = {}
    for table in after:
        old = [r for r in (comparable(table, row) for row in before.get(table, [])) if r]
        new = [r for r in (comparable(table, row) for row in after[table]) if r]
        moved = [r for r in new if r not in old] + [r for r in old if r not in new]
        if moved:
            diff[table] = moved
    return diff


async def forged_tap(user: FakeUser, data: CallbackData) -> tuple[str, int]:
    """Tap `data` on the user's newest message; what the answer said, and how many
    messages the bot sent them."""
    sent = len(user.texts)
    await user.tap_forged(data.pack())
    return user.alerts[-1], len(user.texts) - sent


async def test_forged_buttons_on_others_objects_change_nothing_and_are_refused(
    bot: BotHarness,
) -> None:
    market = await build_market(bot, companies=2, prospectors=4)
    failures = []
    tapped = 0
    for kind, entry in MATRIX.items():
        if not isinstance(entry, Owned):
            continue
        for user, data in entry.forgeries(Owners(market, await tables(bot))):
            before = await tables(bot)
            answer, told = await forged_tap(user, data)
            tapped += 1
            diff = changes(before, await tables(bot), user.id, own=False)
            if diff:
                failures.append(f"{kind.__name__} {data.pack()} by {user.first_name}: {diff}")
            elif not answer and not told:
                failures.append(f"{kind.__name__} {data.pack()} by {user.first_name}: not refused")
    assert tapped >= 3 * sum(isinstance(entry, Owned) for entry in MATRIX.values())
    assert not failures, "\n".join(failures)


async def test_buttons_owned_by_nobody_change_only_the_tappers_own_state(
    bot: BotHarness,
) -> None:
    market = await build_market(bot, companies=2, prospectors=4)
    failures = []
    for kind, entry in MATRIX.items():
        if not isinstance(entry, Unowned):
            continue
        for user in (market.companies[0], market.prospectors[0], market.newcomers[0], market.admin):
            before = await tables(bot)
            await forged_tap(user, entry.data)
            diff = changes(before, await tables(bot), user.id, own=True)
            if diff:
                failures.append(f"{kind.__name__} by {user.first_name} ({entry.why}): {diff}")
    assert not failures, "\n".join(failures)
