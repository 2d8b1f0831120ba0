"""/broadcast and /broadcast_cancel through the real application and the fake Telegram:
who gets a broadcast, that it is an exact copy, the preview, the progress message and the
final report, cancelling, and that only admins can do any of it.

The bot runs on a clock only the tests move, without its jobs: the tests run the progress
job themselves (`track`), so that "at most every 5 s" is checked on that clock."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.kit.context import CallboardContext
from handlers.admin.broadcast import track_broadcast
from handlers.admin.broadcast_screens import AudienceCb, BroadcastCb
from storage.clock import ManualClock
from storage.models import Priority
from tests.fake_telegram import FakeMessage, FakeTelegram
from tests.harness import SETTLE_LIMIT, BotHarness, FakeUser, make_settings
from tests.helpers import STALE, onboard_companies, onboard_prospectors, rows

pytestmark = pytest.mark.frozen_clock

ADMIN_ID = 999
EVERYONE = "👥 Everyone"
COMPANIES = "🏢 Companies"
PROSPECTORS = "📞 Prospectors"
ACTIVE = "🔥 Prospectors active (30 days)"
SEND = "📣 Send"
CANCEL = "✖️ Cancel"
UNKNOWN = "I did not understand that. Send /help to see the commands."
REPORT = re.compile(r"^📣 Broadcast #\d+ finished\.")
# What looks like HTML is the admin's text: it must arrive as typed, never escaped.
BOLD_TEXT = "Big <b>news</b> & more: 5 < 6"
# "Big" in bold, "news" in italics, and a link on "more" (ASCII: offsets are indexes).
FORMATTING = [
    {"type": "bold", "offset": 0, "length": 3},
    {"type": "italic", "offset": BOLD_TEXT.index("news"), "length": 4},
    {"type": "text_link", "offset": BOLD_TEXT.index("more"), "length": 4, "url": "https://x.fr"},
]


@pytest.fixture
async def admin(bot: BotHarness) -> FakeUser:
    admin = bot.user("Ada", user_id=ADMIN_ID)
    await admin.send("/start")
    return admin


def context_of(bot: BotHarness) -> CallboardContext:
    assert bot.app is not None
    return CallboardContext(bot.app)


async def track(bot: BotHarness) -> None:
    """One run of the progress job, then whatever it queued is delivered."""
    await track_broadcast(context_of(bot))
    await bot.settle()


async def send_now(bot: BotHarness, user: FakeUser, text: str) -> None:
    """Send without waiting for the outbox: the tests that hold deliveries back."""
    bot.fake.user_sends_text(user.id, text)
    await bot.handle()


async def tap_now(bot: BotHarness, user: FakeUser, label: str) -> None:
    message, data = user.find_button(label)
    bot.fake.user_taps(user.id, message.message_id, data)
    await bot.handle()


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(SETTLE_LIMIT):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def prepare(
    bot: BotHarness, admin: FakeUser, audience: str, send: Callable[[], object]
) -> None:
    """/broadcast, the audience, then the message `send` makes the admin send."""
    await admin.send("/broadcast")
    await admin.tap(audience)
    send()
    await bot.deliver()


def copies_of(source: FakeMessage, user: FakeUser) -> list[FakeMessage]:
    """The bot's messages to `user` that are copies of `source`."""
    return [
        message
        for message in user.messages
        if (message.kind, message.text, message.caption, message.file_id)
        == (source.kind, source.text, source.caption, source.file_id)
    ]


def progress_edits(fake: FakeTelegram, message_id: int) -> int:
    return sum(
        1
        for method, params in fake.calls
        if method == "editMessageText"
        and params.get("chat_id") == ADMIN_ID
        and params.get("message_id") == message_id
    )


async def audit(bot: BotHarness) -> list[dict[str, Any]]:
    found = await rows(bot, "SELECT * FROM audit_log ORDER BY id")
    return [{**row, "details": json.loads(row["details"])} for row in found]


