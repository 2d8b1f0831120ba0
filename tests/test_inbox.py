"""The inbox: each update stored before Telegram is told it was received, claimed once.
Then across crashes and stops: the real `python -m bot` process against the fake Telegram
over loopback HTTP, killed with SIGKILL or stopped with SIGTERM mid-burst."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Bot, Update

import storage.migrations
from bot.kit.http import AiohttpRequest
from bot.kit.inbox import InboxQueue, ReceivedUpdates, UpdateNotStoredError
from storage.clock import ManualClock
from storage.database import Database
from storage.migrations import migration_scripts
from storage.repositories import InboxRepository
from tests.fake_telegram import FakeTelegram, FakeTelegramServer
from tests.harness import BotHarness
from tests.test_process import ROOT, bot_env, wait_for

USERS = 20
UPDATES_PER_USER = 10  # under the flood guard's 20 in 10 s
HELP_TITLE = "How Callboard works"


async def test_an_update_is_claimed_once_and_pending_ones_wait_for_a_run(db_path: Path) -> None:
    clock = ManualClock()
    database = Database(db_path)
    await database.open()
    inbox = InboxRepository(database, clock)
    try:
        assert await database.write(lambda tx: inbox.receive(tx, 7, '{"update_id": 7}'))
        assert await database.write(lambda tx: inbox.receive(tx, 5, '{"update_id": 5}'))
        assert not await database.write(lambda tx: inbox.receive(tx, 7, '{"update_id": 7}'))
        assert await inbox.pending() == [(5, '{"update_id": 5}'), (7, '{"update_id": 7}')]
        assert await database.write(lambda tx: inbox.claim(tx, 7))
        assert not await database.write(lambda tx: inbox.claim(tx, 7))
        # An update handed to the application without the inbox is recorded all the same.
        assert await database.write(lambda tx: inbox.claim(tx, 9))
        assert not await database.write(lambda tx: inbox.claim(tx, 9))
        assert await inbox.pending() == [(5, '{"update_id": 5}')]
        clock.advance(timedelta(days=3))
        async with database.transaction() as tx:
            assert await inbox.forget_before(tx, clock.now() - timedelta(days=2)) == 2
        assert not await database.write(lambda tx: inbox.receive(tx, 5, '{"update_id": 5}'))
        assert await inbox.pending() == [(5, '{"update_id": 5}')]
    finally:
        await database.close()


async def test_updates_already_processed_stay_recorded_across_the_inbox_migration(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripts = migration_scripts()
    monkeypatch.setattr(storage.migrations, "migration_scripts", lambda: scripts[:6])
    database = Database(db_path)
    await database.open()
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO processed_updates (update_id, processed_at)"
            " VALUES (41, '2026-01-01T00:00:00.000000Z')"
        )
    await database.close()
    monkeypatch.undo()
    database = Database(db_path)
    await database.open()
    try:
        inbox = InboxRepository(database, ManualClock())
        assert not await database.write(lambda tx: inbox.claim(tx, 41))
    finally:
        await database.close()


async def test_a_polled_update_is_stored_as_telegram_sent_it(db_path: Path) -> None:
    fake = FakeTelegram()
    fake.add_user(7, "Zoé", language_code="fr", started=True)
    sent = fake.user_sends_text(7, "Héllo <b> & “quotes”")
    polled = ReceivedUpdates()
    database = Database(db_path)
    await database.open()
    inbox = InboxRepository(database, ManualClock())
    try:
        with FakeTelegramServer(fake) as server:
            queue = InboxQueue(database, inbox, polled)
            telegram = Bot(
                fake.token, base_url=server.base_url, request=AiohttpRequest(1),
                get_updates_request=AiohttpRequest(1, on_answer=polled.keep),
            )  # fmt: skip
            async with telegram:
                (update,) = await telegram.get_updates()
                await queue.put(update)
        ((update_id, payload),) = await inbox.pending()
        assert update_id == sent["update_id"]
        assert json.loads(payload) == sent
        assert Update.de_json(json.loads(payload), telegram).to_dict() == update.to_dict()
    finally:
        await database.close()


async def test_an_update_the_inbox_cannot_store_is_refused_then_taken_when_sent_again(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue refuses the update, so PTB does not confirm it to Telegram (polling fetches
    the batch again, the webhook answers 500), and nothing runs until it is stored."""
    alice = bot.user("Alice")
    update = bot.fake.user_sends_text(alice.id, "/help")

    def full(*args: object, **kwargs: object) -> bool:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(InboxRepository, "receive", full)
    with pytest.raises(UpdateNotStoredError):
        await bot.deliver()
    assert alice.texts == []
    monkeypatch.undo()
    await bot.deliver([update, update])
    assert len(alice.texts) == 1 and HELP_TITLE in alice.last_text


def start_bot(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], env=env, cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def queue_burst(api: FakeTelegram) -> dict[int, int]:
    """Every user sends /help UPDATES_PER_USER times, interleaved; returns update id → user."""
    senders: dict[int, int] = {}
    users = [9001 + n for n in range(USERS)]
    for user in users:
        api.add_user(user, f"User {user}", language_code="en")
    for _ in range(UPDATES_PER_USER):
        for user in users:
            senders[api.user_sends_text(user, "/help")["update_id"]] = user
    return senders


