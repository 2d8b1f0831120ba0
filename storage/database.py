"""The SQLite database: one writer connection guarded by a lock, one reader connection.

WAL lets the reader see the last committed state while a write transaction is open, so
reads never wait on writes and never see half-done changes. Writes are serialised on the
writer with an asyncio lock (one connection is never shared by two transactions) and take
SQLite's write lock up front with `BEGIN IMMEDIATE`.

Both connections run their statements on the event loop's own thread, at once. An indexed
statement on a local file in WAL takes a few microseconds; handing it to a thread and back
cost far more, and under load most of it was spent waiting for the GIL, with SQLite's write
lock held meanwhile (docs/architecture.md, "The writer"). Two things could block the loop
and are kept off it: waiting for another process's write lock (`BEGIN IMMEDIATE` is tried
without waiting and tried again asynchronously, for up to `busy_timeout` seconds), and
copying the WAL into the database with its disk syncs (the checkpoints run on a third
connection, on its own thread, by aiosqlite). The hot paths hand a whole unit of work to
`write()`; the rest use `async with transaction()`. `stats` counts what the writer does.
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
Row = sqlite3.Row
# A row as read, or one rebuilt as a dict (e.g. columns renamed in a join).
RowLike = sqlite3.Row | Mapping[str, Any]
T = TypeVar("T")

# busy_timeout first: switching to WAL needs a lock too, and a database another process
# holds for a moment is waited for rather than refused.
_PRAGMAS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
)
# The connections on the event loop never wait inside SQLite: the writer's lock is waited
# for asynchronously, and the writer leaves checkpoints (disk syncs) to the maintenance one.
_ON_LOOP_PRAGMAS = ("PRAGMA busy_timeout = 0", "PRAGMA wal_autocheckpoint = 0")

# How long a write waits for another process to release SQLite's write lock, in seconds.
BUSY_TIMEOUT = 5.0
# How often the WAL is copied into the database while there are writes, in seconds.
CHECKPOINT_INTERVAL = 1.0
# How often the writer's counters are written to the stats file, when there is one.
STATS_INTERVAL = 1.0


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class SyncTransaction:
    """An open transaction as a plain function sees it: each statement runs at once. Handed
    to the units of work of `Database.write`, to `run` and to snapshots."""

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
    """Read-only access through one connection; each query runs at once."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def _run(self, job: Callable[[SyncTransaction], T]) -> T:
        await _let_others_run()
        return job(SyncTransaction(self._connection))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await self._run(lambda s: s.fetch_one(sql, params))

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._run(lambda s: s.fetch_all(sql, params))

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        return await self._run(lambda s: s.fetch_value(sql, params))

    async def snapshot(self, work: Callable[[SyncTransaction], T]) -> T:
        """Reads that must agree with each other, in one read transaction: a write committed
        meanwhile is seen by all of them or by none (each plain read is a snapshot of its
        own)."""
        await _let_others_run()
        raw = self._connection
        raw.execute("BEGIN")
        try:
            return work(SyncTransaction(raw))
        finally:
            raw.execute("COMMIT")


class Transaction(Reader):
    """An open write transaction; work queued with `on_commit` runs only if it commits.

    `BEGIN IMMEDIATE` goes with the first statement."""

    def __init__(
        self, connection: sqlite3.Connection, stats: WriterStats, busy_timeout: float
    ) -> None:
        super().__init__(connection)
        self._stats = stats
        self._busy_timeout = busy_timeout
        self._begun = False
        self._after_commit: list[Callable[[], None]] = []

    async def _run(self, job: Callable[[SyncTransaction], T]) -> T:
        if not self._begun:
            await _begin_immediate(self._connection, self._busy_timeout)
            self._begun = True
        self._stats.round_trips += 1
        return job(SyncTransaction(self._connection))

    async def run(self, work: Callable[[SyncTransaction], T]) -> T:
        """Run several statements of this transaction as one call."""
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

    def _finish(self, commit: bool) -> None:
        """COMMIT (or ROLLBACK); a failed COMMIT is rolled back too, so the connection never
        stays inside a transaction and every later BEGIN works."""
        if not self._begun:
            return
        self._stats.round_trips += 1
        if commit:
            _commit(self._connection)
        else:
            _roll_back(self._connection)

    def committed(self) -> None:
        for callback in self._after_commit:
            callback()


