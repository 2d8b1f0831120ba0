"""`python -m bot` on a database it cannot use: exit status 2, one line on stderr, and an
exit at all (a supervisor must see the process die, not a live process serving nothing)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage.database import Database
from tests.fake_telegram import FakeTelegram, FakeTelegramServer
from tests.test_process import ROOT, bot_env

# The bound. A locked database is waited for during `busy_timeout` (5 s) before the
# bot gives up, so the bound leaves 5 s for starting Python and reporting.
EXIT_BOUND_SECONDS = 10


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer(FakeTelegram()) as running:
        yield running


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "bot.sqlite3"
    path.parent.mkdir(parents=True)
    return path


def migrated_database(path: Path) -> None:
    async def migrate() -> None:
        database = Database(path)
        await database.open()
        await database.close()

    asyncio.run(migrate())


def run_bot_on(path: Path, tmp_path: Path, server: FakeTelegramServer) -> tuple[int, list[str]]:
    env = bot_env(tmp_path, server, DATABASE_PATH=str(path), PYTHONPATH=str(ROOT))
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True,
            text=True, timeout=EXIT_BOUND_SECONDS, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(
            f"still running after {EXIT_BOUND_SECONDS}s; stderr: {expired.stderr!r}"
        ) from None
    return result.returncode, result.stderr.strip().splitlines()


def assert_refused_in_one_line(status: int, lines: list[str], reason: str) -> None:
    assert status == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("callboard: DATABASE_PATH"), lines
    assert reason in lines[0], lines


def garbage(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def truncated(path: Path) -> None:
    migrated_database(path)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])


def fresh(path: Path) -> None:
    """A file in SQLite's rollback-journal mode: held exclusively, even the switch to WAL
    cannot start."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE placeholder (id INTEGER)")


@pytest.mark.parametrize(
    ("damage", "reason"), [(garbage, "not a database"), (truncated, "malformed")],
    ids=["garbage", "truncated"],
)  # fmt: skip
def test_damaged_file_exits_2_in_one_line(
    tmp_path: Path,
    server: FakeTelegramServer,
    database_file: Path,
    damage: Callable[[Path], None],
    reason: str,
) -> None:
    damage(database_file)

    status, lines = run_bot_on(database_file, tmp_path, server)

    assert_refused_in_one_line(status, lines, reason)


@pytest.mark.parametrize("make", [migrated_database, fresh], ids=["migrated", "fresh"])
def test_database_locked_by_another_process_exits_2_in_one_line(
    tmp_path: Path, server: FakeTelegramServer, database_file: Path, make: Callable[[Path], None]
) -> None:
    make(database_file)
    with contextlib.closing(sqlite3.connect(database_file, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        status, lines = run_bot_on(database_file, tmp_path, server)
        holder.execute("ROLLBACK")

    assert_refused_in_one_line(status, lines, "locked")