class Population:
    """One user of each kind an audience may or may not include."""

    def __init__(self, bot: BotHarness) -> None:
        self.bot = bot

    async def build(self) -> Population:
        bot = self.bot
        self.company, self.banned_company = await onboard_companies(bot, ["Acme", "Shady"])
        prospectors = await onboard_prospectors(bot, ["Active", "Idle", "Banned", "Blocking"])
        self.active, self.idle, self.banned, self.blocking = prospectors
        self.newcomer = bot.user("Newbie")
        await self.newcomer.send("/start")
        repos = bot.services.repos
        async with bot.services.db.transaction() as tx:
            await repos.users.set_banned(tx, self.banned.id, True)
            await repos.users.set_banned(tx, self.banned_company.id, True)
            await tx.run(lambda s: repos.users.mark_blocked(s, self.blocking.id))
        bot.fake.block(self.blocking.id)
        # A month and a day later, only some have been back.
        assert isinstance(bot.clock, ManualClock)
        bot.clock.advance(timedelta(days=31))
        for user in (self.company, self.active, self.newcomer):
            await user.send("/help")
        return self

    @property
    def everybody(self) -> list[FakeUser]:
        return [
            self.company, self.banned_company, self.active, self.idle, self.banned,
            self.blocking, self.newcomer,
        ]  # fmt: skip


AUDIENCES = {
    EVERYONE: ("company", "active", "idle", "newcomer"),
    COMPANIES: ("company",),
    PROSPECTORS: ("active", "idle"),
    ACTIVE: ("active",),
}


@pytest.mark.parametrize("audience", list(AUDIENCES))
async def test_each_audience_reaches_its_members_and_nobody_banned_or_blocking(
    bot: BotHarness, admin: FakeUser, audience: str
) -> None:
    people = await Population(bot).build()
    expected = [getattr(people, name) for name in AUDIENCES[audience]]
    count = len(expected)

    await prepare(bot, admin, audience, lambda: bot.fake.user_sends_text(admin.id, "Hello all"))
    assert f"{count} recipient" in admin.last_text
    assert "will receive (admins not included)" in admin.last_text
    await admin.tap(SEND)
    await track(bot)

    source = admin.sent[-1]
    for user in people.everybody:
        wanted = user in expected
        assert len(copies_of(source, user)) == wanted, (user.first_name, audience)
    # The admin is a user too, yet in no audience: the preview's copy is theirs.
    assert len(copies_of(source, admin)) == 1
    assert f"Delivered: {count}" in admin.last_text


async def prepare_kind(bot: BotHarness, admin: FakeUser, kind: str) -> None:
    fake = bot.fake
    senders: dict[str, Callable[[], object]] = {
        "text": lambda: fake.user_sends_text(admin.id, BOLD_TEXT, entities=FORMATTING),
        "photo": lambda: fake.user_sends_photo(
            admin.id, caption=BOLD_TEXT, caption_entities=FORMATTING
        ),
        "document": lambda: fake.user_sends_document(
            admin.id, "terms.pdf", caption=BOLD_TEXT, caption_entities=FORMATTING
        ),
        "voice": lambda: fake.user_sends_voice(
            admin.id, caption=BOLD_TEXT, caption_entities=FORMATTING
        ),
    }
    await prepare(bot, admin, COMPANIES, senders[kind])


@pytest.mark.parametrize("kind", ["text", "photo", "document", "voice"])
async def test_each_kind_of_message_is_copied_intact(
    bot: BotHarness, admin: FakeUser, kind: str
) -> None:
    [company] = await onboard_companies(bot, ["Acme"])
    await prepare_kind(bot, admin, kind)
    source = admin.sent[-1]
    # The preview is the copy itself, then the summary.
    preview = admin.messages[-2]
    await admin.tap(SEND)

    [copy] = copies_of(source, company)
    for shown in (preview, copy):
        assert shown.kind == kind
        assert (shown.text if kind == "text" else shown.caption) == BOLD_TEXT
        assert shown.entities == FORMATTING
        assert shown.file_id == source.file_id
        assert "&lt;" not in (shown.text or shown.caption or "")
    copied = [params for method, params in bot.fake.calls if method == "copyMessage"]
    assert all(params["from_chat_id"] == ADMIN_ID for params in copied)
    assert all("caption" not in params and "text" not in params for params in copied)
    assert not any(params.get("allow_paid_broadcast") for params in copied)


