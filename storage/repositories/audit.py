from __future__ import annotations

import json
from typing import Any

from storage.clock import Clock, to_db
from storage.database import Database, Reader, Transaction
from storage.models import AuditAction, AuditEntry


class AuditRepository:
    """The admins' actions, newest first. Rows are only ever added, in the transaction of
    the action they describe."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def record(
        self,
        tx: Transaction,
        admin_id: int,
        action: AuditAction,
        subject_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> int:
        return await tx.insert(
            "INSERT INTO audit_log (admin_id, action, subject_id, details, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                admin_id,
                action.value,
                subject_id,
                json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
                to_db(self._clock.now()),
            ),
        )

    async def newest(
        self, offset: int, limit: int, reader: Reader | None = None
    ) -> list[AuditEntry]:
        rows = await (reader or self._db.read).fetch_all(
            "SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
        )
        return [
            AuditEntry.model_validate({**dict(row), "details": json.loads(row["details"])})
            for row in rows
        ]

    async def count(self, reader: Reader | None = None) -> int:
        return int(await (reader or self._db.read).fetch_value("SELECT COUNT(*) FROM audit_log"))
