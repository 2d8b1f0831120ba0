from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.clock import Clock, from_db, to_db
from storage.database import Database, Row, SyncTransaction, Transaction
from storage.models import OutboxMessage, OutboxStatus, Priority, QueuedMessage

# The Bot API parameter asking Telegram to charge a send in Stars instead of holding it to
# the free limit of about 30 messages a second.
PAID_BROADCAST = "allow_paid_broadcast"


class Lane(StrEnum):
    """Outbox rows paced apart: notices (notifications and reminders) under the overall
    rate; broadcasts also under the broadcast rate, behind notices; paid broadcasts, which
    Telegram does not count against the overall limit, under the paid rate."""

    NOTICES = "notices"
    BROADCASTS = "broadcasts"
    PAID_BROADCASTS = "paid_broadcasts"


# Each lane's rows, as a condition on `o`; the lone placeholder is Priority.BROADCAST.
_PAID = f"json_extract(o.params, '$.{PAID_BROADCAST}') IS 1"
_LANES = {
    Lane.NOTICES: "o.priority < ?",
    Lane.BROADCASTS: f"o.priority >= ? AND NOT {_PAID}",
    Lane.PAID_BROADCASTS: f"o.priority >= ? AND {_PAID}",
}


def _message(row: Row) -> OutboxMessage:
    data = dict(row)
    data["params"] = json.loads(data["params"])
    return OutboxMessage.model_validate(data)


class OutboxRepository:
    """Durable queue of messages to users other than the one acting."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every commit that added rows."""
        self._listeners.append(listener)

    def wake_after_commit(self, tx: Transaction) -> None:
        """Call the listeners once `tx` commits: for rows added by another repository."""
        tx.on_commit(self._notify)

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    async def enqueue(
        self,
        tx: Transaction,
        chat_id: int,
        method: str,
        params: dict[str, Any],
        priority: Priority = Priority.NOTIFICATION,
        thread_id: int | None = None,
    ) -> int:
        """Queue a message; `thread_id` marks a message relayed from that thread, so that a
        reply to it, once delivered, can be routed back."""
        now = to_db(self._clock.now())
        row_id = await tx.insert(
            """
            INSERT INTO outbox (chat_id, priority, method, params, not_before, created_at,
                thread_id)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            (chat_id, int(priority), method, json.dumps(params), now, now, thread_id),
        )
        self.wake_after_commit(tx)
        return row_id

    async def enqueue_many(self, tx: Transaction, rows: Sequence[QueuedMessage]) -> None:
        """Queue several messages with one statement, in the caller's transaction."""
        now = to_db(self._clock.now())
        await tx.execute_many(
            """
            INSERT INTO outbox (chat_id, priority, method, params, not_before, created_at,
                thread_id)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                (r.chat_id, int(r.priority), r.method, json.dumps(r.params), now, now, r.thread_id)
                for r in rows
            ],
        )
        if rows:
            self.wake_after_commit(tx)

    async def due(
        self, lane: Lane, limit: int, busy_chats: frozenset[int]
    ) -> list[tuple[OutboxMessage, bool]]:
        """The next rows of `lane` to send, with whether the recipient has blocked the bot.
        Each is the oldest pending row of its chat among the rows of its kind (notices, or
        broadcasts): a notice never waits behind a broadcast to the same chat. Chats in
        `busy_chats` are skipped."""
        rows = await self._db.read.fetch_all(
            f"""
            SELECT o.*, u.blocked_at IS NOT NULL AS blocked
            FROM outbox o LEFT JOIN users u ON u.id = o.chat_id
            WHERE o.status = 'pending' AND o.not_before <= ? AND {_LANES[lane]}
              AND o.id = (SELECT MIN(p.id) FROM outbox p
                          WHERE p.chat_id = o.chat_id AND p.status = 'pending'
                            AND (p.priority >= ?) = (o.priority >= ?))
            ORDER BY o.priority, o.id
            LIMIT ?
            """,
            (
                to_db(self._clock.now()),
                int(Priority.BROADCAST),
                int(Priority.BROADCAST),
                int(Priority.BROADCAST),
                limit + len(busy_chats),
            ),
        )
        picked = [(row, bool(row["blocked"])) for row in rows if row["chat_id"] not in busy_chats]
        return [(_message(row), blocked) for row, blocked in picked[:limit]]

    async def next_due_at(self, after: datetime | None = None) -> datetime | None:
        """When the earliest pending row is due (None: nothing pending); with `after`, only
        rows due later than that count."""
        sql = "SELECT MIN(not_before) FROM outbox WHERE status = 'pending'"
        params: tuple[str, ...] = ()
        if after is not None:
            sql += " AND not_before > ?"
            params = (to_db(after),)
        value = await self._db.read.fetch_value(sql, params)
        return from_db(value) if value else None

    def mark_sent(self, tx: SyncTransaction, row_id: int, message_id: int | None) -> None:
        self._finish(tx, row_id, OutboxStatus.SENT, message_id=message_id)

    def mark_failed(self, tx: SyncTransaction, row_id: int, error: str) -> None:
        self._finish(tx, row_id, OutboxStatus.FAILED, error=error)

    def mark_undeliverable(self, tx: SyncTransaction, row_id: int, error: str) -> None:
        self._finish(tx, row_id, OutboxStatus.UNDELIVERABLE, error=error)

    def _finish(
        self,
        tx: SyncTransaction,
        row_id: int,
        status: OutboxStatus,
        *,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        tx.execute(
            """
            UPDATE outbox SET status = ?, finished_at = ?, message_id = ?, error = ?,
                attempts = attempts + 1
            WHERE id = ?
            """,
            (status, to_db(self._clock.now()), message_id, error, row_id),
        )

    def retry_later(
        self, tx: SyncTransaction, row_id: int, not_before: datetime, error: str, *, count: bool
    ) -> None:
        """Put the row back for a later try; `count` says whether this try used up an attempt
        (a flood wait does not)."""
        tx.execute(
            "UPDATE outbox SET not_before = ?, error = ?, attempts = attempts + ? WHERE id = ?",
            (to_db(not_before), error, int(count), row_id),
        )

    async def thread_of(self, chat_id: int, message_id: int) -> int | None:
        """The thread a delivered message was relayed from, if any."""
        value = await self._db.read.fetch_value(
            "SELECT thread_id FROM outbox WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return int(value) if value is not None else None

    async def get(self, row_id: int) -> OutboxMessage | None:
        row = await self._db.read.fetch_one("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return _message(row) if row else None

    async def count(self, status: OutboxStatus) -> int:
        return int(
            await self._db.read.fetch_value(
                "SELECT COUNT(*) FROM outbox WHERE status = ?", (status,)
            )
        )
