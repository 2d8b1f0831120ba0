from __future__ import annotations

from datetime import date
from typing import Any

from storage.clock import Clock, to_db
from storage.database import Database, Reader, RowLike, Transaction
from storage.models import (
    BrowseFilters,
    Mission,
    MissionFields,
    MissionStatus,
    MissionSummary,
)

MISSION_COLUMNS = """
    m.id, m.company_id, m.title, m.brief, m.pay_model, m.rate_cents, m.slots, m.result_cap,
    m.deadline, m.target, m.approval, m.status, m.active_count, m.published_at, m.closed_reason
"""

EDITABLE = frozenset({"title", "brief", "rate_cents", "slots", "result_cap", "deadline"})


def mission_from_row(row: RowLike) -> Mission:
    return Mission.model_validate(dict(row))


class MissionRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create(self, tx: Transaction, company_id: int, fields: MissionFields) -> int:
        now = to_db(self._clock.now())
        return await tx.insert(
            """
            INSERT INTO missions (company_id, title, brief, pay_model, rate_cents, slots,
                result_cap, deadline, target, approval, status, created_at, published_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)
            """,
            (
                company_id,
                fields.title,
                fields.brief,
                fields.pay_model,
                fields.rate_cents,
                fields.slots,
                fields.result_cap,
                fields.deadline.isoformat() if fields.deadline else None,
                fields.target,
                fields.approval,
                now,
                now,
            ),
        )

    async def get(self, mission_id: int, reader: Reader | None = None) -> Mission | None:
        row = await (reader or self._db.read).fetch_one(
            f"SELECT {MISSION_COLUMNS} FROM missions m WHERE m.id = ?", (mission_id,)
        )
        return mission_from_row(row) if row else None

    async def for_company(
        self, company_id: int, *, offset: int, limit: int
    ) -> tuple[list[MissionSummary], int]:
        """A page of the company's missions, newest first, and how many it has in all."""
        rows = await self._db.read.fetch_all(
            f"""
            SELECT {MISSION_COLUMNS},
                (SELECT COUNT(*) FROM assignments a
                 WHERE a.mission_id = m.id AND a.status = 'applied') AS applicants
            FROM missions m WHERE m.company_id = ?
            ORDER BY m.id DESC LIMIT ? OFFSET ?
            """,
            (company_id, limit, offset),
        )
        total = await self._db.read.fetch_value(
            "SELECT COUNT(*) FROM missions WHERE company_id = ?", (company_id,)
        )
        summaries = [
            MissionSummary(mission=mission_from_row(row), applicants=int(row["applicants"]))
            for row in rows
        ]
        return summaries, int(total)

    async def browse(self, filters: BrowseFilters, *, offset: int, limit: int) -> list[Mission]:
        """Open missions with a free slot, newest first, matching the filters."""
        clauses = ["m.status = 'open'", "m.active_count < m.slots"]
        params: list[Any] = []
        if filters.pay_model is not None:
            clauses.append("m.pay_model = ?")
            params.append(filters.pay_model)
        if filters.min_rate_cents is not None:
            clauses.append("m.rate_cents >= ?")
            params.append(filters.min_rate_cents)
        if filters.target is not None:
            clauses.append("m.target = ?")
            params.append(filters.target)
        rows = await self._db.read.fetch_all(
            f"""
            SELECT {MISSION_COLUMNS} FROM missions m INDEXED BY missions_browse
            WHERE {" AND ".join(clauses)}
            ORDER BY m.published_at DESC, m.id DESC LIMIT ? OFFSET ?
            """,
            (*params, limit, offset),
        )
        return [mission_from_row(row) for row in rows]

    async def set_status(
        self,
        tx: Transaction,
        mission_id: int,
        *,
        allowed_from: tuple[MissionStatus, ...],
        to: MissionStatus,
        reason: str | None = None,
    ) -> bool:
        """Move the mission to `to` if it is in one of `allowed_from`; False otherwise.
        Closing also releases every slot: its assignments end in the same transaction."""
        marks = ", ".join("?" for _ in allowed_from)
        ends = to in (MissionStatus.CLOSED, MissionStatus.COMPLETED)
        closed_at = to_db(self._clock.now()) if ends else None
        changed = await tx.execute(
            f"""
            UPDATE missions SET status = ?, closed_at = ?, closed_reason = ?,
                active_count = CASE WHEN ? IS NULL THEN active_count ELSE 0 END
            WHERE id = ? AND status IN ({marks})
            """,
            (to, closed_at, reason, closed_at, mission_id, *allowed_from),
        )
        return changed > 0

    async def update_field(
        self, tx: Transaction, mission_id: int, field: str, value: object
    ) -> None:
        if field not in EDITABLE:
            raise ValueError(f"{field} cannot be edited")
        stored = value.isoformat() if isinstance(value, date) else value
        await tx.execute(f"UPDATE missions SET {field} = ? WHERE id = ?", (stored, mission_id))

    async def take_slot(self, tx: Transaction, mission_id: int) -> bool:
        """Count one more active prospector if the mission is open and not full."""
        changed = await tx.execute(
            """
            UPDATE missions SET active_count = active_count + 1
            WHERE id = ? AND status = 'open' AND active_count < slots
            """,
            (mission_id,),
        )
        return changed > 0

    async def free_slot(self, tx: Transaction, mission_id: int) -> None:
        await tx.execute(
            "UPDATE missions SET active_count = active_count - 1 WHERE id = ? AND active_count > 0",
            (mission_id,),
        )

    async def pause_open_of_company(self, tx: Transaction, company_id: int) -> list[int]:
        """Pause every open mission of the company; returns their ids."""
        rows = await tx.fetch_all(
            "SELECT id FROM missions WHERE company_id = ? AND status = 'open' ORDER BY id",
            (company_id,),
        )
        await tx.execute(
            "UPDATE missions SET status = 'paused' WHERE company_id = ? AND status = 'open'",
            (company_id,),
        )
        return [int(row["id"]) for row in rows]

    async def past_deadline(self, tx: Transaction, today: date) -> list[Mission]:
        rows = await tx.fetch_all(
            f"""
            SELECT {MISSION_COLUMNS} FROM missions m
            WHERE m.status IN ('open', 'paused') AND m.deadline < ?
            ORDER BY m.id
            """,
            (today.isoformat(),),
        )
        return [mission_from_row(row) for row in rows]