async def test_cancel_under_the_preview_sends_nothing(bot: BotHarness, admin: FakeUser) -> None:
    [company] = await onboard_companies(bot, ["Acme"])
    await prepare(bot, admin, COMPANIES, lambda: bot.fake.user_sends_text(admin.id, "Hi"))
    source = admin.sent[-1]
    summary = admin.last_text
    assert "Preview" in summary and "1 recipient" in summary and "Companies" in summary
    assert "25 messages per second" in summary

    await admin.tap(CANCEL)
    await track(bot)

    # The preview says what was chosen, in place of its buttons.
    assert admin.last_text.endswith("Send it?\n\nBroadcast cancelled: nothing was sent.")
    assert admin.messages[-1].buttons() == []
    assert not copies_of(source, company)
    assert await rows(bot, "SELECT * FROM campaigns") == []
    assert await rows(bot, "SELECT * FROM broadcasts") == []
    assert await audit(bot) == []
    # The buttons went with the tap.
    assert admin.messages[-2].buttons() == []


async def test_cancel_command_drops_a_pending_preview(bot: BotHarness, admin: FakeUser) -> None:
    """/cancel after the preview does what its Cancel button does, and only once."""
    [company] = await onboard_companies(bot, ["Acme"])
    await prepare(bot, admin, COMPANIES, lambda: bot.fake.user_sends_text(admin.id, "Hi"))
    source, preview = admin.sent[-1], admin.messages[-1]
    assert [label for label, _, _ in preview.buttons()] == [SEND, CANCEL]

    await admin.send("/cancel")
    await track(bot)

    assert admin.last_text == "Broadcast cancelled: nothing was sent."
    assert preview.buttons() == []
    assert not copies_of(source, company)
    assert await rows(bot, "SELECT * FROM broadcasts") == []
    await admin.send("/cancel")
    assert admin.last_text == "There is nothing to cancel."


async def test_cancel_command_after_send_has_nothing_to_drop(
    bot: BotHarness, admin: FakeUser
) -> None:
    await onboard_companies(bot, ["Acme"])
    await prepare(bot, admin, COMPANIES, lambda: bot.fake.user_sends_text(admin.id, "Hi"))
    await admin.tap(SEND)
    await admin.send("/cancel")
    assert admin.last_text == "There is nothing to cancel."


async def test_an_empty_audience_is_said_and_never_offered_or_sent(
    bot: BotHarness, admin: FakeUser
) -> None:
    [company] = await onboard_companies(bot, ["Acme"])
    await prepare(bot, admin, COMPANIES, lambda: bot.fake.user_sends_text(admin.id, "Hi"))
    stale_preview = admin.messages[-1]
    await prepare(bot, admin, "📞 Prospectors", lambda: bot.fake.user_sends_text(admin.id, "Yo"))

    assert admin.last_text == (
        "Nobody is in this audience yet: nothing was sent. Send /broadcast to choose another one."
    )
    assert admin.messages[-1].buttons() == []
    # The company leaves the audience before the older preview's Send is tapped.
    bot.fake.block(company.id)
    await bot.services.outbox.drain()
    users = bot.services.repos.users
    await bot.services.db.write(lambda tx: users.mark_blocked(tx, company.id))
    await admin.tap(SEND)
    await track(bot)

    assert admin.last_text.startswith("Nobody is in this audience yet")
    assert stale_preview.buttons() == []
    assert await rows(bot, "SELECT * FROM campaigns") == []
    assert await audit(bot) == []


