"""The SQLite database: one writer connection guarded by a lock, one reader connection.

WAL lets the reader see the last committed state while a write transaction is open, so
reads never wait on writes and never see half-done changes. Writes are serialised on the
writer with an asyncio lock (one connection is never shared by two transactions) and take
SQLite's write lock up front with `BEGIN IMMEDIATE`, so a second process would wait on
`busy_timeout` instead of failing mid-transaction.

Each connection runs its statements on its own thread, and every call to that thread is an
awaited round-trip; while a write transaction waits on one, the lock is held and every other
writer waits. So the hot paths hand a whole unit of work to `write()`: `BEGIN IMMEDIATE`,
their statements and `COMMIT` (or `ROLLBACK`) run as one job on the writer's thread. The
rest use `async with transaction()`, where each statement is one round-trip, the first one
also opening the transaction. `stats` counts what the writer does (see docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.migrations import apply_migrations

_LOGGER = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]
Row = aiosqlite.Row
# A row as read, or one rebuilt as a dict (e.g. columns renamed in a join).
RowLike = aiosqlite.Row | Mapping[str, Any]
T = TypeVar("T")

# busy_timeout first: switching to WAL needs a lock too, and a database another process
# holds for a moment is waited for rather than refused.
_PRAGMAS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
)

# How often the writer's counters are written to the stats file, when there is one.
STATS_INTERVAL = 1.0


async def _on_thread(connection: aiosqlite.Connection, job: Callable[[sqlite3.Connection], T]) -> T:
    """Run `job` with the sqlite3 connection on the connection's own thread: one round-trip,
    however many statements the job runs. Relies on aiosqlite's `_execute` and `_conn`
    (pinned by tests/test_aiosqlite_internals.py)."""
    execute: Callable[[Callable[[], T]], Awaitable[T]] = connection._execute
    return await execute(lambda: job(connection._conn))


class SyncTransaction:
    """An open write transaction as seen from the writer's own thread: each statement runs
    at once, without a round-trip. Handed to the units of work of `Database.write`."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        return int(self._connection.execute(sql, params).rowcount)

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row id."""
        return int(self._connection.execute(sql, params).lastrowid or 0)

    def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        self._connection.executemany(sql, rows)

    def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = self._connection.execute(sql, params).fetchone()
        return row

    def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(self._connection.execute(sql, params).fetchall())

    def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = self.fetch_one(sql, params)
        return None if row is None else row[0]


class Reader:
    """Read-only access through one connection, one round-trip per query."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def _run(self, job: Callable[[SyncTransaction], T]) -> T:
        return await _on_thread(self._connection, lambda raw: job(SyncTransaction(raw)))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await self._run(lambda s: s.fetch_one(sql, params))

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._run(lambda s: s.fetch_all(sql, params))

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        return await self._run(lambda s: s.fetch_value(sql, params))

    async def snapshot(self, work: Callable[[SyncTransaction], T]) -> T:
        """Reads that must agree with each other, in one read transaction and one
        round-trip: a write committed meanwhile is seen by all of them or by none (each
        plain read is a snapshot of its own)."""

        def consistent(raw: sqlite3.Connection) -> T:
            raw.execute("BEGIN")
            try:
                return work(SyncTransaction(raw))
            finally:
                raw.execute("COMMIT")

        return await _on_thread(self._connection, consistent)


