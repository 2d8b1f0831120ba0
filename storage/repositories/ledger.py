"""The ledger: one entry per validated result, never changed afterwards."""

from __future__ import annotations

from collections.abc import Sequence

from storage.clock import Clock, to_db
from storage.database import Database, Transaction
from storage.models import Earning, Result


class LedgerRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def record_validation(
        self, tx: Transaction, result: Result, company_id: int, gross_cents: int, fee_cents: int
    ) -> bool:
        """The result's one validation entry; False if it has one already."""
        changed = await tx.execute(
            """
            INSERT INTO ledger_entries (kind, result_id, mission_id, company_id, prospector_id,
                gross_cents, fee_cents, net_cents, created_at)
            VALUES ('validation', ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (result_id) WHERE kind = 'validation' DO NOTHING
            """,
            (
                result.id,
                result.mission_id,
                company_id,
                result.prospector_id,
                gross_cents,
                fee_cents,
                gross_cents - fee_cents,
                to_db(self._clock.now()),
            ),
        )
        return changed > 0

    async def earnings(self, prospector_id: int) -> list[Earning]:
        """What each company owes the prospector for validated results, largest first."""
        rows = await self._db.read.fetch_all(
            """
            SELECT l.company_id, c.name AS company_name, COUNT(*) AS results,
                SUM(l.gross_cents) AS gross_cents, SUM(l.fee_cents) AS fee_cents,
                SUM(l.net_cents) AS net_cents
            FROM ledger_entries l JOIN company_profiles c ON c.user_id = l.company_id
            WHERE l.prospector_id = ?
            GROUP BY l.company_id ORDER BY net_cents DESC, l.company_id
            """,
            (prospector_id,),
        )
        return [Earning.model_validate(dict(row)) for row in rows]

    async def amounts_for_results(self, mission_id: int) -> dict[int, tuple[int, int]]:
        """Each validated result's (gross, fee) on the mission, for the export."""
        rows = await self._db.read.fetch_all(
            """
            SELECT result_id, SUM(gross_cents) AS gross, SUM(fee_cents) AS fee
            FROM ledger_entries WHERE mission_id = ? GROUP BY result_id
            """,
            (mission_id,),
        )
        return {int(row["result_id"]): (int(row["gross"]), int(row["fee"])) for row in rows}

    async def gross_for_results(self, result_ids: Sequence[int]) -> dict[int, int]:
        """What each of these results was validated for (those validated)."""
        if not result_ids:
            return {}
        marks = ", ".join("?" for _ in result_ids)
        rows = await self._db.read.fetch_all(
            f"""
            SELECT result_id, gross_cents FROM ledger_entries
            WHERE kind = 'validation' AND result_id IN ({marks})
            """,
            tuple(result_ids),
        )
        return {int(row["result_id"]): int(row["gross_cents"]) for row in rows}
