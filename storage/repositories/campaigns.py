"""Fan-out campaigns: a message to a whole audience, stored as one row when it is decided and
turned into outbox rows afterwards, a chunk of recipients per transaction.

Recipients are taken in user id order after the campaign's cursor; a chunk inserts its
outbox rows and moves the cursor in the caller's transaction, so a chunk is all or nothing
and expanding again after a crash neither skips nor repeats anyone. Who belongs to each
audience is decided here, in SQL on `users u`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from storage.clock import Clock, to_db
from storage.database import Database, Reader, Row, SyncTransaction, Transaction
from storage.models import (
    Audience,
    Campaign,
    CampaignMessage,
    CampaignProgress,
    CampaignStatus,
    OutboxStatus,
    Priority,
)
from storage.repositories.outbox import OutboxRepository

# The languages the campaigns table has message columns for.
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class _Recipients:
    """An audience in SQL. `source` yields its users as `u`, walked in id order along the
    indexed column `user_id` (equal to u.id; CROSS JOIN keeps SQLite from reordering the
    walk); `condition` keeps the members, with `params` for its placeholders."""

    source: str
    user_id: str
    condition: str
    params: tuple[Any, ...]


# Anyone an audience may include: not banned, and not blocking the bot.
_MEMBER = "u.banned_at IS NULL AND u.blocked_at IS NULL"


def _recipients(audience: Audience) -> _Recipients:
    selected = _selected(audience)
    if not audience.excluded:
        return selected
    return _Recipients(
        selected.source,
        selected.user_id,
        f"({selected.condition}) AND u.id NOT IN (SELECT value FROM json_each(?))",
        (*selected.params, json.dumps(sorted(audience.excluded))),
    )


def _selected(audience: Audience) -> _Recipients:
    """Who the audience's kind selects."""
    match audience.kind:
        case "new_mission_alert":
            if audience.target is None:
                raise ValueError("a new-mission alert needs the mission's market")
            # The alerts index holds the specialties, so the walk reads only users from the
            # tables. Specialties are a JSON list of codes (letters and digits): a code is in
            # the list exactly when its quoted form is in the text, which is several times
            # cheaper to check than json_each at 50,000 prospectors, in the publishing
            # transaction.
            return _Recipients(
                """prospector_profiles p INDEXED BY prospector_alerts
                CROSS JOIN users u ON u.id = p.user_id""",
                "p.user_id",
                f"""
                p.notify_new_missions = 1 AND instr(p.specialties, json_quote(?)) > 0
                AND u.role = 'prospector' AND {_MEMBER}
                """,
                (audience.target,),
            )
        case "everyone":
            return _Recipients("users u", "u.id", _MEMBER, ())
        case "companies" | "prospectors":
            role = "company" if audience.kind == "companies" else "prospector"
            return _Recipients("users u", "u.id", f"u.role = ? AND {_MEMBER}", (role,))
        case "active_prospectors":
            if audience.active_since is None:
                raise ValueError("active prospectors are those seen since a given moment")
            return _Recipients(
                "users u",
                "u.id",
                f"u.role = 'prospector' AND u.last_seen_at >= ? AND {_MEMBER}",
                (to_db(audience.active_since),),
            )


def _campaign(row: Row) -> Campaign:
    audience = {**json.loads(row["audience_params"]), "kind": row["audience_kind"]}
    return Campaign.model_validate({**dict(row), "audience": audience})


