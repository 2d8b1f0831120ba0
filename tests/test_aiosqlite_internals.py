"""The aiosqlite internals storage/database.py relies on to run a unit of work as one job on
a connection's thread: if an upgrade changes them, these tests say so before the writer
breaks."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import aiosqlite
import pytest


async def test_execute_runs_a_callable_on_the_connections_own_thread(tmp_path: Path) -> None:
    connection = await aiosqlite.connect(tmp_path / "pin.sqlite3")
    try:
        seen: list[tuple[int, object]] = []

        def job() -> str:
            # `_conn` is the sqlite3 connection, usable only on this thread.
            raw = connection._conn
            seen.append((threading.get_ident(), raw))
            return str(raw.execute("SELECT 'ran'").fetchone()[0])

        assert await connection._execute(job) == "ran"
        assert await connection._execute(job) == "ran"
        (first_thread, raw), (second_thread, _) = seen
        assert first_thread == second_thread != threading.get_ident()
        assert isinstance(raw, sqlite3.Connection)
    finally:
        await connection.close()


async def test_execute_hands_the_callables_exception_back(tmp_path: Path) -> None:
    connection = await aiosqlite.connect(tmp_path / "pin.sqlite3")
    try:

        def job() -> None:
            connection._conn.execute("SELECT * FROM missing_table")

        with pytest.raises(sqlite3.OperationalError, match="missing_table"):
            await connection._execute(job)
    finally:
        await connection.close()
