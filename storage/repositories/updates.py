from __future__ import annotations

from datetime import datetime

from storage.clock import Clock, to_db
from storage.database import Database, SyncTransaction, Transaction


class InboxRepository:
    """Updates received from Telegram: pending until a handler run claims them, then kept
    as taken for a while, so that a redelivered update is not acted on twice."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def receive(self, tx: SyncTransaction, update_id: int, payload: str) -> bool:
        """Store a fetched update as pending; False if it had been received before."""
        changed = tx.execute(
            "INSERT OR IGNORE INTO inbox (update_id, status, received_at, payload)"
            " VALUES (?, 'pending', ?, ?)",
            (update_id, to_db(self._clock.now()), payload),
        )
        return changed > 0

    def claim(self, tx: SyncTransaction, update_id: int) -> bool:
        """Mark the update taken; False if it was already. An update that did not come
        through the inbox is recorded as taken all the same."""
        changed = tx.execute(
            "INSERT INTO inbox (update_id, status, received_at, payload)"
            " VALUES (?, 'taken', ?, NULL)"
            " ON CONFLICT (update_id) DO UPDATE SET status = 'taken', payload = NULL"
            " WHERE status = 'pending'",
            (update_id, to_db(self._clock.now())),
        )
        return changed > 0

    async def pending(self) -> list[tuple[int, str]]:
        """The updates received and not yet claimed, as (update id, JSON), oldest first."""
        rows = await self._db.read.fetch_all(
            "SELECT update_id, payload FROM inbox WHERE status = 'pending' ORDER BY update_id"
        )
        return [(int(row["update_id"]), str(row["payload"])) for row in rows]

    async def forget_before(self, tx: Transaction, moment: datetime) -> int:
        """Drop the taken updates received before `moment`; pending ones wait for a run."""
        return await tx.execute(
            "DELETE FROM inbox WHERE status = 'taken' AND received_at < ?", (to_db(moment),)
        )
