"""The SQLite storage: migrations, transactions and the PTB persistence."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

import storage.migrations
from bot.kit.persistence import SqlitePersistence
from storage.clock import ManualClock
from storage.database import STATS_INTERVAL, Database, SyncTransaction
from storage.migrations import DatabaseTooNewError, migration_scripts
from storage.models import AuditAction
from storage.repositories import AuditRepository
from tests.fake_telegram import FakeTelegramServer

ROOT = Path(__file__).parents[1]
MIGRATIONS_DIR = Path(storage.migrations.__file__).parent
CORE_TABLES = {
    "users",
    "company_profiles",
    "prospector_profiles",
    "inbox",
    "outbox",
    "persistence_user_data",
    "persistence_conversations",
}
ADD_USER = """
    INSERT INTO users (id, language, first_name, created_at, last_seen_at)
    VALUES (?, 'en', ?, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')
"""


def migration_file_count() -> int:
    return len(list(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")))


def inspect(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the file with plain sqlite3, independently of the code under test."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql, params).fetchall()


def user_version(path: Path) -> int:
    return int(inspect(path, "PRAGMA user_version")[0][0])


def table_names(path: Path) -> set[str]:
    return {row[0] for row in inspect(path, "SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    database = Database(db_path)
    await database.open()
    yield database
    await database.close()


async def make_database_with_user(path: Path, user_id: int = 1, name: str = "Ann") -> None:
    database = Database(path)
    await database.open()
    try:
        async with database.transaction() as tx:
            await tx.execute(ADD_USER, (user_id, name))
    finally:
        await database.close()


# ----------------------------------------------------------------------------- migrations


async def test_open_creates_folder_file_and_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.sqlite3"
    database = Database(path)
    await database.open()
    try:
        assert path.is_file()
        version = await database.read.fetch_value("PRAGMA user_version")
        assert version == migration_file_count() == len(migration_scripts())
        assert await database.read.fetch_value("PRAGMA journal_mode") == "wal"
        assert await database.read.fetch_value("PRAGMA foreign_keys") == 1
        async with database.transaction() as tx:
            assert await tx.fetch_value("PRAGMA foreign_keys") == 1  # the writer too
            # The writer never waits inside SQLite, on the event loop: it waits itself.
            assert await tx.fetch_value("PRAGMA busy_timeout") == 0
        assert database.busy_timeout > 0
        # Foreign keys are enforced, not just declared.
        with pytest.raises(sqlite3.IntegrityError):
            async with database.transaction() as tx:
                await tx.execute(
                    "INSERT INTO company_profiles (user_id, name, sector, created_at, updated_at)"
                    " VALUES (404, 'Ghost', 'retail', 'x', 'x')"
                )
    finally:
        await database.close()
    assert table_names(path) >= CORE_TABLES
    assert inspect(path, "PRAGMA journal_mode") == [("wal",)]  # persisted in the file


async def test_reopening_an_up_to_date_database_applies_nothing_and_keeps_data(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_database_with_user(db_path, 1, "Ann")
    version = user_version(db_path)
    scripts_run: list[str] = []
    executescript = aiosqlite.Connection.executescript

    async def spy(self: aiosqlite.Connection, sql_script: str) -> Any:
        scripts_run.append(sql_script)
        return await executescript(self, sql_script)

    monkeypatch.setattr(aiosqlite.Connection, "executescript", spy)

    database = Database(db_path)
    await database.open()
    try:
        assert scripts_run == []
        assert await database.read.fetch_value("PRAGMA user_version") == version
        assert await database.read.fetch_value("SELECT first_name FROM users WHERE id = 1") == "Ann"
    finally:
        await database.close()


async def test_newer_database_is_refused_and_left_untouched(db_path: Path) -> None:
    await make_database_with_user(db_path, 1, "Ann")
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        connection.execute("PRAGMA user_version = 99")
    known = len(migration_scripts())
    tables = table_names(db_path)

    database = Database(db_path)
    with pytest.raises(DatabaseTooNewError) as refused:
        await database.open()

    message = str(refused.value)
    assert re.search(r"\b99\b", message), message
    assert re.search(rf"\b{known}\b", message), message
    assert not database.is_open
    assert user_version(db_path) == 99
    assert table_names(db_path) == tables
    assert inspect(db_path, "SELECT id, first_name FROM users") == [(1, "Ann")]


def test_bot_process_refuses_a_newer_database_in_one_line(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "newer.sqlite3"
    asyncio.run(make_database_with_user(db_path, 1, "Ann"))
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        connection.execute("PRAGMA user_version = 99")

    with FakeTelegramServer() as server:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("BOT_", "DATABASE_", "TELEGRAM_", "WEBHOOK_"))
        }
        env.update(
            BOT_TOKEN="123456:TEST-TOKEN",
            # Absolute, so the run cannot touch a data/ folder under the working directory.
            DATABASE_PATH=str(db_path),
            TELEGRAM_BASE_URL=server.base_url,
            TELEGRAM_BASE_FILE_URL=server.base_file_url,
        )
        result = subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DATABASE_PATH" in lines[0]
    assert "99" in lines[0]
    assert "Traceback" not in result.stderr
    assert user_version(db_path) == 99
    assert inspect(db_path, "SELECT id, first_name FROM users") == [(1, "Ann")]


async def test_failing_migration_keeps_the_previous_version(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_database_with_user(db_path, 1, "Ann")
    scripts = migration_scripts()
    current = len(scripts)
    broken = """
        CREATE TABLE half_done (x INTEGER);
        INSERT INTO half_done VALUES (1);
        ALTER TABLE users ADD COLUMN nickname TEXT;
        INSERT INTO no_such_table VALUES (1);
        CREATE TABLE never_reached (x INTEGER);
    """
    monkeypatch.setattr(
        storage.migrations, "migration_scripts", lambda: [*scripts, (current + 1, broken)]
    )

    database = Database(db_path)
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        await database.open()

    assert not database.is_open
    assert user_version(db_path) == current
    tables = table_names(db_path)
    assert "half_done" not in tables and "never_reached" not in tables
    columns = {row[1] for row in inspect(db_path, "PRAGMA table_info(users)")}
    assert "nickname" not in columns
    assert inspect(db_path, "SELECT id, first_name FROM users") == [(1, "Ann")]

    # Nothing was left half-applied: the real migrations still open the file as before.
    monkeypatch.undo()
    await make_database_with_user(db_path, 2, "Bob")
    assert user_version(db_path) == current


async def test_a_version_4_database_migrates_keeping_every_row_and_reference(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Missions are rebuilt (to allow the completed status) while assignments, threads,
    offers, messages and the outbox refer to them: every row stays, every reference holds."""
    scripts = migration_scripts()
    monkeypatch.setattr(storage.migrations, "migration_scripts", lambda: scripts[:4])
    database = Database(db_path)
    await database.open()
    await database.close()
    monkeypatch.undo()
    assert user_version(db_path) == 4
    with contextlib.closing(sqlite3.connect(db_path)) as connection, connection:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(VERSION_4_ROWS)
    kept = {table: inspect(db_path, f"SELECT * FROM {table} ORDER BY 1") for table in REFERRING}

    database = Database(db_path)
    await database.open()
    try:
        assert await database.read.fetch_value("PRAGMA user_version") == len(scripts)
        assert await database.read.fetch_all("PRAGMA foreign_key_check") == []
        for table, before in kept.items():
            after = await database.read.fetch_all(f"SELECT * FROM {table} ORDER BY 1")
            assert [tuple(row) for row in after] == before, table
        # What the rebuild was for: a mission can now be completed.
        async with database.transaction() as tx:
            await tx.execute("UPDATE missions SET status = 'completed' WHERE id = 2")
    finally:
        await database.close()
    indexes = inspect(db_path, "SELECT name FROM sqlite_master WHERE tbl_name = 'missions'")
    assert {"missions_browse", "missions_company", "missions_deadline"} <= {i for (i,) in indexes}
    for table in ("assignments", "threads", "results", "ledger_entries"):
        targets = {row[2] for row in inspect(db_path, f"PRAGMA foreign_key_list({table})")}
        assert "missions" in targets, table


REFERRING = ("users", "missions", "assignments", "threads", "offers", "thread_messages", "outbox")
_AT = "'2026-01-01T00:00:00.000000Z'"
VERSION_4_ROWS = f"""
    INSERT INTO users (id, role, language, first_name, created_at, last_seen_at) VALUES
        (1, 'company', 'fr', 'Ann', {_AT}, {_AT}), (2, 'prospector', 'en', 'Jo', {_AT}, {_AT});
    INSERT INTO company_profiles (user_id, name, sector, created_at, updated_at)
        VALUES (1, 'Acme', 'retail', {_AT}, {_AT});
    INSERT INTO prospector_profiles (user_id, number, display_name, languages, specialties,
        experience_years, created_at, updated_at)
        VALUES (2, 1, 'Jo', '["fr"]', '["b2b"]', 3, {_AT}, {_AT});
    INSERT INTO missions (id, company_id, title, brief, pay_model, rate_cents, slots,
        result_cap, deadline, target, approval, status, active_count, created_at,
        published_at, closed_at, closed_reason) VALUES
        (1, 1, 'Open one', 'Brief of the open one', 'appointment', 4000, 3, NULL,
         '2026-06-30', 'b2b', 'auto', 'open', 1, {_AT}, {_AT}, NULL, NULL),
        (2, 1, 'Paused one', 'Brief of the paused one', 'lead', 1250, 2, 10, NULL,
         'b2c', 'manual', 'paused', 0, {_AT}, {_AT}, NULL, NULL),
        (3, 1, 'Closed one', 'Brief of the closed one', 'sale', 9900, 1, NULL, NULL,
         'b2b', 'auto', 'closed', 0, {_AT}, {_AT}, {_AT}, 'deadline');
    INSERT INTO assignments (id, mission_id, prospector_id, status, agreed_rate_cents,
        created_at, updated_at, activated_at) VALUES
        (1, 1, 2, 'active', 4000, {_AT}, {_AT}, {_AT}),
        (2, 2, 2, 'applied', 1250, {_AT}, {_AT}, NULL),
        (3, 3, 2, 'ended', 9900, {_AT}, {_AT}, {_AT});
    INSERT INTO threads (id, mission_id, prospector_id, company_id, created_at,
        last_message_at) VALUES (1, 1, 2, 1, {_AT}, {_AT}), (2, 3, 2, 1, {_AT}, {_AT});
    INSERT INTO offers (id, thread_id, author_id, amount_cents, status, created_at)
        VALUES (1, 1, 2, 4500, 'declined', {_AT});
    INSERT INTO thread_messages (id, thread_id, sender_id, kind, body, offer_id, created_at)
        VALUES (1, 1, 2, 'text', 'Hello', NULL, {_AT}), (2, 1, 2, 'offer', '', 1, {_AT});
    INSERT INTO outbox (id, chat_id, priority, method, params, status, not_before, created_at,
        thread_id) VALUES (1, 1, 0, 'send_message', '{{"text": "Hello"}}', 'sent', {_AT},
        {_AT}, 1);
"""


# ----------------------------------------------------------------------------- transactions


async def test_transaction_commits_on_success(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute(ADD_USER, (1, "Ann"))
        await tx.execute(ADD_USER, (2, "Bob"))
    assert await db.read.fetch_value("SELECT COUNT(*) FROM users") == 2


async def test_transaction_rolls_back_on_exception(db: Database) -> None:
    with pytest.raises(RuntimeError, match="halfway"):
        async with db.transaction() as tx:
            await tx.execute(ADD_USER, (1, "Ann"))
            assert await tx.fetch_value("SELECT COUNT(*) FROM users") == 1
            raise RuntimeError("halfway")
    assert await db.read.fetch_value("SELECT COUNT(*) FROM users") == 0

    # A failing statement rolls back the statements before it, too.
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute(ADD_USER, (2, "Bob"))
            await tx.execute(ADD_USER, (2, "Bob again"))
    assert await db.read.fetch_value("SELECT COUNT(*) FROM users") == 0

    # The writer is usable again afterwards.
    async with db.transaction() as tx:
        await tx.execute(ADD_USER, (3, "Cid"))
    assert await db.read.fetch_value("SELECT COUNT(*) FROM users") == 1


async def test_on_commit_runs_only_after_a_commit(db: Database) -> None:
    events: list[str] = []

    async with db.transaction() as tx:
        await tx.execute(ADD_USER, (1, "Ann"))
        tx.on_commit(lambda: events.append("committed"))
        assert events == []  # not while the transaction is open
    assert events == ["committed"]

    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute(ADD_USER, (2, "Bob"))
            tx.on_commit(lambda: events.append("rolled back"))
            raise RuntimeError("abort")
    assert events == ["committed"]


async def test_concurrent_transactions_are_serialised(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
        await tx.execute("INSERT INTO counter VALUES (1, 0)")

    async def increment(times: int) -> None:
        for _ in range(times):
            async with db.transaction() as tx:
                value = await tx.fetch_value("SELECT value FROM counter WHERE id = 1")
                await asyncio.sleep(0)  # let the other task run between read and write
                await tx.execute("UPDATE counter SET value = ? WHERE id = 1", (value + 1,))

    await asyncio.gather(increment(50), increment(50))
    assert await db.read.fetch_value("SELECT value FROM counter WHERE id = 1") == 100


async def test_reads_do_not_see_an_open_transactions_changes(db: Database) -> None:
    count = "SELECT COUNT(*) FROM users"
    async with db.transaction() as tx:
        await tx.execute(ADD_USER, (1, "Ann"))
        assert await tx.fetch_value(count) == 1
        assert await db.read.fetch_value(count) == 0
    assert await db.read.fetch_value(count) == 1


async def test_a_unit_of_work_commits_what_it_returns_and_rolls_back_what_it_raises(
    db: Database,
) -> None:
    count = "SELECT COUNT(*) FROM users"

    def add_two(tx: SyncTransaction) -> int:
        tx.execute(ADD_USER, (1, "Ann"))
        tx.execute(ADD_USER, (2, "Bob"))
        return int(tx.fetch_value(count))

    assert await db.write(add_two) == 2
    assert await db.read.fetch_value(count) == 2

    def add_then_fail(tx: SyncTransaction) -> None:
        tx.execute(ADD_USER, (3, "Cid"))
        tx.execute(ADD_USER, (3, "Cid again"))

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(add_then_fail)
    assert await db.read.fetch_value(count) == 2, "the first statement was kept"

    # An async function would silently write nothing: it is refused, and nothing is kept.
    async def not_a_unit(tx: SyncTransaction) -> None:
        tx.execute(ADD_USER, (4, "Dan"))

    with pytest.raises(TypeError, match="coroutine"):
        await db.write(not_a_unit)  # type: ignore[arg-type]
    # The writer is usable again afterwards, in either form.
    await db.write(lambda tx: tx.execute(ADD_USER, (5, "Eve")))
    async with db.transaction() as tx:
        await tx.execute(ADD_USER, (6, "Fay"))
    assert await db.read.fetch_value(count) == 4


async def test_the_writer_counts_its_transactions_round_trips_and_lock_time(
    db: Database,
) -> None:
    start = db.stats.snapshot()
    await db.write(lambda tx: tx.execute(ADD_USER, (1, "Ann")))
    async with db.transaction() as tx:
        # BEGIN goes with the first statement; the second, then COMMIT: three round-trips.
        await tx.execute(ADD_USER, (2, "Bob"))
        await tx.run(lambda s: [s.execute(ADD_USER, (n, "Many")) for n in (3, 4, 5)])
    async with db.transaction():
        pass  # no statement: no round-trip at all
    await db.read.fetch_value("SELECT COUNT(*) FROM users")  # a read is not the writer's

    stats = db.stats
    assert stats.transactions - start["transactions"] == 3
    assert stats.round_trips - start["round_trips"] == 1 + 3
    assert stats.held_seconds > start["held_seconds"]

    async def hold(seconds: float) -> None:
        async with db.transaction() as tx:
            await tx.execute("UPDATE users SET first_name = first_name")
            await asyncio.sleep(seconds)

    waited = stats.waited_seconds
    await asyncio.gather(hold(0.05), hold(0))
    assert stats.waited_seconds - waited >= 0.04, "the second waited for the first"


async def test_units_of_work_never_come_between_the_statements_of_an_open_transaction(
    db: Database,
) -> None:
    count = "SELECT COUNT(*) FROM users"
    seen_inside: list[int] = []

    async def block() -> None:
        async with db.transaction() as tx:
            await tx.execute(ADD_USER, (1, "Ann"))
            await asyncio.sleep(0.05)  # the units below are asked for meanwhile
            seen_inside.append(int(await tx.fetch_value(count)))

    async def unit(n: int) -> int:
        await asyncio.sleep(0.01)
        return await db.write(lambda tx: tx.insert(ADD_USER, (n, f"U{n}")))

    _, *inserted = await asyncio.gather(block(), *(unit(n) for n in range(2, 12)))
    assert seen_inside == [1], "no unit ran inside the open transaction"
    assert sorted(inserted) == list(range(2, 12))
    assert await db.read.fetch_value(count) == 11


async def test_a_write_waits_for_another_process_without_stopping_the_bot(
    db: Database, db_path: Path
) -> None:
    """Queries run on the event loop: a lock held by another process (an admin's sqlite3
    shell) must be waited for asynchronously, the bot serving everything else meanwhile."""
    ticks = 0

    async def meanwhile() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    with contextlib.closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        ticking = asyncio.create_task(meanwhile())
        unit = asyncio.create_task(db.write(lambda tx: tx.insert(ADD_USER, (1, "Ann"))))

        async def block() -> None:
            async with db.transaction() as tx:
                await tx.execute(ADD_USER, (2, "Bob"))

        blocked = asyncio.create_task(block())
        await asyncio.sleep(0.2)
        assert not unit.done() and not blocked.done(), "nothing is written under the lock"
        assert ticks >= 10, "the event loop went on while the writes waited"
        assert await db.read.fetch_value("SELECT COUNT(*) FROM users") == 0  # reads go on
        other.execute("ROLLBACK")
        await asyncio.wait_for(asyncio.gather(unit, blocked), timeout=5)
        ticking.cancel()
    assert await db.read.fetch_value("SELECT COUNT(*) FROM users") == 2


def add_user(tx: SyncTransaction, user_id: int) -> int:
    return tx.insert(ADD_USER, (user_id, "U"))


async def test_a_long_run_of_queries_leaves_the_event_loop_to_others(db: Database) -> None:
    """Statements run on the event loop, but each read, unit and transaction first lets the
    loop run: a catch-up of thousands of queries never stops the bot from answering."""
    ticks = 0

    async def meanwhile() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticking = asyncio.create_task(meanwhile())
    await asyncio.sleep(0)
    before = ticks
    for n in range(1, 101):
        await db.write(functools.partial(add_user, user_id=n))
        await db.read.fetch_value("SELECT COUNT(*) FROM users")
        async with db.transaction() as tx:
            await tx.execute("UPDATE users SET first_name = 'V' WHERE id = ?", (n,))
    ticking.cancel()
    assert ticks - before >= 300, "the other task ran between the queries"


async def test_a_lock_held_past_the_busy_timeout_is_refused_and_loses_nothing(
    db: Database, db_path: Path
) -> None:
    db.busy_timeout = 0.1
    with contextlib.closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await db.write(lambda tx: tx.insert(ADD_USER, (1, "Ann")))
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            async with db.transaction() as tx:
                await tx.execute(ADD_USER, (2, "Bob"))
        other.execute("ROLLBACK")
    # Nothing half-done is left behind: both write once the lock is free.
    await db.write(lambda tx: tx.insert(ADD_USER, (1, "Ann")))
    async with db.transaction() as tx:
        await tx.execute(ADD_USER, (2, "Bob"))
    assert await db.read.fetch_value("SELECT COUNT(*) FROM users") == 2


async def test_the_wal_is_copied_into_the_database_in_the_background(
    db: Database, db_path: Path
) -> None:
    """The writer never checkpoints (a checkpoint syncs the disk, on the event loop); the
    maintenance connection does, so the WAL does not grow without end."""
    size_before = file_size(db_path)
    rows = [(n, "x" * 2000) for n in range(1, 501)]
    await db.write(lambda tx: tx.execute_many(ADD_USER, rows))
    assert file_size(db_path.with_name(db_path.name + "-wal")) > 500 * 2000
    assert file_size(db_path) == size_before, "the commit itself copied nothing"
    for _ in range(100):
        await asyncio.sleep(0.05)
        if file_size(db_path) > size_before + 500 * 2000:
            return
    raise AssertionError("the WAL was not copied into the database within 5 s")


def file_size(path: Path) -> int:
    return path.stat().st_size


async def test_the_writer_stats_file_is_kept_up_to_date_and_written_at_close(
    db_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stats_file = tmp_path / "writer.json"
    database = Database(db_path, stats_file=stats_file)
    await database.open()
    try:
        await database.write(lambda tx: tx.execute(ADD_USER, (1, "Ann")))
        await asyncio.sleep(STATS_INTERVAL * 1.5)
        running = json.loads(stats_file.read_text())
        assert running["transactions"] == 1
    finally:
        with caplog.at_level(logging.INFO, logger="storage.database"):
            await database.close()
    final = json.loads(stats_file.read_text())
    assert final["transactions"] == 1 and final["round_trips"] == 1
    assert final["clock"] >= running["clock"]
    assert {"held_seconds", "waited_seconds", "opened_at"} <= final.keys()
    assert any("1 write transactions" in r.message for r in caplog.records)


# ----------------------------------------------------------------------------- persistence


async def test_persistence_survives_a_fresh_database_object(db_path: Path) -> None:
    first_db = Database(db_path)
    first = SqlitePersistence(first_db)
    assert await first.get_user_data() == {}  # opens the database on first use
    await first.update_user_data(7, {"draft": {"title": "Calls", "rate": 1250}, "step": 2})
    await first.update_user_data(8, {"language": "fr"})
    await first.update_conversation("new_mission", (7, 7), "TITLE")
    await first.update_conversation("new_mission", (8, 8), 3)
    await first.update_conversation("new_mission", (8, 8), 4)  # overwrites
    await first.update_conversation("onboarding", (7, 7), "ROLE")
    await first.update_conversation("onboarding", (7, 7), None)  # conversation ended
    await first_db.close()

    second_db = Database(db_path)
    second = SqlitePersistence(second_db)
    try:
        assert await second.get_user_data() == {
            7: {"draft": {"title": "Calls", "rate": 1250}, "step": 2},
            8: {"language": "fr"},
        }
        assert await second.get_conversations("new_mission") == {(7, 7): "TITLE", (8, 8): 4}
        assert await second.get_conversations("onboarding") == {}

        await second.update_conversation("new_mission", (7, 7), None)
        assert await second.get_conversations("new_mission") == {(8, 8): 4}
    finally:
        await second_db.close()


async def test_audit_rows_page_newest_first_and_roll_back_with_their_action(
    db: Database,
) -> None:
    audit = AuditRepository(db, ManualClock(datetime(2026, 3, 12, 14, 30, tzinfo=UTC)))
    async with db.transaction() as tx:
        for user_id in (11, 12, 13):
            await audit.record(tx, 1, AuditAction.BAN, user_id, {"missions_paused": user_id})
    with contextlib.suppress(RuntimeError):
        async with db.transaction() as tx:
            await audit.record(tx, 1, AuditAction.UNBAN, 11)
            raise RuntimeError("the unban failed after its audit row")

    assert await audit.count() == 3
    page = await audit.newest(offset=1, limit=2)
    assert [(e.action, e.subject_id, e.details) for e in page] == [
        (AuditAction.BAN, 12, {"missions_paused": 12}),
        (AuditAction.BAN, 11, {"missions_paused": 11}),
    ]


async def test_persistence_writes_only_what_changed(db_path: Path) -> None:
    """PTB hands over every active user's data each second, changed or not; only changes
    may take the single writer."""
    db = Database(db_path)
    persistence = SqlitePersistence(db)
    try:
        assert await persistence.get_user_data() == {}
        assert await persistence.get_conversations("wizard") == {}
        before = db.stats.transactions
        for _ in range(3):
            await persistence.update_user_data(7, {"step": 2})
            await persistence.update_user_data(8, {})  # never had data
            await persistence.update_conversation("wizard", (7, 7), "TITLE")
            await persistence.update_conversation("wizard", (8, 8), None)
        assert db.stats.transactions - before == 2

        await persistence.update_user_data(7, {"step": 3})
        await persistence.update_user_data(7, {})
        await persistence.update_conversation("wizard", (7, 7), None)
        assert db.stats.transactions - before == 5
        assert await db.read.fetch_all("SELECT * FROM persistence_user_data") == []
        assert await db.read.fetch_all("SELECT * FROM persistence_conversations") == []
    finally:
        await db.close()


async def test_a_snapshot_reads_as_one_moment_whatever_commits_between_its_reads(
    db: Database, db_path: Path
) -> None:
    count = "SELECT COUNT(*) FROM users"

    def read_twice_with_a_commit_between(s: SyncTransaction) -> tuple[int, int]:
        first = int(s.fetch_value(count))
        # Another connection commits a user between the two reads, as the writer would.
        other = sqlite3.connect(db_path, isolation_level=None)
        try:
            other.execute(ADD_USER, (7, "Between"))
        finally:
            other.close()
        return first, int(s.fetch_value(count))

    assert await db.read.snapshot(read_twice_with_a_commit_between) == (0, 0)
    assert await db.read.fetch_value(count) == 1, "the commit is seen afterwards"
