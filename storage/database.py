"""The SQLite database: one writer connection guarded by a lock, one reader connection.

WAL lets the reader see the last committed state while a write transaction is open, so
reads never wait on writes and never see half-done changes. Writes go through
`transaction()`, which serialises them on the writer with an asyncio lock (one connection
is never shared by two transactions) and takes SQLite's write lock up front with
`BEGIN IMMEDIATE`, so a second process would wait on `busy_timeout` instead of failing
mid-transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrations import apply_migrations

_LOGGER = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]
Row = aiosqlite.Row
# A row as read, or one rebuilt as a dict (e.g. columns renamed in a join).
RowLike = aiosqlite.Row | Mapping[str, Any]

# busy_timeout first: switching to WAL needs a lock too, and a database another process
# holds for a moment is waited for rather than refused.
_PRAGMAS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
)


class Reader:
    """Read-only access through one connection."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._connection.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


class Transaction(Reader):
    """An open write transaction; work queued with `on_commit` runs only if it commits."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        super().__init__(connection)
        self._after_commit: list[Callable[[], None]] = []

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        async with self._connection.execute(sql, params) as cursor:
            return int(cursor.rowcount)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row id."""
        async with self._connection.execute(sql, params) as cursor:
            return int(cursor.lastrowid or 0)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        await self._connection.executemany(sql, rows)

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def committed(self) -> None:
        for callback in self._after_commit:
            callback()


async def _check_writable(connection: aiosqlite.Connection) -> None:
    """Take the write lock once: a database another process keeps locked past
    `busy_timeout` fails here, at start, rather than on every update afterwards."""
    await connection.execute("BEGIN IMMEDIATE")
    await connection.execute("ROLLBACK")


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
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
        try:
            if reader is not None:
                await reader.close()
        finally:
            if writer is not None:
                await writer.close()

    @property
    def read(self) -> Reader:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return Reader(self._reader)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        if self._writer is None:
            raise RuntimeError("database is not open")
        async with self._write_lock:
            transaction = Transaction(self._writer)
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield transaction
                await self._writer.execute("COMMIT")
            except BaseException:
                # Also after a failed COMMIT: the connection must not stay inside a
                # transaction, or every later BEGIN would fail.
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise
        transaction.committed()