class CampaignRepository:
    def __init__(self, db: Database, clock: Clock, outbox: OutboxRepository) -> None:
        self._db = db
        self._clock = clock
        self._outbox = outbox
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every commit that created a campaign."""
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    async def create(
        self,
        tx: Transaction,
        audience: Audience,
        messages_by_language: Mapping[str, CampaignMessage],
        priority: Priority,
        *,
        default_language: str,
    ) -> int:
        """Record a campaign, in the caller's transaction; its recipients are queued after
        the commit. A recipient whose language has no message gets `default_language`'s."""
        unknown = set(messages_by_language) - set(LANGUAGES)
        if unknown or default_language not in messages_by_language:
            raise ValueError(
                f"a campaign has messages in {', '.join(LANGUAGES)} only, one of them in its "
                f"default language {default_language}; got {sorted(messages_by_language)}"
            )
        _recipients(audience)  # refuse an audience the expansion could not select
        params = audience.model_dump(mode="json", exclude={"kind"}, exclude_defaults=True)
        columns: list[str | None] = []
        for language in LANGUAGES:
            message = messages_by_language.get(language)
            columns += [
                message.method if message else None,
                json.dumps(message.params) if message else None,
            ]
        campaign_id = await tx.insert(
            """
            INSERT INTO campaigns (audience_kind, audience_params, priority, default_language,
                fr_method, fr_params, en_method, en_params, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                audience.kind,
                json.dumps(params),
                int(priority),
                default_language,
                *columns,
                to_db(self._clock.now()),
            ),
        )
        tx.on_commit(self._notify)
        return campaign_id

    async def count_audience(self, reader: Reader, audience: Audience) -> int:
        """How many users `audience` has now."""
        recipients = _recipients(audience)
        return int(
            await reader.fetch_value(
                f"SELECT COUNT(*) FROM {recipients.source} WHERE {recipients.condition}",
                recipients.params,
            )
        )

    async def expand_chunk(self, tx: Transaction, campaign_id: int, size: int) -> int:
        """Queue the campaign's next `size` recipients after its cursor and move the cursor;
        the campaign is done once fewer than `size` were left. Returns how many were queued
        (none for a campaign that is not expanding)."""
        row = await tx.fetch_one(
            "SELECT * FROM campaigns WHERE id = ? AND status = 'expanding'", (campaign_id,)
        )
        if row is None:
            return 0
        campaign = _campaign(row)
        recipients = _recipients(campaign.audience)
        now = to_db(self._clock.now())
        queued = await tx.execute(
            f"""
            INSERT INTO outbox (chat_id, priority, method, params, not_before, created_at,
                campaign_id)
            SELECT u.id, c.priority,
                CASE WHEN u.language = 'fr' AND c.fr_method IS NOT NULL THEN c.fr_method
                     WHEN u.language = 'en' AND c.en_method IS NOT NULL THEN c.en_method
                     WHEN c.default_language = 'fr' THEN c.fr_method
                     ELSE c.en_method END,
                CASE WHEN u.language = 'fr' AND c.fr_method IS NOT NULL THEN c.fr_params
                     WHEN u.language = 'en' AND c.en_method IS NOT NULL THEN c.en_params
                     WHEN c.default_language = 'fr' THEN c.fr_params
                     ELSE c.en_params END,
                ?, ?, c.id
            FROM {recipients.source} CROSS JOIN campaigns c
            WHERE c.id = ? AND {recipients.user_id} > ? AND {recipients.condition}
            ORDER BY {recipients.user_id}
            LIMIT ?
            """,
            (now, now, campaign_id, campaign.cursor, *recipients.params, size),
        )
        done = queued < size
        await tx.execute(
            """
            UPDATE campaigns
            SET cursor = COALESCE(
                    (SELECT MAX(chat_id) FROM outbox WHERE campaign_id = campaigns.id), cursor),
                queued = queued + ?, status = ?, finished_at = ?
            WHERE id = ?
            """,
            (
                queued,
                CampaignStatus.DONE if done else CampaignStatus.EXPANDING,
                now if done else None,
                campaign_id,
            ),
        )
        if queued:
            self._outbox.wake_after_commit(tx)
        return queued

    async def unfinished(self) -> list[Campaign]:
        """The campaigns still being expanded, oldest first."""
        rows = await self._db.read.fetch_all(
            "SELECT * FROM campaigns WHERE status = 'expanding' ORDER BY id"
        )
        return [_campaign(row) for row in rows]

    async def cancel(self, tx: Transaction, campaign_id: int) -> int:
        """Stop the campaign: nobody else is queued, and its rows not yet sent are dropped
        (a send under way finishes, and its outcome finds no row to record). Returns how
        many rows were dropped."""
        await tx.execute(
            "UPDATE campaigns SET status = ?, finished_at = COALESCE(finished_at, ?) WHERE id = ?",
            (CampaignStatus.CANCELLED, to_db(self._clock.now()), campaign_id),
        )
        return await tx.execute(
            "DELETE FROM outbox WHERE campaign_id = ? AND status = ?",
            (campaign_id, OutboxStatus.PENDING),
        )

    async def progress(self, campaign_id: int, reader: Reader | None = None) -> CampaignProgress:
        """The campaign's rows by outcome (a 403 or a recipient already blocking the bot
        leaves a row undeliverable: blocked)."""
        read = reader or self._db.read

        # One snapshot: a chunk queued between the two reads would otherwise be counted
        # both as recipients not queued yet and as rows pending.
        def both(s: SyncTransaction) -> tuple[Row | None, list[Row]]:
            campaign = s.fetch_one(
                "SELECT status, queued FROM campaigns WHERE id = ?", (campaign_id,)
            )
            rows = s.fetch_all(
                "SELECT status, COUNT(*) AS n FROM outbox WHERE campaign_id = ? GROUP BY status",
                (campaign_id,),
            )
            return campaign, rows

        row, by_status = await read.snapshot(both)
        if row is None:
            raise LookupError(f"no campaign {campaign_id}")
        counts = {str(found["status"]): int(found["n"]) for found in by_status}
        return CampaignProgress(
            status=row["status"],
            queued=row["queued"],
            sent=counts.get(OutboxStatus.SENT, 0),
            blocked=counts.get(OutboxStatus.UNDELIVERABLE, 0),
            failed=counts.get(OutboxStatus.FAILED, 0),
            pending=counts.get(OutboxStatus.PENDING, 0),
        )
