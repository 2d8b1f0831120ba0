"""Results of calls and the disputes of rejected ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.clock import Clock, from_db, to_db
from storage.database import Database, Reader, Row, Transaction
from storage.models import (
    Dispute,
    Result,
    ResultCounts,
    ResultDetails,
    ResultStatus,
    Reviewer,
)

_RESULT = """
    r.id, r.assignment_id, r.mission_id, r.prospector_id, r.contact_name, r.contact_company,
    r.phone, r.appointment_at, r.notes, r.proof_kind, r.proof_file_id, r.status,
    r.submitted_at, r.review_due_at, r.reviewed_at, r.reviewed_by, r.reason, r.dispute_due_at
"""
_TIMES = ("appointment_at", "submitted_at", "review_due_at", "reviewed_at", "dispute_due_at")


def result_from_row(row: Row) -> Result:
    data: dict[str, Any] = dict(row)
    for name in _TIMES:
        data[name] = from_db(data[name]) if data[name] else None
    kind, file_id = data.pop("proof_kind"), data.pop("proof_file_id")
    data["proof"] = {"kind": kind, "file_id": file_id} if kind else None
    return Result.model_validate(data)


def _dispute(row: Row) -> Dispute:
    data: dict[str, Any] = dict(row)
    for name in ("opened_at", "decided_at"):
        data[name] = from_db(data[name]) if data[name] else None
    return Dispute.model_validate(data)


def _at(moment: datetime | None) -> str | None:
    return to_db(moment) if moment else None


class ResultRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create(
        self,
        tx: Transaction,
        assignment_id: int,
        mission_id: int,
        prospector_id: int,
        details: ResultDetails,
        review_due_at: datetime,
    ) -> int:
        proof = details.proof
        return await tx.insert(
            """
            INSERT INTO results (assignment_id, mission_id, prospector_id, contact_name,
                contact_company, phone, appointment_at, notes, proof_kind, proof_file_id,
                status, submitted_at, review_due_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
            """,
            (
                assignment_id,
                mission_id,
                prospector_id,
                details.contact_name,
                details.contact_company,
                details.phone,
                _at(details.appointment_at),
                details.notes,
                proof.kind if proof else None,
                proof.file_id if proof else None,
                to_db(self._clock.now()),
                to_db(review_due_at),
            ),
        )

    async def get(self, result_id: int, reader: Reader | None = None) -> Result | None:
        row = await (reader or self._db.read).fetch_one(
            f"SELECT {_RESULT} FROM results r WHERE r.id = ?", (result_id,)
        )
        return result_from_row(row) if row else None

    async def with_phone(
        self, mission_id: int, phone: str, reader: Reader | None = None
    ) -> int | None:
        """The result already reporting this number on the mission, if any."""
        value = await (reader or self._db.read).fetch_value(
            "SELECT id FROM results WHERE mission_id = ? AND phone = ?", (mission_id, phone)
        )
        return int(value) if value is not None else None

    async def counted_for_cap(
        self, mission_id: int, now: datetime, reader: Reader | None = None
    ) -> int:
        """Results that count against the mission's cap: validated, pending, and rejected
        ones that may still be validated (their dispute window is open, or their dispute
        is), so that no path can validate more than the cap."""
        value = await (reader or self._db.read).fetch_value(
            """
            SELECT COUNT(*) FROM results r
            WHERE r.mission_id = ? AND (
                r.status != 'rejected' OR r.dispute_due_at > ?
                OR EXISTS (SELECT 1 FROM disputes d WHERE d.result_id = r.id AND d.status = 'open')
            )
            """,
            (mission_id, to_db(now)),
        )
        return int(value)

    async def validated_count(self, tx: Transaction, mission_id: int) -> int:
        value = await tx.fetch_value(
            "SELECT COUNT(*) FROM results WHERE mission_id = ? AND status = 'validated'",
            (mission_id,),
        )
        return int(value)

    async def validate(
        self, tx: Transaction, result_id: int, by: Reviewer, *, was: ResultStatus
    ) -> bool:
        """Mark validated if it still is `was`; False if something else decided first."""
        changed = await tx.execute(
            """
            UPDATE results SET status = 'validated', reviewed_at = ?, reviewed_by = ?,
                review_due_at = NULL, dispute_due_at = NULL
            WHERE id = ? AND status = ?
            """,
            (to_db(self._clock.now()), by, result_id, was),
        )
        return changed > 0

    async def reject(
        self, tx: Transaction, result_id: int, reason: str, dispute_due_at: datetime
    ) -> bool:
        changed = await tx.execute(
            """
            UPDATE results SET status = 'rejected', reviewed_at = ?, reviewed_by = 'company',
                reason = ?, review_due_at = NULL, dispute_due_at = ?
            WHERE id = ? AND status = 'pending'
            """,
            (to_db(self._clock.now()), reason, to_db(dispute_due_at), result_id),
        )
        return changed > 0

    async def close_dispute_window(self, tx: Transaction, result_id: int) -> None:
        await tx.execute("UPDATE results SET dispute_due_at = NULL WHERE id = ?", (result_id,))

    async def due_for_review(self, tx: Transaction, now: datetime, limit: int) -> list[Result]:
        """Pending results whose review window is over, oldest first."""
        rows = await tx.fetch_all(
            f"""
            SELECT {_RESULT} FROM results r INDEXED BY results_review_due
            WHERE r.status = 'pending' AND r.review_due_at <= ?
            ORDER BY r.review_due_at, r.id LIMIT ?
            """,
            (to_db(now), limit),
        )
        return [result_from_row(row) for row in rows]

    async def pending_for_company(
        self, company_id: int, mission_id: int | None, *, after_id: int, limit: int
    ) -> list[Result]:
        """The company's results waiting for review, oldest first, from the one after
        `after_id` on (results decided meanwhile do not shift the pages); one mission's if
        given."""
        rows = await self._db.read.fetch_all(
            f"""
            SELECT {_RESULT} FROM results r JOIN missions m ON m.id = r.mission_id
            WHERE m.company_id = ? AND r.status = 'pending' AND (? IS NULL OR r.mission_id = ?)
                AND r.id > ?
            ORDER BY r.id LIMIT ?
            """,
            (company_id, mission_id, mission_id, after_id, limit),
        )
        return [result_from_row(row) for row in rows]

    async def count_pending_for_company(self, company_id: int, mission_id: int | None) -> int:
        value = await self._db.read.fetch_value(
            """
            SELECT COUNT(*) FROM results r JOIN missions m ON m.id = r.mission_id
            WHERE m.company_id = ? AND r.status = 'pending' AND (? IS NULL OR r.mission_id = ?)
            """,
            (company_id, mission_id, mission_id),
        )
        return int(value)

    async def for_mission(self, mission_id: int) -> list[Result]:
        """Every result of a mission, oldest first (for the export)."""
        rows = await self._db.read.fetch_all(
            f"SELECT {_RESULT} FROM results r WHERE r.mission_id = ? ORDER BY r.id",
            (mission_id,),
        )
        return [result_from_row(row) for row in rows]

    async def counts_for_mission(self, mission_id: int) -> ResultCounts:
        return await self._counts("r.mission_id = ?", (mission_id,))

    async def counts_for_assignment(self, assignment_id: int) -> ResultCounts:
        return await self._counts("r.assignment_id = ?", (assignment_id,))

    async def _counts(self, where: str, params: Sequence[Any]) -> ResultCounts:
        row = await self._db.read.fetch_one(
            f"""
            SELECT
                COALESCE(SUM(r.status = 'pending'), 0) AS pending,
                COALESCE(SUM(r.status = 'validated'), 0) AS validated,
                COALESCE(SUM(r.status = 'rejected'), 0) AS rejected,
                COALESCE((SELECT SUM(l.gross_cents) FROM ledger_entries l
                          JOIN results x ON x.id = l.result_id
                          WHERE {where.replace("r.", "x.")}), 0) AS validated_cents
            FROM results r WHERE {where}
            """,
            (*params, *params),
        )
        return ResultCounts.model_validate(dict(row)) if row else ResultCounts()


class DisputeRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def open(self, tx: Transaction, result_id: int, explanation: str) -> int | None:
        """Open the result's dispute; None if it already has one."""
        exists = await tx.fetch_value("SELECT id FROM disputes WHERE result_id = ?", (result_id,))
        if exists is not None:
            return None
        return await tx.insert(
            """
            INSERT INTO disputes (result_id, explanation, status, opened_at)
            VALUES (?, ?, 'open', ?)
            """,
            (result_id, explanation, to_db(self._clock.now())),
        )

    async def get(self, dispute_id: int, reader: Reader | None = None) -> Dispute | None:
        row = await (reader or self._db.read).fetch_one(
            "SELECT * FROM disputes WHERE id = ?", (dispute_id,)
        )
        return _dispute(row) if row else None

    async def for_result(self, result_id: int, reader: Reader | None = None) -> Dispute | None:
        row = await (reader or self._db.read).fetch_one(
            "SELECT * FROM disputes WHERE result_id = ?", (result_id,)
        )
        return _dispute(row) if row else None

    async def open_ones(self, *, after_id: int, limit: int) -> list[Dispute]:
        """Open disputes, oldest first, from the one after `after_id` on."""
        rows = await self._db.read.fetch_all(
            "SELECT * FROM disputes WHERE status = 'open' AND id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        )
        return [_dispute(row) for row in rows]

    async def count_open(self) -> int:
        value = await self._db.read.fetch_value(
            "SELECT COUNT(*) FROM disputes WHERE status = 'open'"
        )
        return int(value)

    async def decide(
        self, tx: Transaction, dispute_id: int, validated: bool, admin_id: int, note: str
    ) -> bool:
        """Decide an open dispute; False if it was decided already (by another admin)."""
        changed = await tx.execute(
            """
            UPDATE disputes SET status = ?, decided_at = ?, decided_by = ?, note = ?
            WHERE id = ? AND status = 'open'
            """,
            (
                "validated" if validated else "kept_rejected",
                to_db(self._clock.now()),
                admin_id,
                note,
                dispute_id,
            ),
        )
        return changed > 0