class Transaction(Reader):
    """An open write transaction; work queued with `on_commit` runs only if it commits.

    `BEGIN IMMEDIATE` goes with the first statement, in the same round-trip."""

    def __init__(self, connection: aiosqlite.Connection, stats: WriterStats) -> None:
        super().__init__(connection)
        self._stats = stats
        self._begun = False
        self._after_commit: list[Callable[[], None]] = []

    async def _run(self, job: Callable[[SyncTransaction], T]) -> T:
        begin = not self._begun
        self._begun = True

        def in_transaction(raw: sqlite3.Connection) -> T:
            if begin:
                raw.execute("BEGIN IMMEDIATE")
            return job(SyncTransaction(raw))

        self._stats.round_trips += 1
        return await _on_thread(self._connection, in_transaction)

    async def run(self, work: Callable[[SyncTransaction], T]) -> T:
        """Run several statements of this transaction in one round-trip."""
        return await self._run(work)

    async def snapshot(self, work: Callable[[SyncTransaction], T]) -> T:
        """Inside a transaction every read already agrees."""
        return await self._run(work)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        return await self._run(lambda s: s.execute(sql, params))

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row id."""
        return await self._run(lambda s: s.insert(sql, params))

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        await self._run(lambda s: s.execute_many(sql, rows))

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    async def _finish(self, commit: bool) -> None:
        """COMMIT (or ROLLBACK) in one round-trip; a failed COMMIT is rolled back too, so the
        connection never stays inside a transaction and every later BEGIN works."""
        if not self._begun:
            return
        self._stats.round_trips += 1
        await _on_thread(self._connection, _commit if commit else _roll_back)

    def committed(self) -> None:
        for callback in self._after_commit:
            callback()


def _roll_back(raw: sqlite3.Connection) -> None:
    if raw.in_transaction:
        raw.execute("ROLLBACK")


def _commit(raw: sqlite3.Connection) -> None:
    try:
        raw.execute("COMMIT")
    except BaseException:
        _roll_back(raw)
        raise


def _timed(
    job: Callable[[sqlite3.Connection], T],
) -> Callable[[sqlite3.Connection], tuple[float, float, T]]:
    """`job`, with when it began and ended on the thread (its BEGIN to its COMMIT)."""

    def timed(raw: sqlite3.Connection) -> tuple[float, float, T]:
        began = time.perf_counter()
        result = job(raw)
        return began, time.perf_counter(), result

    return timed


def _unit_of_work(work: Callable[[SyncTransaction], T]) -> Callable[[sqlite3.Connection], T]:
    def whole(raw: sqlite3.Connection) -> T:
        raw.execute("BEGIN IMMEDIATE")
        try:
            result = work(SyncTransaction(raw))
            if inspect.iscoroutine(result):
                # An async function here would never run: its writes would silently be lost.
                result.close()
                raise TypeError("a unit of work must be a plain function, not a coroutine")
        except BaseException:
            _roll_back(raw)
            raise
        _commit(raw)
        return result

    return whole


@dataclass
class WriterStats:
    """What the writer did since the database was opened: cheap enough to keep always.
    `held_seconds` is how long the write lock was held, `waited_seconds` the time spent
    waiting for it, summed over every write transaction."""

    transactions: int = 0
    round_trips: int = 0
    held_seconds: float = 0.0
    waited_seconds: float = 0.0
    opened_at: float = 0.0

    def snapshot(self) -> dict[str, float]:
        """The counters, with `clock` (time.monotonic(), the same in every process of the
        machine): the share of a window the lock was held is Δheld_seconds / Δclock."""
        return {**asdict(self), "clock": time.monotonic()}

    def summary(self) -> str:
        open_for = max(time.monotonic() - self.opened_at, 1e-9)
        return (
            f"{self.transactions} write transactions, {self.round_trips} writer round-trips, "
            f"lock held {self.held_seconds:.2f} s of {open_for:.2f} s open "
            f"({100 * self.held_seconds / open_for:.1f} %), "
            f"waited for {self.waited_seconds:.2f} s in all"
        )


async def _check_writable(connection: aiosqlite.Connection) -> None:
    """Take the write lock once: a database another process keeps locked past
    `busy_timeout` fails here, at start, rather than on every update afterwards."""
    await connection.execute("BEGIN IMMEDIATE")
    await connection.execute("ROLLBACK")


class Database:
    """`stats_file`: where the writer's counters are written as JSON, every STATS_INTERVAL
    seconds and at close (for benchmarks; see docs/architecture.md)."""

    def __init__(self, path: Path, stats_file: Path | None = None) -> None:
        self.path = path
        self.stats = WriterStats()
        self._stats_file = stats_file
        self._stats_task: asyncio.Task[None] | None = None
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._open_lock = asyncio.Lock()

    @property
    def is_open(self) -> bool:
        return self._reader is not None

    async def open(self) -> None:
        """Connect, apply the PRAGMAs and pending migrations (creating the file if needed),
        and check that the database can be written.

        Idempotent: PTB loads the persistence before `post_init`, so whichever needs the
        database first opens it. If any step fails, whatever was opened is closed again:
        each connection runs on its own thread, and one left open keeps the process alive
        after the error has been reported."""
        async with self._open_lock:
            if self._reader is not None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._writer = await self._connect()
                await apply_migrations(self._writer)
                await _check_writable(self._writer)
                self._reader = await self._connect()
            except BaseException:
                await self.close()
                raise
            self.stats = WriterStats(opened_at=time.monotonic())
            if self._stats_file is not None:
                self._stats_task = asyncio.create_task(self._write_stats_regularly())

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        connection = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            connection.row_factory = aiosqlite.Row
            for pragma in _PRAGMAS:
                await connection.execute(pragma)
        except BaseException:
            await connection.close()
            raise
        return connection

    async def close(self) -> None:
        reader, writer = self._reader, self._writer
        self._reader = self._writer = None
        if writer is not None:
            await self._stop_stats()
        try:
            if reader is not None:
                await reader.close()
        finally:
            if writer is not None:
                await writer.close()

    async def _stop_stats(self) -> None:
        task, self._stats_task = self._stats_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.stats.opened_at:
            _LOGGER.info("writer: %s", self.stats.summary())
            self._write_stats()

    async def _write_stats_regularly(self) -> None:
        while True:
            self._write_stats()
            await asyncio.sleep(STATS_INTERVAL)

    def _write_stats(self) -> None:
        if self._stats_file is None:
            return
        # Replaced whole, so a reader never sees half a file.
        partial = self._stats_file.with_name(self._stats_file.name + ".part")
        try:
            partial.write_text(json.dumps(self.stats.snapshot()), encoding="utf-8")
            os.replace(partial, self._stats_file)
        except OSError:
            _LOGGER.warning("cannot write the writer's stats to %s", self._stats_file)

    @property
    def read(self) -> Reader:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return Reader(self._reader)

    @asynccontextmanager
    async def _write_locked(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer, under the write lock, counted in `stats`."""
        if self._writer is None:
            raise RuntimeError("database is not open")
        asked = time.perf_counter()
        async with self._write_lock:
            taken = time.perf_counter()
            try:
                yield self._writer
            finally:
                released = time.perf_counter()
                self.stats.transactions += 1
                self.stats.waited_seconds += taken - asked
                self.stats.held_seconds += released - taken

    async def write(self, work: Callable[[SyncTransaction], T]) -> T:
        """Run `work` in a transaction of its own, as one job on the writer's thread:
        committed if it returns, rolled back if it raises. For the hot paths; `work` runs
        on another thread, so it must only run statements and compute from their results.

        Units of work do not take the asyncio lock: the writer's thread runs its jobs one
        after the other, so each unit is already alone from its BEGIN to its COMMIT, and the
        next one starts as soon as it commits instead of when the event loop gets round to
        releasing a lock. They only wait for an open `transaction()` block, whose statements
        they must not come between."""
        while self._write_lock.locked():
            async with self._write_lock:
                pass
        if self._writer is None:
            raise RuntimeError("database is not open")
        asked = time.perf_counter()
        self.stats.round_trips += 1
        began, ended, result = await _on_thread(self._writer, _timed(_unit_of_work(work)))
        self.stats.transactions += 1
        self.stats.waited_seconds += began - asked
        self.stats.held_seconds += ended - began
        return result

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._write_locked() as writer:
            transaction = Transaction(writer, self.stats)
            try:
                yield transaction
            except BaseException:
                await transaction._finish(commit=False)
                raise
            await transaction._finish(commit=True)
        transaction.committed()