async def _let_others_run() -> None:
    """Every read, unit of work and transaction starts with a pass through the event loop:
    a loop of queries (a catch-up of reminders, a campaign's chunks) never keeps the loop
    to itself for longer than one of them; the statements of one transaction run at once."""
    await asyncio.sleep(0)


def _try_begin_immediate(raw: sqlite3.Connection) -> bool:
    """`BEGIN IMMEDIATE` if SQLite's write lock is free now; False if another process has
    it (the connection does not wait: its busy_timeout is 0)."""
    try:
        raw.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if _is_busy(error):
            return False
        raise
    return True


async def _wait_for_the_lock(asked: float, busy_timeout: float, tries: int) -> None:
    """Between two tries at a write lock another process holds: a short, growing pause, or
    SQLite's own 'database is locked' once `busy_timeout` has passed."""
    if time.perf_counter() - asked >= busy_timeout:
        raise sqlite3.OperationalError("database is locked")
    await asyncio.sleep(min(0.001 * 2**tries, 0.05))


async def _begin_immediate(
    raw: sqlite3.Connection,
    busy_timeout: float,
    turn: Callable[[], Awaitable[None]] | None = None,
) -> float:
    """`BEGIN IMMEDIATE`, after awaiting `turn` (when given) before each try; returns when
    it began."""
    asked = time.perf_counter()
    tries = 0
    while True:
        if turn is not None:
            await turn()
        began = time.perf_counter()
        if _try_begin_immediate(raw):
            return began
        await _wait_for_the_lock(asked, busy_timeout, tries)
        tries += 1


def _roll_back(raw: sqlite3.Connection) -> None:
    if raw.in_transaction:
        raw.execute("ROLLBACK")


def _commit(raw: sqlite3.Connection) -> None:
    try:
        raw.execute("COMMIT")
    except BaseException:
        _roll_back(raw)
        raise


def _run_unit(raw: sqlite3.Connection, work: Callable[[SyncTransaction], T]) -> T:
    """`work` inside the transaction just begun: committed if it returns, rolled back if it
    raises."""
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


@dataclass
class WriterStats:
    """What the writer did since the database was opened: cheap enough to keep always.
    `round_trips` counts the calls to the writer (a unit of work is one; in a `transaction()`
    block, each statement or `run`, and the COMMIT), `held_seconds` is how long the write
    lock was held, `waited_seconds` the time spent waiting for it, summed over every write
    transaction."""

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
            f"{self.transactions} write transactions, {self.round_trips} writer calls, "
            f"lock held {self.held_seconds:.2f} s of {open_for:.2f} s open "
            f"({100 * self.held_seconds / open_for:.1f} %), "
            f"waited for {self.waited_seconds:.2f} s in all"
        )


async def _check_writable(connection: aiosqlite.Connection) -> None:
    """Take the write lock once: a database another process keeps locked past
    `busy_timeout` fails here, at start, rather than on every update afterwards."""
    await connection.execute("BEGIN IMMEDIATE")
    await connection.execute("ROLLBACK")


