"""Ordered schema migrations, tracked with SQLite's `user_version`.

Migration N is the file `NNNN_*.sql` in this folder. Each runs in its own transaction
together with the version bump, so a failed migration leaves the previous version intact.

SQLite changes a table's constraints only by rebuilding it. A migration whose first line is
`REBUILDS_TABLES` does that: it runs with foreign keys off (a rebuilt table is dropped while
others still refer to it), and every reference is checked before it commits.
"""

from __future__ import annotations

from importlib import resources

import aiosqlite


class DatabaseTooNewError(RuntimeError):
    """The database was written by a newer Callboard than this one."""


REBUILDS_TABLES = "-- rebuilds tables"


class BrokenReferencesError(RuntimeError):
    """A table rebuild left rows referring to rows that do not exist."""


def migration_scripts() -> list[tuple[int, str]]:
    files = sorted(
        (
            entry
            for entry in resources.files(__package__).iterdir()
            if entry.name.endswith(".sql") and entry.name[:4].isdigit()
        ),
        key=lambda entry: entry.name,
    )
    scripts = [(int(entry.name[:4]), entry.read_text(encoding="utf-8")) for entry in files]
    expected = list(range(1, len(scripts) + 1))
    if [version for version, _ in scripts] != expected:
        raise RuntimeError("migration files must be numbered 0001, 0002, ... without gaps")
    return scripts


async def current_version(connection: aiosqlite.Connection) -> int:
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def apply_migrations(connection: aiosqlite.Connection) -> int:
    """Bring the schema up to date; returns the resulting version."""
    scripts = migration_scripts()
    version = await current_version(connection)
    if version > len(scripts):
        raise DatabaseTooNewError(
            f"the database schema is version {version} but this Callboard knows only up to "
            f"{len(scripts)}: upgrade Callboard or use another DATABASE_PATH"
        )
    for number, script in scripts[version:]:
        rebuilds = script.startswith(REBUILDS_TABLES)
        if rebuilds:
            await connection.execute("PRAGMA foreign_keys = OFF")
        try:
            await connection.executescript(
                f"BEGIN IMMEDIATE;\n{script}\n;PRAGMA user_version = {number};"
            )
            if rebuilds:
                await _check_references(connection)
            await connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                await connection.execute("ROLLBACK")
            raise
        finally:
            if rebuilds:
                await connection.execute("PRAGMA foreign_keys = ON")
        version = number
    return version


async def _check_references(connection: aiosqlite.Connection) -> None:
    async with connection.execute("PRAGMA foreign_key_check") as cursor:
        broken = list(await cursor.fetchall())
    if broken:
        raise BrokenReferencesError(f"rows refer to missing rows: {broken[:5]}")
