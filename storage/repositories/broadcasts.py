"""Admins' broadcasts: the row standing for one, its progress message, and how it ended.

Each change of state is a conditional UPDATE that says whether it applied, so that the
progress is edited once per interval and the final report is queued once, whatever the
ticks, the taps and the restarts in between."""

from __future__ import annotations

from datetime import datetime

from storage.clock import Clock, to_db
from storage.database import Database, Reader, Row, Transaction
from storage.models import Broadcast, BroadcastAudience, BroadcastStatus, CampaignProgress


def _broadcast(row: Row) -> Broadcast:
    return Broadcast.model_validate(dict(row))


class BroadcastRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create(
        self,
        tx: Transaction,
        *,
        campaign_id: int,
        admin_id: int,
        audience: BroadcastAudience,
        source: tuple[int, int],
        paid: bool,
        recipients: int,
    ) -> int:
        """Record a broadcast under way; its progress counts as shown now (the admin is
        answered at once)."""
        now = to_db(self._clock.now())
        return await tx.insert(
            """
            INSERT INTO broadcasts (campaign_id, admin_id, audience, source_chat_id,
                source_message_id, paid, recipients, progress_at, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (campaign_id, admin_id, audience, *source, int(paid), recipients, now, now),
        )

    async def get(self, broadcast_id: int, reader: Reader | None = None) -> Broadcast | None:
        row = await (reader or self._db.read).fetch_one(
            "SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return _broadcast(row) if row else None

    async def sending(self, reader: Reader | None = None) -> Broadcast | None:
        """The broadcast under way, if any (there is one at most)."""
        row = await (reader or self._db.read).fetch_one(
            "SELECT * FROM broadcasts WHERE status = ?", (BroadcastStatus.SENDING,)
        )
        return _broadcast(row) if row else None

    async def exists_for(self, source: tuple[int, int], reader: Reader | None = None) -> bool:
        """Whether this message was broadcast already."""
        found = await (reader or self._db.read).fetch_value(
            "SELECT 1 FROM broadcasts WHERE source_chat_id = ? AND source_message_id = ?", source
        )
        return found is not None

    async def claim_progress(self, tx: Transaction, broadcast_id: int, not_since: datetime) -> bool:
        """Mark the progress as shown now, unless it was shown after `not_since` or the
        broadcast is no longer under way."""
        changed = await tx.execute(
            """
            UPDATE broadcasts SET progress_at = ?
            WHERE id = ? AND status = ? AND progress_at <= ?
            """,
            (to_db(self._clock.now()), broadcast_id, BroadcastStatus.SENDING, to_db(not_since)),
        )
        return changed > 0

    async def set_progress_message(
        self, tx: Transaction, broadcast_id: int, message_id: int
    ) -> None:
        await tx.execute(
            "UPDATE broadcasts SET progress_message_id = ? WHERE id = ?",
            (message_id, broadcast_id),
        )

    async def end(
        self,
        tx: Transaction,
        broadcast_id: int,
        status: BroadcastStatus,
        outcome: CampaignProgress,
    ) -> bool:
        """Move a broadcast under way to `status` with its outcome; False if it was no
        longer under way (ended by someone else, or already reported)."""
        changed = await tx.execute(
            """
            UPDATE broadcasts SET status = ?, ended_at = ?, sent = ?, blocked = ?, failed = ?
            WHERE id = ? AND status = ?
            """,
            (
                status,
                to_db(self._clock.now()),
                outcome.sent,
                outcome.blocked,
                outcome.failed,
                broadcast_id,
                BroadcastStatus.SENDING,
            ),
        )
        return changed > 0
