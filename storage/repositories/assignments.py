from __future__ import annotations

from storage.clock import Clock, to_db
from storage.database import Database, Reader, Row, Transaction
from storage.models import Assignment, AssignmentStatus, Mission, ProspectorProfile
from storage.repositories.missions import MISSION_COLUMNS, mission_from_row
from storage.repositories.profiles import prospector_from_row

_ASSIGNMENT = "a.id, a.mission_id, a.prospector_id, a.status, a.agreed_rate_cents"


def _assignment(row: Row) -> Assignment:
    return Assignment.model_validate(
        {
            key: row[key]
            for key in ("id", "mission_id", "prospector_id", "status", "agreed_rate_cents")
        }
    )


class AssignmentRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, assignment_id: int, reader: Reader | None = None) -> Assignment | None:
        row = await (reader or self._db.read).fetch_one(
            f"SELECT {_ASSIGNMENT} FROM assignments a WHERE a.id = ?", (assignment_id,)
        )
        return _assignment(row) if row else None

    async def find(
        self, mission_id: int, prospector_id: int, reader: Reader | None = None
    ) -> Assignment | None:
        row = await (reader or self._db.read).fetch_one(
            f"SELECT {_ASSIGNMENT} FROM assignments a "
            "WHERE a.mission_id = ? AND a.prospector_id = ?",
            (mission_id, prospector_id),
        )
        return _assignment(row) if row else None

    async def create(
        self,
        tx: Transaction,
        mission_id: int,
        prospector_id: int,
        status: AssignmentStatus,
        agreed_rate_cents: int | None = None,
    ) -> int:
        now = to_db(self._clock.now())
        activated = now if status is AssignmentStatus.ACTIVE else None
        return await tx.insert(
            """
            INSERT INTO assignments (mission_id, prospector_id, status, agreed_rate_cents,
                created_at, updated_at, activated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            (mission_id, prospector_id, status, agreed_rate_cents, now, now, activated),
        )

    async def move(
        self,
        tx: Transaction,
        assignment: Assignment,
        to: AssignmentStatus,
        rate_cents: int | None,
    ) -> bool:
        """Move the assignment from the status it was read in to `to`, with `rate_cents` as
        its rate (the rate applied for, or once active the agreed one). False if it changed
        in between."""
        now = to_db(self._clock.now())
        changed = await tx.execute(
            """
            UPDATE assignments SET status = ?, updated_at = ?, agreed_rate_cents = ?,
                activated_at = CASE WHEN ? = 'active' THEN ? ELSE activated_at END
            WHERE id = ? AND status = ?
            """,
            (to, now, rate_cents, to, now, assignment.id, assignment.status),
        )
        return changed > 0

    async def for_prospector(
        self,
        prospector_id: int,
        statuses: tuple[AssignmentStatus, ...],
        *,
        offset: int,
        limit: int,
    ) -> list[tuple[Assignment, Mission]]:
        marks = ", ".join("?" for _ in statuses)
        rows = await self._db.read.fetch_all(
            f"""
            SELECT {MISSION_COLUMNS}, a.id AS a_id, a.status AS a_status,
                a.agreed_rate_cents AS a_rate
            FROM assignments a JOIN missions m ON m.id = a.mission_id
            WHERE a.prospector_id = ? AND a.status IN ({marks})
            ORDER BY a.id DESC LIMIT ? OFFSET ?
            """,
            (prospector_id, *statuses, limit, offset),
        )
        return [
            (
                Assignment(
                    id=row["a_id"],
                    mission_id=row["id"],
                    prospector_id=prospector_id,
                    status=row["a_status"],
                    agreed_rate_cents=row["a_rate"],
                ),
                mission_from_row(row),
            )
            for row in rows
        ]

    async def for_mission(
        self, mission_id: int, status: AssignmentStatus, *, offset: int, limit: int
    ) -> list[tuple[Assignment, ProspectorProfile]]:
        rows = await self._db.read.fetch_all(
            f"""
            SELECT {_ASSIGNMENT}, p.user_id, p.number, p.display_name, p.languages,
                p.specialties, p.experience_years, p.bio, p.notify_new_missions
            FROM assignments a JOIN prospector_profiles p ON p.user_id = a.prospector_id
            WHERE a.mission_id = ? AND a.status = ?
            ORDER BY a.id LIMIT ? OFFSET ?
            """,
            (mission_id, status, limit, offset),
        )
        return [(_assignment(row), prospector_from_row(row)) for row in rows]

    async def count(self, mission_id: int, status: AssignmentStatus) -> int:
        value = await self._db.read.fetch_value(
            "SELECT COUNT(*) FROM assignments WHERE mission_id = ? AND status = ?",
            (mission_id, status),
        )
        return int(value)

    async def open_for_mission(self, tx: Transaction, mission_id: int) -> list[Assignment]:
        """The assignments that still hold or claim a place on the mission."""
        rows = await tx.fetch_all(
            f"""
            SELECT {_ASSIGNMENT} FROM assignments a
            WHERE a.mission_id = ? AND a.status IN ('negotiating', 'applied', 'active')
            ORDER BY a.id
            """,
            (mission_id,),
        )
        return [_assignment(row) for row in rows]

    async def claims_of_prospector(self, tx: Transaction, prospector_id: int) -> list[Assignment]:
        """The prospector's applications and negotiations: claims to a place, not yet one."""
        rows = await tx.fetch_all(
            f"""
            SELECT {_ASSIGNMENT} FROM assignments a
            WHERE a.prospector_id = ? AND a.status IN ('negotiating', 'applied')
            ORDER BY a.id
            """,
            (prospector_id,),
        )
        return [_assignment(row) for row in rows]
