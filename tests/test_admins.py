"""The admins' commands through the real application and the fake Telegram: their menu and
/help, /stats on a seeded marketplace, /ban and /unban (by id and by prospector code) with
their effects and refusals, /audit and its paging; and every admin command refused to
everyone else exactly as an unknown command.

The bot runs on a ManualClock set to 2026-03-10 10:00 in Paris; the admin is user 999."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import BotCommandScopeChat

from bot.app import all_commands
from bot.kit.callbacks import MissionCardCb
from bot.kit.commands import ADMINS
from bot.kit.i18n import Catalogs
from handlers.admin.screens import AuditPageCb, audit_entry
from services import assignments
from storage.clock import ManualClock
from storage.models import AuditAction, AuditEntry
from tests.harness import BotHarness, FakeUser
from tests.helpers import (
    STALE,
    button_labels,
    onboard_company,
    onboard_prospector,
    outbox_texts,
    post_mission,
    rows,
    spaced,
)
from tests.marketplace import ADMIN_ID, build_market
from tests.test_disputes import admin, disputed

pytestmark = pytest.mark.frozen_clock

# In the order the features list them, as /help shows them.
ADMIN_COMMANDS = [c.name for c in all_commands() if c.audiences == ADMINS]
UNKNOWN = "I did not understand that. Send /help to see the commands."
# Bookkeeping that any update touches: the inbox, the sender's conversation state, when
# they were last seen, and what the bot told the sender.
BOOKKEEPING = frozenset({"inbox", "persistence_user_data", "persistence_conversations"})


def menu(bot: BotHarness, user: FakeUser) -> list[str]:
    scope = BotCommandScopeChat(user.id).to_dict()
    return [command["command"] for command in bot.fake.commands(scope)]


async def state(bot: BotHarness, sender: int) -> dict[str, list[dict[str, Any]]]:
    """Every table but bookkeeping, without the sender's own outbox rows and last-seen."""
    names = await rows(
        bot, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    found = {}
    for name in (row["name"] for row in names if row["name"] not in BOOKKEEPING):
        table = await rows(bot, f"SELECT * FROM {name}")
        if name == "outbox":
            table = [row for row in table if row["chat_id"] != sender]
        if name == "users":
            table = [{k: v for k, v in row.items() if k != "last_seen_at"} for row in table]
        found[name] = table
    return found


async def audit_rows(bot: BotHarness) -> list[dict[str, Any]]:
    found = await rows(bot, "SELECT * FROM audit_log ORDER BY id")
    return [{**row, "details": json.loads(row["details"])} for row in found]


# --- the admins' menu and help ----------------------------------------------------------------


async def test_admins_have_their_menu_and_help_lists_admin_commands(bot: BotHarness) -> None:
    assert {"audit", "ban", "disputes", "stats", "unban"} <= set(ADMIN_COMMANDS)
    ada = bot.user("Ada", user_id=ADMIN_ID)
    # Published at start, before the admin ever wrote (ADMIN_IDS may change between starts).
    await bot.restart()
    assert set(ADMIN_COMMANDS) <= set(menu(bot, ada))
    await ada.send("/start")
    await ada.tap("Company")
    await ada.send("Ada Consulting")
    await ada.tap("Retail")
    await ada.tap("Skip")
    assert set(ADMIN_COMMANDS) | {"newmission", "missions"} <= set(menu(bot, ada))

    await ada.send("/help")
    shared, admins = ada.last_text.split("\nAdmins\n")
    assert "/newmission" in shared and "Publish" in shared
    assert "/ban" not in shared
    lines = admins.splitlines()
    assert [line.split(" — ")[0] for line in lines] == [f"/{name}" for name in ADMIN_COMMANDS]
    assert "/ban — Ban a user by id or P-code, with a reason" in lines

    acme = await onboard_company(bot, "Acme")
    assert not set(ADMIN_COMMANDS) & set(menu(bot, acme))
    await acme.send("/help")
    assert "Admins" not in acme.last_text and "/stats" not in acme.last_text


# --- everyone else ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_admin_commands_are_unknown_to_everyone_else(bot: BotHarness, command: str) -> None:
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    await post_mission(bot, acme)
    newcomer = bot.user("Nina")
    await newcomer.send("/start")
    for user in (acme, jo, newcomer):
        await user.send("/nosuchcommand")
        unknown = user.last_text
        before = await state(bot, user.id)
        sent = len(user.texts)
        for text in (f"/{command}", f"/{command} {jo.id} spam", f"/{command} P-0001"):
            await user.send(text)
        assert user.received_since(sent) == [unknown] * 3
        assert await state(bot, user.id) == before, (command, user.first_name)


async def test_forged_audit_pages_are_stale_to_everyone_else(bot: BotHarness) -> None:
    acme = await onboard_company(bot, "Acme")
    await acme.send("/help")
    before = await state(bot, acme.id)
    await acme.tap_forged(AuditPageCb(page=0).pack())
    assert acme.alerts[-1] == STALE
    assert await state(bot, acme.id) == before


# --- /stats -----------------------------------------------------------------------------------


async def count(bot: BotHarness, sql: str) -> int:
    [row] = await rows(bot, sql)
    return int(next(iter(row.values())))


async def test_stats_show_the_marketplace_in_both_languages(bot: BotHarness) -> None:
    market = await build_market(bot, companies=2, prospectors=4)
    ada = market.admin
    await ada.send("/stats")
    text = spaced(ada.last_text)
    users = await count(bot, "SELECT COUNT(*) FROM users")
    roleless = await count(bot, "SELECT COUNT(*) FROM users WHERE role IS NULL")
    validated = await count(bot, "SELECT COUNT(*) FROM results WHERE status = 'validated'")
    gross = await count(bot, "SELECT SUM(gross_cents) FROM ledger_entries")
    due = await count(bot, "SELECT SUM(net_cents) FROM statements WHERE status = 'due'")
    assert validated > 0 and due > 0
    expected = [
        "Callboard in figures",
        f"Users: {users} — 2 companies, 4 prospectors, {roleless} without a role yet",
        f"Active: {users} in the last 7 days, {users} in the last 30 days",
        "Blocked the bot: 0 · 🚫 banned: 0",
        "Missions: 4 open, 1 paused",
        f"{validated} validated",
        f"Validated (gross): €{gross / 100:,.2f}",
        f"On statements (net): €{due / 100:,.2f} due, €0.00 paid",
        "Outbox backlog: 0 notifications, 0 reminders, 0 broadcast messages",
    ]
    for part in expected:
        assert part in text, (part, text)

    # A month later, nobody has been seen for 30 days but the admin, who just wrote.
    assert isinstance(bot.clock, ManualClock)
    bot.clock.advance(timedelta(days=31))
    await ada.send("/language")
    await ada.tap("Français")
    await ada.send("/stats")
    text = spaced(ada.last_text)
    for part in (
        "Callboard en chiffres",
        f"Utilisateurs : {users} — 2 entreprises, 4 prospecteurs",
        "Actifs : 1 ces 7 derniers jours, 1 ces 30 derniers jours",
        "Missions : 4 ouvertes, 1 en pause",
        f"Validé (brut) : {gross / 100:.2f}".replace(".", ",") + " €",
    ):
        assert part in text, (part, text)


# --- /ban and /unban --------------------------------------------------------------------------


async def test_banning_a_company_pauses_its_missions_and_stops_it(bot: BotHarness) -> None:
    ada = bot.user("Ada", user_id=ADMIN_ID)
    await ada.send("/start")
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    first = await post_mission(bot, acme, title="First round of calls")
    second = await post_mission(bot, acme, title="Second round of calls")
    deps = bot.services.deps
    await assignments.take(deps, jo.id, first.id)
    await bot.settle()

    await ada.send(f"/ban {acme.id} Fake missions, never pays")
    assert ada.last_text == (
        f"🚫 Banned Acme SAS (id {acme.id}). They were told, once.\n"
        "2 missions paused (hidden from /browse)."
    )
    statuses = await rows(bot, "SELECT status FROM missions ORDER BY id")
    assert [row["status"] for row in statuses] == ["paused", "paused"]
    assert acme.last_text == (
        "🚫 Your account is suspended.\nReason: Fake missions, never pays\n"
        "Contact the Callboard team if you think this is a mistake."
    )
    # Jo keeps the active assignment; nobody finds the missions in /browse any more.
    active = await rows(bot, "SELECT status FROM assignments WHERE prospector_id = ?", [jo.id])
    assert [row["status"] for row in active] == ["active"]
    await jo.send("/browse")
    assert f"#{first.id}" not in jo.last_text and f"#{second.id}" not in jo.last_text

    # Banned: nothing works, and the notice is not repeated the same day.
    before = await state(bot, acme.id)
    sent = len(acme.texts)
    await acme.send("/missions")
    await acme.send("/start")
    await acme.tap_forged(MissionCardCb(mission_id=first.id).pack())
    assert acme.received_since(sent) == []
    assert await state(bot, acme.id) == before
    assert isinstance(bot.clock, ManualClock)
    bot.clock.advance(timedelta(days=1, minutes=1))
    await acme.send("/missions")
    assert acme.received_since(sent) == [
        "🚫 Your account is suspended. Contact the Callboard team if you think this is a mistake."
    ]
    await acme.send("/newmission")
    assert len(acme.received_since(sent)) == 1

    await ada.send(f"/unban {acme.id}")
    assert ada.last_text == (
        f"✅ Unbanned Acme SAS (id {acme.id}). They were told.\n"
        "Their missions stay paused: the company resumes them itself, from /missions."
    )
    assert acme.last_text.startswith("✅ Your account is active again. Your missions stay paused")
    await acme.send("/missions")
    assert "First round of calls" in acme.last_text
    statuses = await rows(bot, "SELECT status FROM missions ORDER BY id")
    assert [row["status"] for row in statuses] == ["paused", "paused"]

    [ban, unban] = await audit_rows(bot)
    assert (ban["admin_id"], ban["action"], ban["subject_id"]) == (ADMIN_ID, "ban", acme.id)
    assert ban["details"] == {
        "name": "Acme SAS",
        "missions_paused": [first.id, second.id],
        "applications_withdrawn": [],
        "reason": "Fake missions, never pays",
    }
    assert (unban["action"], unban["subject_id"], unban["details"]) == (
        "unban", acme.id, {"name": "Acme SAS"}
    )  # fmt: skip


async def test_banning_a_prospector_by_code_withdraws_applications(bot: BotHarness) -> None:
    ada = bot.user("Ada", user_id=ADMIN_ID)
    await ada.send("/start")
    acme = await onboard_company(bot, "Acme")
    jo = await onboard_prospector(bot, "Jo", notify=False)
    manual = await post_mission(bot, acme, title="Qualify leads", approval="manual")
    auto = await post_mission(bot, acme, title="Book meetings")
    deps = bot.services.deps
    await assignments.take(deps, jo.id, manual.id)
    await assignments.take(deps, jo.id, auto.id)
    await bot.settle()

    await ada.send("/ban p-1")
    assert ada.last_text == (
        f"🚫 Banned P-0001 Jo Caller (id {jo.id}). They were told, once.\n"
        "1 application withdrawn; active missions left as they are."
    )
    assert jo.last_text.startswith("🚫 Your account is suspended.")
    found = await rows(bot, "SELECT mission_id, status FROM assignments ORDER BY mission_id")
    assert [(r["mission_id"], r["status"]) for r in found] == [
        (manual.id, "left"),
        (auto.id, "active"),
    ]
    assert any("P-0001 withdrew" in text for text in await outbox_texts(bot, acme.id))
    [ban] = await audit_rows(bot)
    assert ban["details"]["applications_withdrawn"] == [manual.id]

    before = await state(bot, jo.id)
    await jo.send("/mymissions")
    await jo.send("/browse")
    assert await state(bot, jo.id) == before

    await ada.send("/unban P-0001")
    assert ada.last_text == f"✅ Unbanned P-0001 Jo Caller (id {jo.id}). They were told."
    assert jo.last_text == "✅ Your account is active again. Welcome back!"
    await jo.send("/mymissions")
    assert "Book meetings" in jo.last_text


async def test_bans_that_cannot_be_done_say_why_and_change_nothing(bot: BotHarness) -> None:
    ada = bot.user("Ada", user_id=ADMIN_ID)
    await ada.send("/start")
    acme = await onboard_company(bot, "Acme")
    answers = {
        "/ban": "Usage: /ban <user id or P-code> [reason], for example /ban P-0042 spam.",
        "/ban someone": "⚠️ Name the user by their Telegram id (digits only) or by their "
        "prospector code (P-0042).",
        f"/ban {acme.id} " + "x" * 201: "⚠️ The reason must be 1 to 200 characters long "
        "(yours has 201).",
        f"/ban {ADMIN_ID}": "⛔ Admins cannot be banned.",
        "/ban 424242": "No user 424242 is known to Callboard.",
        "/ban P-0077": "No user P-0077 is known to Callboard.",
        f"/unban {acme.id}": f"Acme SAS (id {acme.id}) is not banned.",
        "/unban": "Usage: /unban <user id or P-code>, for example /unban P-0042.",
    }
    before = await state(bot, ada.id)
    for command, answer in answers.items():
        await ada.send(command)
        assert ada.last_text == answer, command
    assert await state(bot, ada.id) == before

    await ada.send(f"/ban {acme.id}")
    assert acme.last_text.startswith("🚫 Your account is suspended.")
    told = len(acme.texts)
    await ada.send(f"/ban {acme.id} again")
    assert ada.last_text == f"Acme SAS (id {acme.id}) is already banned."
    assert len(acme.texts) == told
    assert [row["action"] for row in await audit_rows(bot)] == ["ban"]


# --- /audit -----------------------------------------------------------------------------------


async def test_a_dispute_decision_writes_its_audit_row(bot: BotHarness) -> None:
    ada = await admin(bot, "Ada", ADMIN_ID)
    _, _, result_id, dispute_id = await disputed(bot)
    await ada.tap("✖️ Keep rejected")
    await ada.send("No trace of the appointment.")
    [row] = await audit_rows(bot)
    assert (row["admin_id"], row["action"], row["subject_id"]) == (
        ADMIN_ID, "dispute_decision", dispute_id
    )  # fmt: skip
    assert row["details"]["validated"] is False and row["details"]["result_id"] == result_id

    await ada.send("/audit")
    assert ada.last_text == (
        "📜 Admin actions, newest first: 1–1 of 1\n\n"
        f"#1 · Mar 10, 2026, 10:00 · Ada ({ADMIN_ID})\n"
        f"⚖️ Dispute decided: dispute #{dispute_id}, result #{result_id}\nkept rejected"
    )


async def test_audit_pages_newest_first(bot: BotHarness) -> None:
    ada = bot.user("Ada", user_id=ADMIN_ID)
    await ada.send("/start")
    await ada.send("/audit")
    assert ada.last_text == "📜 No admin action yet."
    # 25 bans of long-named companies with long reasons: a full page still fits a message.
    repos = bot.services.repos
    async with bot.services.db.transaction() as tx:
        for n in range(1, 26):
            details = {"name": f"Company {n} " + "N" * 80, "reason": "R" * 200,
                       "missions_paused": [1, 2], "applications_withdrawn": []}  # fmt: skip
            await repos.audit.record(tx, ADMIN_ID, AuditAction.BAN, 5000 + n, details)
    await ada.send("/audit")
    page = ada.last_text
    assert page.startswith("📜 Admin actions, newest first: 1–20 of 25\n\n#25 ·")
    assert "\n🚫 Ban: Company 25 NNNNNNNNNNNN… (id 5025)\n2 missions paused · reason: RRR" in page
    assert "#6 ·" in page and "#5 ·" not in page
    assert button_labels(ada) == ["Next ›"]
    await ada.tap("Next ›")
    assert ada.last_text.startswith("📜 Admin actions, newest first: 21–25 of 25\n\n#5 ·")
    assert ada.last_text.endswith("(id 5001)\n2 missions paused · reason: " + "R" * 47 + "…")
    assert button_labels(ada) == ["‹ Previous"]
    await ada.tap("‹ Previous")
    assert ada.last_text == page


@pytest.mark.parametrize(
    ("language", "started", "cancelled"),
    [
        (
            "fr",
            "audience : 📞 Prospecteurs · 1\u202f250 destinataires · payante",
            "3 envoyés · 1\u202f247 non envoyés",
        ),
        (
            "en",
            "audience: 📞 Prospectors · 1,250 recipients · paid",
            "3 sent · 1,247 not sent",
        ),
    ],
)
def test_broadcast_audit_details_read_in_the_admins_language(
    language: str, started: str, cancelled: str
) -> None:
    t = Catalogs("fr")[language]
    when = datetime(2026, 3, 12, 14, 30, tzinfo=UTC)

    def entry(action: AuditAction, details: dict[str, Any]) -> str:
        row = AuditEntry(
            id=1, admin_id=ADMIN_ID, action=action, subject_id=7, details=details,
            created_at=when,
        )  # fmt: skip
        return str(audit_entry(t, row, "Ada")).splitlines()[-1]

    details = {"audience": "prospectors", "recipients": 1250, "paid": True}
    assert entry(AuditAction.BROADCAST, details) == started
    assert entry(AuditAction.BROADCAST_CANCEL, {"sent": 3, "dropped": 1247}) == cancelled