async def test_paid_broadcast_states_rate_and_cost_then_copies_as_paid(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    settings = make_settings(db_path, fake.token, admin_ids=str(ADMIN_ID), broadcast_paid=True)
    bot = BotHarness(settings, fake, clock=clock)
    await bot.start()
    try:
        companies = await onboard_companies(bot, ["A", "B", "C"])
        admin = bot.user("Ada", user_id=ADMIN_ID)
        await prepare(bot, admin, COMPANIES, lambda: fake.user_sends_text(admin.id, "Paid"))
        summary = admin.last_text
        assert "Paid broadcast: up to 1,000 messages per second" in summary
        assert "Estimated cost: 0.3 ⭐ (0.1 ⭐ per message)" in summary
        await admin.tap(SEND)
        source = admin.sent[-1]
        assert all(len(copies_of(source, company)) == 1 for company in companies)
        copied = [params for method, params in fake.calls if method == "copyMessage"]
        # The preview is a plain copy; each delivery is a paid one.
        assert [bool(params.get("allow_paid_broadcast")) for params in copied] == [
            False, True, True, True,
        ]  # fmt: skip
    finally:
        await bot.stop()


async def test_progress_is_edited_at_most_every_5_s_and_the_report_is_sent_once(
    bot: BotHarness, admin: FakeUser, clock: ManualClock
) -> None:
    companies = await onboard_companies(bot, ["A", "B", "C"])
    await prepare(bot, admin, COMPANIES, lambda: bot.fake.user_sends_text(admin.id, "Slowly"))
    await bot.services.outbox.stop()  # nothing is delivered until the test says so
    await tap_now(bot, admin, SEND)
    await bot.services.expander.drain()
    progress = admin.messages[-1]
    assert "Remaining: 3" in (progress.text or "")

    edited_at = []
    for second in range(1, 13):
        clock.advance(timedelta(seconds=1))
        before = progress_edits(bot.fake, progress.message_id)
        await track_broadcast(context_of(bot))
        await track_broadcast(context_of(bot))  # a second tick at the same moment
        if progress_edits(bot.fake, progress.message_id) > before:
            edited_at.append(second)
    assert edited_at == [5, 10]

    bot.services.outbox.start()
    await bot.settle()
    await track(bot)
    assert (progress.text or "").endswith("finished — the report follows.")
    for _ in range(3):
        clock.advance(timedelta(seconds=6))
        await track(bot)
    await bot.restart()
    await track(bot)
    # The figures are said once, in the report: its own message, headed "Broadcast #N
    # finished." (the progress message only says it is over).
    reports = [text for text in admin.texts if REPORT.search(text)]
    assert len(reports) == 1 and "Delivered: 3" in reports[0]
    assert all(len(copies_of(admin.sent[-1], company)) == 1 for company in companies)


async def test_blocked_and_failed_recipients_are_counted_in_the_report(
    bot: BotHarness, admin: FakeUser
) -> None:
    companies = await onboard_companies(bot, ["A", "B", "C", "D"])
    gone = companies[-1]
    bot.fake.block(gone.id)
    await prepare(bot, admin, COMPANIES, lambda: bot.fake.user_sends_text(admin.id, "News"))
    # The next copy Telegram is asked for (the first company's) is refused.
    bot.fake.fail_next("copyMessage", status=400, description="Bad Request: message is too odd")
    await admin.tap(SEND)
    await track(bot)

    assert "Delivered: 2" in admin.last_text
    assert "Blocked the bot: 1" in admin.last_text
    assert "Failed: 1" in admin.last_text
    [user] = await rows(bot, "SELECT blocked_at FROM users WHERE id = ?", [gone.id])
    assert user["blocked_at"] is not None


async def test_broadcast_cancel_stops_it_keeping_what_was_sent(
    bot: BotHarness, admin: FakeUser, clock: ManualClock
) -> None:
    companies = await onboard_companies(bot, ["A", "B", "C", "D"])
    await prepare(bot, admin, COMPANIES, lambda: bot.fake.user_sends_text(admin.id, "Stop me"))
    # Telegram floods two companies' chats: their copies are put off by the test's clock,
    # which stands still until the broadcast is cancelled.
    for company in companies[2:]:
        bot.fake.set_flood(company.id, retry_after=1)
    source = admin.sent[-1]
    await tap_now(bot, admin, SEND)
    await until(lambda: sum(len(copies_of(source, c)) for c in companies) == 2)
    assert [len(copies_of(source, company)) for company in companies] == [1, 1, 0, 0]

    await send_now(bot, admin, "/broadcast")
    assert "still under way (2 left)" in admin.last_text

    await send_now(bot, admin, "/broadcast_cancel")
    assert "cancelled" in admin.last_text
    assert "Sent before cancelling: 2" in admin.last_text
    assert "Not sent: 2" in admin.last_text

    clock.advance(timedelta(hours=2))
    await track(bot)
    assert [len(copies_of(source, company)) for company in companies] == [1, 1, 0, 0]
    assert not any("Delivered" in text for text in admin.texts)
    [broadcast] = await rows(bot, "SELECT * FROM broadcasts")
    assert (broadcast["status"], broadcast["sent"]) == ("cancelled", 2)
    entries = await audit(bot)
    assert [(e["action"], e["admin_id"], e["subject_id"]) for e in entries] == [
        ("broadcast", ADMIN_ID, broadcast["id"]),
        ("broadcast_cancel", ADMIN_ID, broadcast["id"]),
    ]
    assert entries[0]["details"] == {"audience": "companies", "paid": False, "recipients": 4}
    assert entries[1]["details"] == {"dropped": 2, "sent": 2}

    await admin.send("/broadcast_cancel")
    assert admin.last_text == "No broadcast is under way."
    await admin.send("/broadcast")
    assert "Who should receive it?" in admin.last_text


async def test_a_preview_is_sent_once_however_often_send_is_tapped(
    bot: BotHarness, admin: FakeUser
) -> None:
    [company] = await onboard_companies(bot, ["Acme"])
    await prepare(bot, admin, COMPANIES, lambda: bot.fake.user_sends_text(admin.id, "Once"))
    summary, send = admin.find_button(SEND)
    await admin.tap(SEND)
    await track(bot)
    await admin.tap_forged(send, summary.message_id)
    await track(bot)
    assert len(copies_of(admin.sent[-1], company)) == 1
    assert len(await rows(bot, "SELECT * FROM broadcasts")) == 1


async def test_non_admins_are_answered_as_for_commands_and_buttons_that_do_not_exist(
    bot: BotHarness, admin: FakeUser
) -> None:
    [company] = await onboard_companies(bot, ["Acme"])
    [prospector] = await onboard_prospectors(bot, ["Pat"])
    newcomer = bot.user("Newbie")
    await newcomer.send("/start")
    forged = [
        AudienceCb(audience="everyone").pack(),
        BroadcastCb(action="send", audience="everyone", message_id=1).pack(),
        BroadcastCb(action="drop", audience="companies", message_id=1).pack(),
    ]
    for user in (company, prospector, newcomer):
        await user.send("/no_such_command")
        assert user.last_text == UNKNOWN
        for command in ("/broadcast", "/broadcast_cancel"):
            await user.send(command)
            assert user.last_text == UNKNOWN, (user.first_name, command)
        for data in forged:
            await user.tap_forged(data)
            assert user.alerts[-1] == STALE
    # A tap on a real preview's Send by someone else than an admin.
    await prepare(bot, admin, COMPANIES, lambda: bot.fake.user_sends_text(admin.id, "Mine"))
    _, send = admin.find_button(SEND)
    await prospector.tap_forged(send)
    assert prospector.alerts[-1] == STALE
    for table in ("broadcasts", "campaigns", "audit_log"):
        assert await rows(bot, f"SELECT * FROM {table}") == [], table
    broadcast_rows = await rows(
        bot, "SELECT * FROM outbox WHERE priority = ?", [Priority.BROADCAST]
    )
    assert broadcast_rows == []
