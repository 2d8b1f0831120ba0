from __future__ import annotations

from storage.clock import Clock, to_db
from storage.database import Database, Reader, SyncTransaction, Transaction
from storage.models import (
    MessageKind,
    Offer,
    OfferStatus,
    Thread,
    ThreadMessage,
    ThreadSummary,
)

_THREAD = "t.id, t.mission_id, t.prospector_id, t.company_id"
_OFFER = "id, thread_id, author_id, amount_cents, status"


class ThreadRepository:
    """Threads between a mission's company and a prospector, their messages and offers."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, thread_id: int, reader: Reader | None = None) -> Thread | None:
        row = await (reader or self._db.read).fetch_one(
            f"SELECT {_THREAD} FROM threads t WHERE t.id = ?", (thread_id,)
        )
        return Thread.model_validate(dict(row)) if row else None

    async def find(self, mission_id: int, prospector_id: int) -> Thread | None:
        row = await self._db.read.fetch_one(
            f"SELECT {_THREAD} FROM threads t WHERE t.mission_id = ? AND t.prospector_id = ?",
            (mission_id, prospector_id),
        )
        return Thread.model_validate(dict(row)) if row else None

    async def open(
        self, tx: Transaction, mission_id: int, prospector_id: int, company_id: int
    ) -> Thread:
        """The pair's thread, created on first use."""
        now = to_db(self._clock.now())
        await tx.execute(
            """
            INSERT INTO threads (mission_id, prospector_id, company_id, created_at,
                last_message_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (mission_id, prospector_id) DO NOTHING
            """,
            (mission_id, prospector_id, company_id, now, now),
        )
        row = await tx.fetch_one(
            f"SELECT {_THREAD} FROM threads t WHERE t.mission_id = ? AND t.prospector_id = ?",
            (mission_id, prospector_id),
        )
        assert row is not None
        return Thread.model_validate(dict(row))

    async def add_message(
        self,
        tx: Transaction,
        thread_id: int,
        sender_id: int,
        kind: MessageKind,
        *,
        body: str = "",
        file_id: str | None = None,
        offer_id: int | None = None,
    ) -> int:
        now = to_db(self._clock.now())

        def add(statements: SyncTransaction) -> int:
            statements.execute(
                "UPDATE threads SET last_message_at = ? WHERE id = ?", (now, thread_id)
            )
            return statements.insert(
                """
                INSERT INTO thread_messages (thread_id, sender_id, kind, body, file_id,
                    offer_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                (thread_id, sender_id, kind, body, file_id, offer_id, now),
            )

        return await tx.run(add)

    async def recent_messages(self, thread_id: int, limit: int = 20) -> list[ThreadMessage]:
        """The last `limit` messages, oldest first."""
        rows = await self._db.read.fetch_all(
            """
            SELECT * FROM (
                SELECT id, thread_id, sender_id, kind, body, file_id, offer_id, created_at
                FROM thread_messages WHERE thread_id = ? ORDER BY id DESC LIMIT ?
            ) ORDER BY id
            """,
            (thread_id, limit),
        )
        return [ThreadMessage.model_validate(dict(row)) for row in rows]

    async def mark_read(self, tx: Transaction, thread_id: int, reader_id: int) -> None:
        await tx.execute(
            """
            UPDATE thread_messages SET read_at = ?
            WHERE thread_id = ? AND sender_id != ? AND read_at IS NULL
            """,
            (to_db(self._clock.now()), thread_id, reader_id),
        )

    async def for_user(
        self, user_id: int, *, mission_id: int | None = None, offset: int, limit: int
    ) -> list[ThreadSummary]:
        """The user's threads, most recently active first; only one mission's if given.

        Unread: what the other side said that the user neither opened nor had delivered
        into their chat — a thread notice sent to them after it (docs/threads.md)."""
        rows = await self._db.read.fetch_all(
            f"""
            SELECT {_THREAD}, m.title AS mission_title, p.number AS prospector_number,
                c.name AS company_name,
                (SELECT COUNT(*) FROM thread_messages x
                 WHERE x.thread_id = t.id AND x.sender_id != ? AND x.read_at IS NULL
                   AND NOT EXISTS (
                       SELECT 1 FROM outbox o
                       WHERE o.thread_id = t.id AND o.chat_id = ? AND o.status = 'sent'
                         AND o.created_at >= x.created_at)) AS unread
            FROM threads t
            JOIN missions m ON m.id = t.mission_id
            JOIN prospector_profiles p ON p.user_id = t.prospector_id
            JOIN company_profiles c ON c.user_id = t.company_id
            WHERE (t.prospector_id = ? OR t.company_id = ?)
              AND (? IS NULL OR t.mission_id = ?)
            ORDER BY t.last_message_at DESC, t.id DESC LIMIT ? OFFSET ?
            """,
            (user_id, user_id, user_id, user_id, mission_id, mission_id, limit, offset),
        )
        return [
            ThreadSummary(
                thread=Thread.model_validate(dict(row)),
                mission_title=row["mission_title"],
                prospector_number=row["prospector_number"],
                company_name=row["company_name"],
                unread=row["unread"],
            )
            for row in rows
        ]

    async def count_for_user(self, user_id: int, mission_id: int | None = None) -> int:
        value = await self._db.read.fetch_value(
            """
            SELECT COUNT(*) FROM threads
            WHERE (prospector_id = ? OR company_id = ?) AND (? IS NULL OR mission_id = ?)
            """,
            (user_id, user_id, mission_id, mission_id),
        )
        return int(value)

    async def make_offer(
        self, tx: Transaction, thread_id: int, author_id: int, amount_cents: int
    ) -> int:
        """A new offer supersedes every offer still pending in the thread."""
        now = to_db(self._clock.now())
        await tx.execute(
            """
            UPDATE offers SET status = 'superseded', decided_at = ?
            WHERE thread_id = ? AND status = 'pending'
            """,
            (now, thread_id),
        )
        return await tx.insert(
            """
            INSERT INTO offers (thread_id, author_id, amount_cents, status, created_at)
            VALUES (?, ?, ?, 'pending', ?)
            """,
            (thread_id, author_id, amount_cents, now),
        )

    async def offer(self, offer_id: int, reader: Reader | None = None) -> Offer | None:
        row = await (reader or self._db.read).fetch_one(
            f"SELECT {_OFFER} FROM offers WHERE id = ?", (offer_id,)
        )
        return Offer.model_validate(dict(row)) if row else None

    async def pending_offer(self, mission_id: int, prospector_id: int) -> Offer | None:
        """The offer waiting for an answer between the mission's company and the
        prospector, if any (a new offer supersedes the previous one)."""
        row = await self._db.read.fetch_one(
            f"""
            SELECT {_OFFER} FROM offers
            WHERE status = 'pending' AND thread_id IN (
                SELECT id FROM threads WHERE mission_id = ? AND prospector_id = ?)
            ORDER BY id DESC LIMIT 1
            """,
            (mission_id, prospector_id),
        )
        return Offer.model_validate(dict(row)) if row else None

    async def withdraw_offers(self, tx: Transaction, mission_id: int, prospector_id: int) -> int:
        """Every offer still pending between the mission's company and the prospector, in
        either direction, is withdrawn; returns how many."""
        return await tx.execute(
            """
            UPDATE offers SET status = 'withdrawn', decided_at = ?
            WHERE status = 'pending' AND thread_id IN (
                SELECT id FROM threads WHERE mission_id = ? AND prospector_id = ?)
            """,
            (to_db(self._clock.now()), mission_id, prospector_id),
        )

    async def decide_offer(self, tx: Transaction, offer_id: int, status: OfferStatus) -> bool:
        """Accept or decline an offer that is still pending; False if it no longer is."""
        changed = await tx.execute(
            "UPDATE offers SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
            (status, to_db(self._clock.now()), offer_id),
        )
        return changed > 0
