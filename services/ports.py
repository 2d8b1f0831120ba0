"""What the rules need from the world, as interfaces the composition fills in.

Services never render text nor talk to Telegram: they hand a typed notice to the notifier,
which the Telegram kit implements (rendering it in the recipient's language and queueing it
in the outbox, inside the caller's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from services.notices import Notice
from services.schedule import QuietHours
from storage.clock import Clock
from storage.database import Database, Transaction
from storage.models import Audience
from storage.repositories import Repositories


@dataclass(frozen=True)
class FanOut:
    """A notice queued for an audience: its campaign, and how many recipients the audience
    had when it was queued."""

    campaign_id: int
    recipients: int


class Notifier(Protocol):
    async def notify(self, tx: Transaction, user_id: int, notice: Notice) -> None:
        """Queue `notice` for one user, in `tx`."""

    async def notify_many(self, tx: Transaction, notices: Sequence[tuple[int, Notice]]) -> None:
        """Queue each (user, notice) pair, in `tx`, in one go: for scheduled work that tells
        many people at once."""

    async def fan_out(self, tx: Transaction, audience: Audience, notice: Notice) -> FanOut:
        """Queue `notice` for everyone in `audience`, in `tx`, without holding the write
        lock for long: the recipients are expanded in chunks after the commit."""


@dataclass(frozen=True)
class Rules:
    """The settings the rules depend on, in the rules' own terms."""

    min_rate_cents: int
    max_rate_cents: int
    zone: ZoneInfo
    # Taken on each validated result, in percent.
    fee_percent: Decimal = Decimal(0)
    # Results not reviewed within this are validated; a rejection can be disputed within that.
    review_window: timedelta = timedelta(hours=72)
    dispute_window: timedelta = timedelta(hours=72)
    admin_ids: frozenset[int] = frozenset()
    # Statements: due this long after issue; reminders to the company until paid.
    payment_terms: timedelta = timedelta(days=7)
    reminder_interval: timedelta = timedelta(hours=48)
    max_overdue_reminders: int = 3
    quiet_hours: QuietHours | None = None


@dataclass(frozen=True)
class Deps:
    """Everything a service needs, built once by the composition."""

    db: Database
    repos: Repositories
    notifier: Notifier
    clock: Clock
    rules: Rules
