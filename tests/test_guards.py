"""Cross-cutting guards: duplicate updates, banned users, floods, the error handler."""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.kit.guards import FloodGuard
from storage.clock import ManualClock
from tests.fake_telegram import FakeTelegram
from tests.harness import BotHarness, make_settings

APOLOGY_FR = "😕 Désolé, un problème est survenu de notre côté. Réessayez dans un instant."


async def test_duplicated_update_is_processed_once(bot: BotHarness) -> None:
    alice = bot.user("Alice", language="en")
    update = bot.fake.user_sends_text(alice.id, "/start")
    bot.fake.duplicate_update(update)
    bot.fake.duplicate_update(update)
    await bot.deliver()
    assert len(alice.texts) == 1
    await alice.tap("Company")
    assert len(alice.texts) == 2


async def test_the_guards_write_in_one_transaction(fake: FakeTelegram, db_path: Path) -> None:
    """Before any feature, an update costs two write transactions: the inbox stores it,
    then one transaction claims it and refreshes the sender's row. /help writes nothing
    itself; PTB's persistence, which writes once a second, is put off for the count."""
    bot = BotHarness(make_settings(db_path, fake.token), fake, persistence_interval=3600)
    await bot.start()
    try:
        alice = bot.user("Alice")
        await alice.send("/start")
        fake.add_user(alice.id, "Alicia", language_code="en")
        stats = bot.services.db.stats
        transactions, round_trips = stats.transactions, stats.round_trips

        await alice.send("/help")

        assert "How Callboard works" in alice.last_text
        assert (stats.transactions - transactions, stats.round_trips - round_trips) == (2, 2)
        account = await bot.services.repos.users.get(alice.id)
        assert account is not None and account.first_name == "Alicia"
        assert await bot.services.repos.inbox.pending() == []
    finally:
        await bot.stop()


async def test_banned_user_changes_nothing_and_is_told_once_a_day(
    fake: FakeTelegram, db_path: Path
) -> None:
    clock = ManualClock()
    harness = BotHarness(make_settings(db_path, fake.token), fake, clock=clock)
    await harness.start()
    try:
        mallory = harness.user("Mallory", language="en")
        await mallory.send("/start")
        async with harness.services.db.transaction() as tx:
            await harness.services.repos.users.set_banned(tx, mallory.id, True)
        await mallory.tap("Company")
        assert "suspended" in mallory.last_text
        count = len(mallory.texts)
        await mallory.send("Mallory Inc")
        await mallory.send("/help")
        await mallory.send("/profile")
        assert len(mallory.texts) == count
        assert mallory.messages[0].buttons(), "the role keyboard was not acted on"
        account = await harness.services.repos.users.get(mallory.id)
        assert account is not None and account.role is None

        clock.advance(timedelta(hours=23))
        await mallory.send("/start")
        assert len(mallory.texts) == count
        clock.advance(timedelta(hours=2))
        await mallory.send("/start")
        assert len(mallory.texts) == count + 1
        assert "suspended" in mallory.last_text

        async with harness.services.db.transaction() as tx:
            await harness.services.repos.users.set_banned(tx, mallory.id, False)
        await mallory.send("/start")
        assert "Welcome" in mallory.last_text
    finally:
        await harness.stop()


async def test_flood_guard_warns_once_then_ignores(fake: FakeTelegram, db_path: Path) -> None:
    harness = BotHarness(make_settings(db_path, fake.token), fake, flood_guard=FloodGuard())
    await harness.start()
    try:
        eve = harness.user("Eve", language="en")
        calm = harness.user("Calm", language="en")
        for _ in range(20):
            fake.user_sends_text(eve.id, "/help")
        await harness.deliver()
        assert len(eve.texts) == 20
        for _ in range(5):
            fake.user_sends_text(eve.id, "/help")
        await harness.deliver()
        assert len(eve.texts) == 21
        assert "ignore you for a minute" in eve.last_text
        await calm.send("/help")
        assert "How Callboard works" in calm.last_text
    finally:
        await harness.stop()


def test_flood_guard_forgives_after_the_mute() -> None:
    guard = FloodGuard(limit=3, window=10, mute=60)
    verdicts = [guard.check(1, float(second)) for second in range(5)]
    assert verdicts == ["ok", "ok", "ok", "warn", "drop"]
    assert guard.check(1, 30.0) == "drop"
    assert guard.check(1, 64.0) == "ok"
    assert guard.check(2, 4.0) == "ok"


def test_flood_guard_window_slides() -> None:
    guard = FloodGuard(limit=3, window=10, mute=60)
    assert [guard.check(1, t) for t in (0.0, 4.0, 8.0, 12.0, 16.0)] == ["ok"] * 5


async def test_unexpected_error_is_logged_and_user_gets_an_apology(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = bot.user("Alice", language="fr")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bot.services.repos.profiles, "company", broken)
    await alice.send("/start")
    await alice.tap("Entreprise")
    await alice.send("Acme")
    await alice.tap("Commerce")
    await alice.tap("Passer")
    await alice.send("/profile")
    assert "Désolé, un problème est survenu" in alice.last_text
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "update" in r.message]
    assert errors and "disk on fire" in str(errors[-1].exc_info[1] if errors[-1].exc_info else "")
    monkeypatch.undo()
    await alice.send("/help")
    assert "Comment marche Callboard" in alice.last_text


@pytest.mark.parametrize("failing", ["dedupe record", "account load"])
async def test_a_guard_that_cannot_reach_the_database_stops_the_update_with_one_apology(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """Fail closed: the database locked past its busy timeout (or a full disk) while a guard
    records the update or loads the account; nothing acts on the update, the user is told
    once, in their language, and the tapped button is answered once (`tap` checks it)."""
    alice = bot.user("Alice", language="fr")
    await alice.send("/start")
    repos = bot.services.repos

    def locked(*args: object, **kwargs: object) -> bool:
        raise sqlite3.OperationalError("database is locked")

    if failing == "dedupe record":
        monkeypatch.setattr(repos.inbox, "claim", locked)
    else:
        monkeypatch.setattr(repos.users, "seen", locked)
    await alice.tap("Entreprise")
    await alice.send("/help")
    assert alice.texts[1:] == [APOLOGY_FR, APOLOGY_FR]
    account = await repos.users.get(alice.id)
    assert account is not None and account.role is None, "the role button was acted on"

    monkeypatch.undo()
    await alice.send("/help")
    assert "Comment marche Callboard" in alice.last_text
