"""Ordered schema migrations, tracked with SQLite's `user_version`.

Migration N is the file `NNNN_*.sql` in this folder. Each runs in its own transaction
together with the version bump, so a failed migration leaves the previous version intact.
"""

from __future__ import annotations

from importlib import resources

import aiosqlite


class DatabaseTooNewError(RuntimeError):
    """The database was written by a newer Callboard than this one."""


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
        try:
            await connection.executescript(
                f"BEGIN IMMEDIATE;\n{script}\n;PRAGMA user_version = {number};\nCOMMIT;"
            )
        except BaseException:
            if connection.in_transaction:
                await connection.execute("ROLLBACK")
            raise
        version = number
    return version
