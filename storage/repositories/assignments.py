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

    async def set_status(
        self,
        tx: Transaction,
        assignment_id: int,
        *,
        allowed_from: tuple[AssignmentStatus, ...],
        to: AssignmentStatus,
    ) -> bool:
        marks = ", ".join("?" for _ in allowed_from)
        changed = await tx.execute(
            f"""
            UPDATE assignments SET status = ?, updated_at = ?
            WHERE id = ? AND status IN ({marks})
            """,
            (to, to_db(self._clock.now()), assignment_id, *allowed_from),
        )
        return changed > 0

    async def activate(self, tx: Transaction, assignment_id: int, rate_cents: int) -> bool:
        """Make the assignment active at `rate_cents`; the agreed rate never changes after
        (an active assignment is not activated again). The caller has taken the mission's
        slot in the same transaction."""
        now = to_db(self._clock.now())
        changed = await tx.execute(
            """
            UPDATE assignments SET status = 'active', updated_at = ?, activated_at = ?,
                agreed_rate_cents = ?
            WHERE id = ? AND status IN ('negotiating', 'applied')
            """,
            (now, now, rate_cents, assignment_id),
        )
        return changed > 0

    async def apply(self, tx: Transaction, assignment_id: int, rate_cents: int) -> bool:
        """The prospector accepts the posted rate `rate_cents` (after negotiating, or coming
        back after leaving): an application at that rate."""
        changed = await tx.execute(
            """
            UPDATE assignments SET status = 'applied', updated_at = ?, agreed_rate_cents = ?
            WHERE id = ? AND status IN ('negotiating', 'left')
            """,
            (to_db(self._clock.now()), rate_cents, assignment_id),
        )
        return changed > 0

    async def reopen(self, tx: Transaction, assignment_id: int, status: AssignmentStatus) -> bool:
        """A prospector who left or was declined applies again: same row, fresh start."""
        changed = await tx.execute(
            """
            UPDATE assignments SET status = ?, updated_at = ?, agreed_rate_cents = NULL
            WHERE id = ? AND status IN ('left', 'declined')
            """,
            (status, to_db(self._clock.now()), assignment_id),
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

    async def close_for_mission(self, tx: Transaction, mission_id: int) -> list[Assignment]:
        """The mission closed: active assignments end, pending ones are declined.
        Returns the assignments that changed, for notifying their prospectors."""
        rows = await tx.fetch_all(
            f"""
            SELECT {_ASSIGNMENT} FROM assignments a
            WHERE a.mission_id = ? AND a.status IN ('negotiating', 'applied', 'active')
            """,
            (mission_id,),
        )
        now = to_db(self._clock.now())
        await tx.execute(
            """
            UPDATE assignments SET updated_at = ?,
                status = CASE status WHEN 'active' THEN 'ended' ELSE 'declined' END
            WHERE mission_id = ? AND status IN ('negotiating', 'applied', 'active')
            """,
            (now, mission_id),
        )
        return [_assignment(row) for row in rows]
