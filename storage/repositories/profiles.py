from __future__ import annotations

import json
from typing import Literal

from storage.clock import Clock, to_db
from storage.database import Database, Reader, RowLike, Transaction
from storage.models import CompanyProfile, ProspectorProfile


def prospector_from_row(row: RowLike) -> ProspectorProfile:
    data = dict(row)
    data["languages"] = tuple(json.loads(data["languages"]))
    data["specialties"] = tuple(json.loads(data["specialties"]))
    return ProspectorProfile.model_validate(data)


class ProfileRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def company(self, user_id: int, reader: Reader | None = None) -> CompanyProfile | None:
        row = await (reader or self._db.read).fetch_one(
            "SELECT user_id, name, sector, siren FROM company_profiles WHERE user_id = ?",
            (user_id,),
        )
        return CompanyProfile.model_validate(dict(row)) if row else None

    async def prospector(
        self, user_id: int, reader: Reader | None = None
    ) -> ProspectorProfile | None:
        return await self._prospector_where("user_id", user_id, reader)

    async def prospector_by_number(
        self, number: int, reader: Reader | None = None
    ) -> ProspectorProfile | None:
        """The prospector whose public code is `number` (P-0042 → 42)."""
        return await self._prospector_where("number", number, reader)

    async def _prospector_where(
        self, key: Literal["user_id", "number"], value: int, reader: Reader | None
    ) -> ProspectorProfile | None:
        row = await (reader or self._db.read).fetch_one(
            f"""
            SELECT user_id, number, display_name, languages, specialties, experience_years,
                   bio, notify_new_missions
            FROM prospector_profiles WHERE {key} = ?
            """,
            (value,),
        )
        return prospector_from_row(row) if row else None

    async def prospector_numbers(self, user_ids: set[int]) -> dict[int, int]:
        """The public numbers of these prospectors."""
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = await self._db.read.fetch_all(
            f"SELECT user_id, number FROM prospector_profiles WHERE user_id IN ({marks})",
            tuple(user_ids),
        )
        return {int(row["user_id"]): int(row["number"]) for row in rows}

    async def save_company(self, tx: Transaction, profile: CompanyProfile) -> None:
        now = to_db(self._clock.now())
        await tx.execute(
            """
            INSERT INTO company_profiles (user_id, name, sector, siren, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                name = excluded.name, sector = excluded.sector, siren = excluded.siren,
                updated_at = excluded.updated_at
            """,
            (profile.user_id, profile.name, profile.sector, profile.siren, now, now),
        )

    async def next_prospector_number(self, tx: Transaction) -> int:
        return int(
            await tx.fetch_value("SELECT COALESCE(MAX(number), 0) + 1 FROM prospector_profiles")
        )

    async def save_prospector(self, tx: Transaction, profile: ProspectorProfile) -> None:
        now = to_db(self._clock.now())
        await tx.execute(
            """
            INSERT INTO prospector_profiles (user_id, number, display_name, languages,
                specialties, experience_years, bio, notify_new_missions, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                display_name = excluded.display_name, languages = excluded.languages,
                specialties = excluded.specialties,
                experience_years = excluded.experience_years, bio = excluded.bio,
                notify_new_missions = excluded.notify_new_missions,
                updated_at = excluded.updated_at
            """,
            (
                profile.user_id,
                profile.number,
                profile.display_name,
                json.dumps(list(profile.languages)),
                json.dumps(list(profile.specialties)),
                profile.experience_years,
                profile.bio,
                int(profile.notify_new_missions),
                now,
                now,
            ),
        )
