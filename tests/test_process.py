"""The real `python -m bot` process, driven over loopback HTTP through the fake Telegram."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.fake_telegram import FakeTelegramServer

ROOT = Path(__file__).parents[1]


def bot_env(tmp_path: Path, server: FakeTelegramServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
    env.update(
        BOT_TOKEN=server.api.token,
        DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"),
        TELEGRAM_BASE_URL=server.base_url,
        TELEGRAM_BASE_FILE_URL=server.base_file_url,
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def run_bot(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"], env=env, cwd=cwd, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def wait_for(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_bot_answers_start_and_stops_on_sigterm(tmp_path: Path, server: FakeTelegramServer) -> None:
    stats_file = tmp_path / "writer.json"
    env = bot_env(tmp_path, server, WRITER_STATS_FILE=str(stats_file))
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        api = server.api
        api.add_user(77, "Alice", language_code="en")
        api.user_sends_text(77, "/start")
        wait_for(lambda: api.last_bot_message(77) is not None)
        message = api.last_bot_message(77)
        assert message is not None and message.text is not None
        assert "Welcome to Callboard" in message.text
        assert [label for label, _, _ in message.buttons()] == ["🏢 Company", "📞 Prospector"]
        assert (tmp_path / "data" / "bot.sqlite3").exists()

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        elapsed = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert elapsed < 5, f"took {elapsed:.1f}s to stop"
    assert api.token not in stderr
    assert "Traceback" not in stderr
    # For benchmarks: the writer's counters, in the file and in the log at the stop.
    stats = json.loads(stats_file.read_text())
    assert stats["transactions"] >= 2 and stats["held_seconds"] > 0
    assert "writer: " in stderr and "lock held" in stderr


def test_missing_token_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_malformed_setting_exits_2_naming_the_key(
    tmp_path: Path, server: FakeTelegramServer
) -> None:
    env = bot_env(tmp_path, server, PAYMENT_TERMS_DAYS="a week", PYTHONPATH=str(ROOT))
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "PAYMENT_TERMS_DAYS" in result.stderr and "Traceback" not in result.stderr


def test_token_rejected_by_telegram_exits_2(tmp_path: Path, server: FakeTelegramServer) -> None:
    env = bot_env(tmp_path, server, BOT_TOKEN="999:WRONG", PYTHONPATH=str(ROOT))
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("callboard: Telegram rejected")
    assert "Traceback" not in result.stderr and "999:WRONG" not in result.stderr


def test_env_file_is_read(tmp_path: Path, server: FakeTelegramServer) -> None:
    (tmp_path / ".env").write_text("MAX_REMINDERS=1\nQUIET_HOURS=never\n")
    env = bot_env(tmp_path, server, PYTHONPATH=str(ROOT))
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    assert "QUIET_HOURS" in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post_update(port: int, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram", json.dumps(update).encode(), headers
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:
        return 0  # not listening yet


def test_webhook_mode_checks_the_secret(tmp_path: Path, server: FakeTelegramServer) -> None:
    port = free_port()
    env = bot_env(
        tmp_path, server, PYTHONPATH=str(ROOT), WEBHOOK_URL="https://bot.example.com/telegram",
        WEBHOOK_SECRET="s3cret", WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
    )  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    api = server.api
    try:
        wait_for(lambda: any(method == "setWebhook" for method, _ in api.calls))
        [params] = [params for method, params in api.calls if method == "setWebhook"]
        assert params["url"] == "https://bot.example.com/telegram"
        assert params["secret_token"] == "s3cret"
        api.add_user(78, "Bob", language_code="en")
        api.user_sends_text(78, "/start")
        [update] = api.take_updates()

        wait_for(lambda: post_update(port, update, "wrong") == 403)
        assert api.last_bot_message(78) is None
        assert post_update(port, update, "s3cret") == 200
        wait_for(lambda: api.last_bot_message(78) is not None)
        message = api.last_bot_message(78)
        assert message is not None and "Welcome to Callboard" in (message.text or "")
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
