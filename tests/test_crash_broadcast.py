"""kill -9 of `python -m bot` twice during a broadcast to 300 prospectors: after the
restarts every prospector has the copy, and the admin gets the final report once.

What the test asserts: 0 prospectors without the copy; none with it more than once per kill
beyond the first; at most `OutboxOptions.concurrency` copies received twice per kill. The
expansion neither skips nor repeats anyone (its cursor moves with each chunk, and a
campaign's rows are unique per chat); what can repeat is a send under way when the process
died: Telegram took it, the outcome was never recorded, so the row is sent again after the
restart. The dispatcher has at most `concurrency` sends under way at a time (usually one or
two at 30 messages per second), which bounds the duplicates of one kill. The report is
queued by the transaction that ends the broadcast, so it is queued once whatever the
restarts.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from bot.kit.outbox import OutboxOptions
from tests.fake_telegram import FakeTelegram, FakeTelegramServer
from tests.rules import seed_file
from tests.test_crash_fanout import count, kill_and_restart, pending_rows
from tests.test_process import ROOT, bot_env, wait_for

ADMIN = 1
PROSPECTORS = range(2_000, 2_300)
KILLS_AT = (80, 190)
MESSAGE = "Big news: the <b>fee</b> drops to 0 & stays there"
BOLD = [{"type": "bold", "offset": 0, "length": 8}]
# The final report's heading; the progress message has the same counters.
REPORT = re.compile(r"^📣 Broadcast #\d+ finished\.")
# 300 sends at 30 messages per second take 10 s; the rest is margin for two restarts on a
# slow machine.
DELIVERY_LIMIT = 120


def open_chats(api: FakeTelegram) -> None:
    """Each prospector wrote to the bot once, before it ran (not this test's updates)."""
    for user_id in PROSPECTORS:
        api.add_user(user_id, f"P{user_id}", language_code="en")
        api.user_sends_text(user_id, "hello")
    api.take_updates()
    api.add_user(ADMIN, "Ada", language_code="en")


def copies_of(api: FakeTelegram, user_id: int) -> int:
    return sum(message.text == MESSAGE for message in api.bot_messages(user_id))


def copies_received(api: FakeTelegram) -> int:
    return sum(copies_of(api, user_id) for user_id in PROSPECTORS)


def reports(api: FakeTelegram) -> list[str]:
    return [m.text or "" for m in api.bot_messages(ADMIN) if REPORT.search(m.text or "")]


def newest_text(api: FakeTelegram) -> str:
    message = api.last_bot_message(ADMIN)
    return (message.text or "") if message else ""


def tap(api: FakeTelegram, label: str) -> None:
    """Tap the button `label` once the admin's newest message shows it."""

    def shown() -> bool:
        message = api.last_bot_message(ADMIN)
        return message is not None and any(label == text for text, _, _ in message.buttons())

    wait_for(shown)
    message = api.last_bot_message(ADMIN)
    assert message is not None
    [data] = [data for text, data, _ in message.buttons() if text == label]
    assert data is not None
    api.user_taps(ADMIN, message.message_id, data)


def broadcast(api: FakeTelegram) -> None:
    """/broadcast to the prospectors, the message, then Send under its preview."""
    api.user_sends_text(ADMIN, "/broadcast")
    tap(api, "📞 Prospectors")
    wait_for(lambda: "Send the message" in newest_text(api))
    api.user_sends_text(ADMIN, MESSAGE, entities=BOLD)
    tap(api, "📣 Send")


def test_kill_9_during_a_300_recipient_broadcast_serves_everyone_and_reports_once(
    tmp_path: Path, server: FakeTelegramServer
) -> None:
    env = bot_env(tmp_path, server, PYTHONPATH=str(ROOT), ADMIN_IDS=str(ADMIN), BROADCAST_RATE="30")
    db_path = Path(env["DATABASE_PATH"])
    seed_file(db_path, prospectors=PROSPECTORS)
    api = server.api
    open_chats(api)
    logs = tmp_path / "bot.log"

    def start() -> subprocess.Popen[str]:
        with logs.open("a") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "bot"], env=env, cwd=tmp_path,
                stdout=subprocess.DEVNULL, stderr=log, text=True,
            )  # fmt: skip

    process = start()
    try:
        broadcast(api)
        process = kill_and_restart(
            process, start, lambda: copies_received(api), KILLS_AT, len(PROSPECTORS)
        )
        wait_for(lambda: bool(reports(api)) and pending_rows(db_path) == 0, DELIVERY_LIMIT)
        # The progress job runs every second: a few more runs would send a second report.
        time.sleep(3)
    finally:
        process.kill()
        process.wait(timeout=10)

    per_prospector = [copies_of(api, user_id) for user_id in PROSPECTORS]
    twice = sum(received - 1 for received in per_prospector)
    assert per_prospector.count(0) == 0, logs.read_text()[-3000:]
    assert max(per_prospector) <= 1 + len(KILLS_AT)
    assert twice <= len(KILLS_AT) * OutboxOptions().concurrency, f"{twice} received twice"
    [report] = reports(api)
    assert "Delivered: 300" in report
    assert count(db_path, "broadcasts") == 1
    assert count(db_path, "campaigns") == 1
    progress = [m for m in api.bot_messages(ADMIN) if "Broadcast #1</b>" in (m.html or "")]
    assert [("finished" in (m.text or "")) for m in progress] == [True]
    print(f"kill -9 twice during 300 copies: {twice} received twice")