def replies(api: FakeTelegram, senders: dict[int, int]) -> Counter[int]:
    """How many help texts each user received."""
    return Counter(
        {
            user: sum(HELP_TITLE in (m.text or "") for m in api.bot_messages(user))
            for user in set(senders.values())
        }
    )


def taken(database: Path) -> set[int]:
    """The update ids the inbox records as taken by a handler."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT update_id FROM inbox WHERE status = 'taken'")
        return {int(row[0]) for row in rows}


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    return stderr


def problems(log: str) -> str:
    """The warnings and errors a bot process logged, to explain a failure."""
    return "\n".join(line for line in log.splitlines() if " WARNING " in line or " ERROR " in line)


def cut_off(
    server: FakeTelegramServer, database: Path, senders: dict[int, int], log: str
) -> Counter[int]:
    """Once the bot is gone, how many updates per user it left in a handler: taken by a
    handler but without their reply (at most one per user, whose updates run in order)."""
    wait_for(lambda: server.requests_in_progress == 0)
    replied = replies(server.api, senders)
    taken_then = taken(database)
    assert len(taken_then) < len(senders), "the bot went too late to test anything"
    taken_by_user = Counter(senders[update_id] for update_id in taken_then)
    assert replied <= taken_by_user, "a reply to an update no handler took"
    in_handler = taken_by_user - replied
    assert all(count <= 1 for count in in_handler.values()), f"{in_handler}\n{problems(log)}"
    return in_handler


def restart_and_finish(
    env: dict[str, str], server: FakeTelegramServer, senders: dict[int, int], lost: Counter[int]
) -> None:
    """Restart the bot; every update ends taken, and every user gets one reply per update
    except the `lost` ones, cut off in a handler before."""
    database = Path(env["DATABASE_PATH"])
    expected = Counter({user: UPDATES_PER_USER for user in set(senders.values())})
    expected.subtract(lost)

    def finished() -> bool:
        return taken(database) == set(senders) and replies(server.api, senders) == expected

    process = start_bot(env, database.parents[1])
    try:
        try:
            wait_for(finished)
        except AssertionError:
            process.kill()
            _, log = process.communicate(timeout=30)
            untaken = sorted(set(senders) - taken(database))
            raise AssertionError(
                f"not taken: {untaken}; replies {replies(server.api, senders)} instead of "
                f"{expected}\n{problems(log)}"
            ) from None
        stderr = stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert replies(server.api, senders) == expected, "a reply came twice"
    assert "Traceback" not in stderr


def test_kill_9_mid_burst_loses_no_update_and_processes_none_twice(
    tmp_path: Path, server: FakeTelegramServer
) -> None:
    """200 updates from 20 users (each `/help`, one reply each); SIGKILL once about a third
    of the replies arrived; restart.

    - Lost: an update whose id the inbox does not record as taken after the restart, or
      whose reply never arrives although its handler had not started at the kill.
    - Processed twice: a user receiving more replies than their updates that ran; the inbox
      holding an update id once and as taken means its handlers were let through once.
    An update in a handler at the kill (taken then, its reply not yet sent) is not run again:
    at most once, since a handler may already have changed the database or sent part of its
    answer. Each user's updates run one at a time, so each user has at most one such.
    """
    senders = queue_burst(server.api)
    env = bot_env(tmp_path, server, PYTHONPATH=str(ROOT))
    first = start_bot(env, tmp_path)
    try:
        wait_for(lambda: replies(server.api, senders).total() >= len(senders) // 3)
        first.kill()
        _, log = first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    in_handler = cut_off(server, Path(env["DATABASE_PATH"]), senders, log)
    restart_and_finish(env, server, senders, in_handler)


# Every call to the fake waits this long: a Telegram that answers, but slowly. As long as
# the bound below, so that a stop waiting for any one answer fails the test.
SLOW_TELEGRAM = 5.0
# The bound the issue sets. A stop waits on Telegram only for fixed grace periods of 1 s
# each (the last getUpdates, the handlers under way, the outbox sends under way), about 3 s
# in all whatever the latency; the rest of the 5 s is slack for a loaded test machine.
STOP_BOUND = 5.0


def test_sigterm_with_a_slow_telegram_stops_within_5_s_and_loses_nothing(
    tmp_path: Path, server: FakeTelegramServer
) -> None:
    """A burst of 200 updates is being answered when Telegram slows to five seconds a call;
    SIGTERM stops the bot within 5 s. The updates it had not started are processed after
    the restart (those cut off in a handler are not run again, as after a crash)."""
    api = server.api
    env = bot_env(tmp_path, server, PYTHONPATH=str(ROOT))
    first = start_bot(env, tmp_path)
    try:
        wait_for(lambda: any(method == "getUpdates" for method, _ in api.calls))
        senders = queue_burst(api)
        wait_for(lambda: replies(api, senders).total() >= len(senders) // 4)
        server.latency = SLOW_TELEGRAM
        started = time.monotonic()
        stderr = stop(first)
        elapsed = time.monotonic() - started
    finally:
        if first.poll() is None:
            first.kill()
    assert elapsed < STOP_BOUND, f"took {elapsed:.1f}s to stop"
    assert "Traceback" not in stderr
    server.latency = 0
    in_handler = cut_off(server, Path(env["DATABASE_PATH"]), senders, stderr)
    restart_and_finish(env, server, senders, in_handler)
