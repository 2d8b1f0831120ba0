from __future__ import annotations

from collections.abc import Iterable

from storage.clock import Clock, to_db
from storage.database import Database, Reader, Row, SyncTransaction, Transaction
from storage.models import Role, User


def _user(row: Row) -> User:
    return User.model_validate(dict(row))


class UserRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, user_id: int, reader: Reader | None = None) -> User | None:
        row = await (reader or self._db.read).fetch_one(
            "SELECT * FROM users WHERE id = ?", (user_id,)
        )
        return _user(row) if row else None

    async def languages(self, tx: Transaction, user_ids: Iterable[int]) -> dict[int, str]:
        """The language of each of these users (those who exist)."""
        wanted = sorted(set(user_ids))
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        rows = await tx.fetch_all(
            f"SELECT id, language FROM users WHERE id IN ({marks})", tuple(wanted)
        )
        return {int(row["id"]): str(row["language"]) for row in rows}

    def seen(
        self,
        tx: SyncTransaction,
        user_id: int,
        *,
        first_name: str,
        username: str | None,
        language: str,
    ) -> User:
        """Record that the user wrote to the bot: create or refresh them, and unblock.

        `language` comes from Telegram's language_code; it does not override a language
        the user chose with /language.
        """
        now = to_db(self._clock.now())
        row = tx.fetch_one(
            """
            INSERT INTO users (id, language, first_name, username, created_at, last_seen_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                first_name = excluded.first_name,
                username = excluded.username,
                last_seen_at = excluded.last_seen_at,
                blocked_at = NULL,
                language = CASE WHEN users.language_chosen THEN users.language
                                ELSE excluded.language END
            RETURNING *
            """,
            (user_id, language, first_name, username, now, now),
        )
        assert row is not None
        return _user(row)

    async def set_language(self, tx: Transaction, user_id: int, language: str) -> None:
        await tx.execute(
            "UPDATE users SET language = ?, language_chosen = 1 WHERE id = ?",
            (language, user_id),
        )

    async def set_role(self, tx: Transaction, user_id: int, role: Role) -> None:
        await tx.execute("UPDATE users SET role = ? WHERE id = ? AND role IS NULL", (role, user_id))

    async def set_banned(self, tx: Transaction, user_id: int, banned: bool) -> bool:
        """Ban or unban; returns whether anything changed."""
        if banned:
            sql = "UPDATE users SET banned_at = ? WHERE id = ? AND banned_at IS NULL"
            return await tx.execute(sql, (to_db(self._clock.now()), user_id)) > 0
        sql = """
            UPDATE users SET banned_at = NULL, ban_notice_at = NULL
            WHERE id = ? AND banned_at IS NOT NULL
        """
        return await tx.execute(sql, (user_id,)) > 0

    def claim_ban_notice(self, tx: SyncTransaction, user_id: int, not_since: str) -> bool:
        """Mark a ban notice as sent now unless one was sent after `not_since`."""
        changed = tx.execute(
            """
            UPDATE users SET ban_notice_at = ?
            WHERE id = ? AND (ban_notice_at IS NULL OR ban_notice_at <= ?)
            """,
            (to_db(self._clock.now()), user_id, not_since),
        )
        return changed > 0

    def mark_blocked(self, tx: SyncTransaction, user_id: int) -> None:
        tx.execute(
            "UPDATE users SET blocked_at = ? WHERE id = ? AND blocked_at IS NULL",
            (to_db(self._clock.now()), user_id),
        )
