"""kill -9 of `python -m bot` while it alerts 600 prospectors to a new mission: after a
restart every prospector has the alert.

What the test asserts: 0 prospectors without the alert; no prospector with it more than
twice; at most `OutboxOptions.concurrency` alerts received twice per kill. Delivery is at
least once: a row Telegram took but whose outcome the killed process had not yet recorded
is sent again after the restart, and the dispatcher has at most `concurrency` sends under
way at a time (usually one or two at 30 messages per second, more on a loaded machine).
The publishing itself happens once (one mission, one campaign), even though the restarted
bot may be handed the company's updates again.
"""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.kit.outbox import OutboxOptions
from tests.fake_telegram import FakeTelegram, FakeTelegramServer
from tests.helpers import labels, mission_form
from tests.rules import seed_file
from tests.test_process import ROOT, bot_env, wait_for

COMPANY = 1
PROSPECTORS = range(1_000, 1_600)
# The bot is killed once this many alerts have arrived, then again at the second count.
KILLS_AT = (150, 400)
ALERT = "🆕"
# 600 sends at Telegram's 30 messages per second take 20 s; the rest is margin for two
# restarts on a slow machine.
DELIVERY_LIMIT = 120


def open_chats(api: FakeTelegram) -> None:
    """Telegram lets a bot write only to users who wrote to it first: each prospector has,
    before the bot runs (those updates are not for this test)."""
    for user_id in PROSPECTORS:
        api.add_user(user_id, f"P{user_id}", language_code="en")
        api.user_sends_text(user_id, "hello")
    api.add_user(COMPANY, "Acme", language_code="en")
    api.take_updates()


def alerts_of(api: FakeTelegram, user_id: int) -> int:
    return sum(ALERT in (message.text or "") for message in api.bot_messages(user_id))


def alerts_received(api: FakeTelegram) -> int:
    return sum(alerts_of(api, user_id) for user_id in PROSPECTORS)


def publish(api: FakeTelegram) -> None:
    api.user_sends_text(COMPANY, mission_form(title="Six hundred alerts"))
    publish_label = labels("en")["publish"]

    def draft_shown() -> bool:
        message = api.last_bot_message(COMPANY)
        return message is not None and any(publish_label in b[0] for b in message.buttons())

    wait_for(draft_shown)
    draft = api.last_bot_message(COMPANY)
    assert draft is not None
    [data] = [data for label, data, _ in draft.buttons() if publish_label in label]
    assert data is not None
    api.user_taps(COMPANY, draft.message_id, data)


def pending_rows(db_path: Path) -> int:
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
                   .fetchone()[0])  # fmt: skip


def count(db_path: Path, table: str) -> int:
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        return int(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def kill_and_restart(
    process: subprocess.Popen[str],
    start: Callable[[], subprocess.Popen[str]],
    received: Callable[[], int],
    kills_at: Sequence[int],
    total: int,
) -> subprocess.Popen[str]:
    """SIGKILL the bot each time `received()` reaches the next of `kills_at` (before
    `total`: killed mid-delivery), starting it again each time; returns the process running
    then."""
    for kill_at in kills_at:
        wait_for(lambda at=kill_at: received() >= at, DELIVERY_LIMIT)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert received() < total, "killed too late to test anything"
        process = start()
    return process


def test_kill_9_during_a_600_recipient_fan_out_loses_no_recipient(
    tmp_path: Path, server: FakeTelegramServer
) -> None:
    env = bot_env(tmp_path, server, PYTHONPATH=str(ROOT))
    db_path = Path(env["DATABASE_PATH"])
    seed_file(db_path, [COMPANY], PROSPECTORS)
    api = server.api
    open_chats(api)

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "bot"], env=env, cwd=tmp_path,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip

    process = start()
    try:
        publish(api)
        process = kill_and_restart(
            process, start, lambda: alerts_received(api), KILLS_AT, len(PROSPECTORS)
        )
        wait_for(
            lambda: all(alerts_of(api, p) for p in PROSPECTORS) and pending_rows(db_path) == 0,
            DELIVERY_LIMIT,
        )
    finally:
        process.kill()
        process.wait(timeout=10)

    per_prospector = [alerts_of(api, user_id) for user_id in PROSPECTORS]
    assert per_prospector.count(0) == 0
    assert max(per_prospector) <= 2
    twice = sum(received - 1 for received in per_prospector)
    assert twice <= len(KILLS_AT) * OutboxOptions().concurrency, f"{twice} received twice"
    assert count(db_path, "missions") == 1
    assert count(db_path, "campaigns") == 1
