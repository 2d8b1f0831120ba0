from __future__ import annotations

from datetime import datetime, timedelta

from storage.clock import Clock, to_db
from storage.database import Database, Reader, Row
from storage.models import MarketFigures, Priority, ResultStatus


class StatsRepository:
    """Counts and sums over the whole marketplace. Each figure is read on its own (a
    glance, not an accounting document), so figures taken while others act may be a
    moment apart."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def figures(self) -> MarketFigures:
        read = self._db.read
        users = await self._users(read, self._clock.now())
        missions = await self._counts(read, "SELECT status, COUNT(*) FROM missions GROUP BY 1")
        results = await self._counts(read, "SELECT status, COUNT(*) FROM results GROUP BY 1")
        backlog = await self._counts(
            read, "SELECT priority, COUNT(*) FROM outbox WHERE status = 'pending' GROUP BY 1"
        )
        return MarketFigures(
            companies=int(users["companies"]),
            prospectors=int(users["prospectors"]),
            without_role=int(users["without_role"]),
            active_7_days=int(users["active_7_days"]),
            active_30_days=int(users["active_30_days"]),
            blocked=int(users["blocked"]),
            banned=int(users["banned"]),
            open_missions=missions.get("open", 0),
            paused_missions=missions.get("paused", 0),
            results={status: results.get(status.value, 0) for status in ResultStatus},
            open_disputes=await self._value(
                read, "SELECT COUNT(*) FROM disputes WHERE status = 'open'"
            ),
            validated_cents=await self._value(
                read, "SELECT COALESCE(SUM(gross_cents), 0) FROM ledger_entries"
            ),
            unstatemented_cents=await self._value(
                read,
                """
                SELECT COALESCE(SUM(l.gross_cents), 0) FROM ledger_entries l
                WHERE NOT EXISTS (SELECT 1 FROM statement_entries s
                                  WHERE s.ledger_entry_id = l.id)
                """,
            ),
            due_cents=await self._value(
                read, "SELECT COALESCE(SUM(net_cents), 0) FROM statements WHERE status = 'due'"
            ),
            paid_cents=await self._value(
                read, "SELECT COALESCE(SUM(net_cents), 0) FROM statements WHERE status = 'paid'"
            ),
            backlog={p: backlog.get(str(p.value), 0) for p in Priority},
        )

    async def _users(self, read: Reader, now: datetime) -> Row:
        row = await read.fetch_one(
            """
            SELECT
                COALESCE(SUM(role = 'company'), 0) AS companies,
                COALESCE(SUM(role = 'prospector'), 0) AS prospectors,
                COALESCE(SUM(role IS NULL), 0) AS without_role,
                COALESCE(SUM(last_seen_at >= ?), 0) AS active_7_days,
                COALESCE(SUM(last_seen_at >= ?), 0) AS active_30_days,
                COALESCE(SUM(blocked_at IS NOT NULL), 0) AS blocked,
                COALESCE(SUM(banned_at IS NOT NULL), 0) AS banned
            FROM users
            """,
            (to_db(now - timedelta(days=7)), to_db(now - timedelta(days=30))),
        )
        assert row is not None
        return row

    @staticmethod
    async def _counts(read: Reader, sql: str) -> dict[str, int]:
        return {str(row[0]): int(row[1]) for row in await read.fetch_all(sql, ())}

    @staticmethod
    async def _value(read: Reader, sql: str) -> int:
        return int(await read.fetch_value(sql, ()))
