"""Admins' broadcasts: one admin message copied to an audience, one broadcast at a time.

Starting one writes its campaign (the recipients are queued after the commit, a chunk at a
time, by the campaign expander), its row and its audit entry in one transaction; so does
cancelling it, which also drops what was not sent yet. Whoever calls is checked against
the admins again here, whatever the handler checked."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from services import notices
from services.ports import Deps
from storage.database import Reader
from storage.models import (
    Audience,
    AuditAction,
    Broadcast,
    BroadcastAudience,
    BroadcastStatus,
    CampaignProgress,
    CampaignStatus,
)

# "Active" prospectors were seen within this.
ACTIVE_WITHIN = timedelta(days=30)
# The admin's progress message is edited at most this often.
PROGRESS_EVERY = timedelta(seconds=5)
# Telegram's paid broadcasts: up to this many messages per second, at this many Stars each.
PAID_RATE = 1000
STARS_PER_MESSAGE = 0.1


class Refusal(StrEnum):
    NOT_ADMIN = "not_admin"
    # Another broadcast is under way: one at a time.
    UNDER_WAY = "under_way"
    # This preview was sent already (a second tap of its Send).
    ALREADY_SENT = "already_sent"
    NOTHING_UNDER_WAY = "nothing_under_way"
    # Nobody is in the audience (any more): a campaign would send nothing.
    EMPTY_AUDIENCE = "empty_audience"


@dataclass(frozen=True)
class Started:
    broadcast_id: int
    recipients: int


@dataclass(frozen=True)
class Progress:
    """A broadcast under way and how far it went. `remaining` counts the rows still to
    send and, while the campaign is being expanded, the recipients not queued yet."""

    broadcast: Broadcast
    delivery: CampaignProgress

    @property
    def remaining(self) -> int:
        unqueued = 0
        if self.delivery.status is CampaignStatus.EXPANDING:
            unqueued = max(self.broadcast.recipients - self.delivery.queued, 0)
        return self.delivery.pending + unqueued

    @property
    def done(self) -> bool:
        return self.delivery.status is not CampaignStatus.EXPANDING and not self.delivery.pending


@dataclass(frozen=True)
class Cancelled:
    broadcast: Broadcast
    sent: int
    dropped: int


def audience_of(deps: Deps, kind: BroadcastAudience) -> Audience:
    """Who `kind` reaches now, admins left out of every audience: whoever sends a broadcast
    sees it in its preview, and the other admins are not its public."""
    since = deps.clock.now() - ACTIVE_WITHIN if kind == "active_prospectors" else None
    return Audience(kind=kind, active_since=since, excluded=tuple(sorted(deps.rules.admin_ids)))


def cost_in_stars(recipients: int) -> float:
    return recipients * STARS_PER_MESSAGE


def seconds_to_send(recipients: int, rate: float) -> int:
    return math.ceil(recipients / rate)


async def count(deps: Deps, kind: BroadcastAudience) -> int:
    """How many users `kind` reaches now."""
    return await deps.repos.campaigns.count_audience(deps.db.read, audience_of(deps, kind))


async def under_way(deps: Deps) -> Progress | None:
    broadcast = await deps.repos.broadcasts.sending()
    return await _progress(deps, broadcast, deps.db.read) if broadcast else None


async def _progress(deps: Deps, broadcast: Broadcast, reader: Reader) -> Progress:
    delivery = await deps.repos.campaigns.progress(broadcast.campaign_id, reader)
    return Progress(broadcast, delivery)


async def start(
    deps: Deps, admin_id: int, kind: BroadcastAudience, source: tuple[int, int], *, paid: bool
) -> Started | Refusal:
    """Copy the message `source` (chat id, message id) to everyone in `kind`."""
    if admin_id not in deps.rules.admin_ids:
        return Refusal.NOT_ADMIN
    repos = deps.repos
    async with deps.db.transaction() as tx:
        if await repos.broadcasts.exists_for(source, tx):
            return Refusal.ALREADY_SENT
        if await repos.broadcasts.sending(tx) is not None:
            return Refusal.UNDER_WAY
        audience = audience_of(deps, kind)
        if not await repos.campaigns.count_audience(tx, audience):
            return Refusal.EMPTY_AUDIENCE
        copy = notices.BroadcastCopy(from_chat_id=source[0], message_id=source[1], paid=paid)
        fan_out = await deps.notifier.fan_out(tx, audience, copy)
        broadcast_id = await repos.broadcasts.create(
            tx,
            campaign_id=fan_out.campaign_id,
            admin_id=admin_id,
            audience=kind,
            source=source,
            paid=paid,
            recipients=fan_out.recipients,
        )
        details = {"audience": kind, "recipients": fan_out.recipients, "paid": paid}
        await repos.audit.record(tx, admin_id, AuditAction.BROADCAST, broadcast_id, details)
    return Started(broadcast_id, fan_out.recipients)


async def cancel(deps: Deps, admin_id: int) -> Cancelled | Refusal:
    """Stop the broadcast under way: what was sent stays sent, the rest is dropped."""
    if admin_id not in deps.rules.admin_ids:
        return Refusal.NOT_ADMIN
    repos = deps.repos
    async with deps.db.transaction() as tx:
        broadcast = await repos.broadcasts.sending(tx)
        if broadcast is None:
            return Refusal.NOTHING_UNDER_WAY
        dropped = await repos.campaigns.cancel(tx, broadcast.campaign_id)
        outcome = await repos.campaigns.progress(broadcast.campaign_id, tx)
        await repos.broadcasts.end(tx, broadcast.id, BroadcastStatus.CANCELLED, outcome)
        details = {"sent": outcome.sent, "dropped": dropped}
        await repos.audit.record(tx, admin_id, AuditAction.BROADCAST_CANCEL, broadcast.id, details)
    return Cancelled(broadcast, outcome.sent, dropped)


async def claim_progress(deps: Deps, broadcast_id: int) -> bool:
    """Whether the progress may be shown now (it was not in the last PROGRESS_EVERY); if
    so, it counts as shown from now."""
    async with deps.db.transaction() as tx:
        return await deps.repos.broadcasts.claim_progress(
            tx, broadcast_id, deps.clock.now() - PROGRESS_EVERY
        )


async def set_progress_message(deps: Deps, broadcast_id: int, message_id: int) -> None:
    async with deps.db.transaction() as tx:
        await deps.repos.broadcasts.set_progress_message(tx, broadcast_id, message_id)


async def finish_if_done(deps: Deps, broadcast_id: int) -> Progress | None:
    """Once nothing is left to send, end the broadcast and queue its report to the admin,
    in one transaction: the report is queued once, whoever gets here first. Returns the
    final progress when this call ended it."""
    repos = deps.repos
    async with deps.db.transaction() as tx:
        broadcast = await repos.broadcasts.get(broadcast_id, tx)
        if broadcast is None or broadcast.status is not BroadcastStatus.SENDING:
            return None
        progress = await _progress(deps, broadcast, tx)
        if not progress.done:
            return None
        await repos.broadcasts.end(tx, broadcast.id, BroadcastStatus.FINISHED, progress.delivery)
        report = notices.BroadcastFinished(
            broadcast_id=broadcast.id,
            sent=progress.delivery.sent,
            blocked=progress.delivery.blocked,
            failed=progress.delivery.failed,
        )
        await deps.notifier.notify(tx, broadcast.admin_id, report)
    return progress