def _connect_on_loop(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves.
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.row_factory = sqlite3.Row
        for pragma in (*_PRAGMAS, *_ON_LOOP_PRAGMAS):
            connection.execute(pragma)
    except BaseException:
        connection.close()
        raise
    return connection


class Database:
    """`stats_file`: where the writer's counters are written as JSON, every STATS_INTERVAL
    seconds and at close (for benchmarks; see docs/architecture.md). `busy_timeout`: how
    long a write waits for another process's write lock, in seconds."""

    def __init__(
        self, path: Path, stats_file: Path | None = None, busy_timeout: float = BUSY_TIMEOUT
    ) -> None:
        self.path = path
        self.stats = WriterStats()
        self.busy_timeout = busy_timeout
        self._stats_file = stats_file
        self._background: list[asyncio.Task[None]] = []
        # Migrations at start, then checkpoints: the work that may wait on the disk.
        self._maintenance: aiosqlite.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
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
        the maintenance connection runs on its own thread, and one left open keeps the
        process alive after the error has been reported."""
        async with self._open_lock:
            if self._reader is not None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._maintenance = await self._connect_maintenance()
                await apply_migrations(self._maintenance)
                await _check_writable(self._maintenance)
                self._writer = _connect_on_loop(self.path)
                self._reader = _connect_on_loop(self.path)
            except BaseException:
                await self.close()
                raise
            self.stats = WriterStats(opened_at=time.monotonic())
            self._background = [asyncio.create_task(self._checkpoint_regularly())]
            if self._stats_file is not None:
                self._background.append(asyncio.create_task(self._write_stats_regularly()))

    async def _connect_maintenance(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            for pragma in _PRAGMAS:
                await connection.execute(pragma)
        except BaseException:
            await connection.close()
            raise
        return connection

    async def close(self) -> None:
        reader, writer, maintenance = self._reader, self._writer, self._maintenance
        self._reader = self._writer = self._maintenance = None
        await self._stop_background(logged=writer is not None)
        try:
            for connection in (reader, writer):
                if connection is not None:
                    connection.close()
        finally:
            # Closed last: the last connection to close copies the WAL into the database.
            if maintenance is not None:
                await maintenance.close()

    async def _stop_background(self, logged: bool) -> None:
        tasks, self._background = self._background, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if logged and self.stats.opened_at:
            _LOGGER.info("writer: %s", self.stats.summary())
            self._write_stats()

    async def _checkpoint_regularly(self) -> None:
        """Copy the WAL into the database while writes come in, off the event loop (the
        writer never checkpoints: a checkpoint syncs the disk). PASSIVE: it never waits for
        the writer or a reader, and copies what it can."""
        checkpointed_at = 0
        while True:
            await asyncio.sleep(CHECKPOINT_INTERVAL)
            maintenance = self._maintenance
            if maintenance is None or self.stats.transactions == checkpointed_at:
                continue
            written = self.stats.transactions
            try:
                await maintenance.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                _LOGGER.warning("WAL checkpoint failed; it is tried again", exc_info=True)
            else:
                checkpointed_at = written

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

    def _open_writer(self) -> sqlite3.Connection:
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    async def write(self, work: Callable[[SyncTransaction], T]) -> T:
        """Run `work` in a transaction of its own, at once: committed if it returns, rolled
        back if it raises. For the hot paths; `work` is a plain function that runs
        statements and computes from their results, without awaiting anything, so the
        write lock is held for the statements alone.

        A unit waits only for an open `transaction()` block, whose statements it must not
        come between, and for another process holding SQLite's write lock."""
        await _let_others_run()
        asked = time.perf_counter()
        writer = self._open_writer()
        began = await _begin_immediate(writer, self.busy_timeout, self._no_block_open)
        self.stats.round_trips += 1
        result = _run_unit(writer, work)
        self.stats.transactions += 1
        self.stats.waited_seconds += began - asked
        self.stats.held_seconds += time.perf_counter() - began
        return result

    async def _no_block_open(self) -> None:
        """Until no `transaction()` block is open or waiting for the lock."""
        while self._write_lock.locked():
            async with self._write_lock:
                pass

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        await _let_others_run()
        asked = time.perf_counter()
        async with self._write_lock:
            taken = time.perf_counter()
            transaction = Transaction(self._open_writer(), self.stats, self.busy_timeout)
            try:
                try:
                    yield transaction
                except BaseException:
                    transaction._finish(commit=False)
                    raise
                transaction._finish(commit=True)
            finally:
                self.stats.transactions += 1
                self.stats.waited_seconds += taken - asked
                self.stats.held_seconds += time.perf_counter() - taken
        transaction.committed()
