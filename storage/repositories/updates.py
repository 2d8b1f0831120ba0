from __future__ import annotations

from datetime import datetime

from storage.clock import Clock, to_db
from storage.database import Transaction


class ProcessedUpdateRepository:
    """Update ids already handled, so that a redelivered update is not acted on twice."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def claim(self, tx: Transaction, update_id: int) -> bool:
        """Record the update; False if it had been recorded before."""
        changed = await tx.execute(
            "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
            (update_id, to_db(self._clock.now())),
        )
        return changed > 0

    async def forget_before(self, tx: Transaction, moment: datetime) -> int:
        return await tx.execute(
            "DELETE FROM processed_updates WHERE processed_at < ?", (to_db(moment),)
        )
