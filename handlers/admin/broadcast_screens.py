"""The broadcast screens and notices, as pure functions of models and a translator: the
audience buttons, the preview's summary, the progress message, the reports, and the copy
itself as an outbox row."""

from __future__ import annotations

from typing import Literal

from telegram import InlineKeyboardMarkup

from bot.kit.callbacks import CallbackData
from bot.kit.i18n import Html, Translator, key_table
from bot.kit.keyboards import button, keyboard
from bot.kit.notifier import Outbound, text_message
from bot.kit.wizard import Option
from services import notices
from services.broadcasts import (
    PAID_RATE,
    STARS_PER_MESSAGE,
    Cancelled,
    Progress,
    cost_in_stars,
    seconds_to_send,
)
from storage.models import BROADCAST_AUDIENCES, Broadcast, BroadcastAudience, Priority

AUDIENCE = key_table(
    {
        "everyone": "broadcast.audience.everyone",
        "companies": "broadcast.audience.companies",
        "prospectors": "broadcast.audience.prospectors",
        "active_prospectors": "broadcast.audience.active_prospectors",
    }
)


class AudienceCb(CallbackData):
    """The audience picked for a new broadcast (a step of the admin's wizard)."""

    prefix = "bca"
    audience: BroadcastAudience


class BroadcastCb(CallbackData):
    """*Send* or *Cancel* under a broadcast's preview: the audience and the admin's message
    to copy (in the admin's own chat)."""

    prefix = "bcs"
    action: Literal["send", "drop"]
    audience: BroadcastAudience
    message_id: int


def audience_options() -> list[Option]:
    return [Option(AUDIENCE[kind], AudienceCb(audience=kind), kind) for kind in BROADCAST_AUDIENCES]


def duration(t: Translator, seconds: int) -> Html:
    """A duration rounded to what matters: seconds, minutes, or hours and minutes."""
    if seconds < 60:
        return t("broadcast.duration_seconds", seconds=seconds)
    minutes = -(-seconds // 60)
    if minutes < 60:
        return t("broadcast.duration_minutes", minutes=minutes)
    return t("broadcast.duration_hours", hours=minutes // 60, minutes=minutes % 60)


def pace(t: Translator, recipients: int, rate: float, *, paid: bool) -> Html:
    """How fast it goes and, for a paid broadcast, what it costs."""
    took = duration(t, seconds_to_send(recipients, PAID_RATE if paid else rate))
    if not paid:
        return t("broadcast.pace", rate=t.number(rate), duration=took)
    return t(
        "broadcast.pace_paid",
        rate=t.number(PAID_RATE),
        duration=took,
        stars=t.number(cost_in_stars(recipients)),
        per_message=t.number(STARS_PER_MESSAGE),
    )


def preview(
    t: Translator,
    audience: BroadcastAudience,
    message_id: int,
    recipients: int,
    rate: float,
    *,
    paid: bool,
) -> tuple[Html, InlineKeyboardMarkup]:
    """The summary under the preview's copy, with *Send* and *Cancel*."""
    text = t(
        "broadcast.preview",
        recipients=t.count("count.recipients", recipients),
        audience=t.plain(AUDIENCE[audience]),
        pace=pace(t, recipients, rate, paid=paid),
    )

    def action(chosen: Literal["send", "drop"]) -> BroadcastCb:
        return BroadcastCb(action=chosen, audience=audience, message_id=message_id)

    send = button(t.plain("button.broadcast_send"), action("send"))
    drop = button(t.plain("button.cancel"), action("drop"))
    markup = keyboard([[send, drop]])
    return text, markup


def progress(t: Translator, shown: Progress, rate: float) -> Html:
    """The admin's progress message while it sends."""
    broadcast, delivery = shown.broadcast, shown.delivery
    left = seconds_to_send(shown.remaining, PAID_RATE if broadcast.paid else rate)
    return t(
        "broadcast.progress",
        id=broadcast.id,
        audience=t.plain(AUDIENCE[broadcast.audience]),
        sent=t.number(delivery.sent),
        blocked=t.number(delivery.blocked),
        failed=t.number(delivery.failed),
        remaining=t.number(shown.remaining),
        left=duration(t, left),
    )


def finished(t: Translator, broadcast: Broadcast) -> Html:
    """The progress message once nothing is left to send. The figures are in the report
    that follows (a message of its own, so that the admin is notified): said once."""
    return t(
        "broadcast.progress_finished",
        id=broadcast.id,
        audience=t.plain(AUDIENCE[broadcast.audience]),
    )


def cancelled(t: Translator, outcome: Cancelled) -> Html:
    """The answer to /broadcast_cancel, and the progress message from then on."""
    return t(
        "broadcast.cancelled",
        id=outcome.broadcast.id,
        audience=t.plain(AUDIENCE[outcome.broadcast.audience]),
        sent=t.number(outcome.sent),
        dropped=t.number(outcome.dropped),
    )


def under_way(t: Translator, shown: Progress) -> Html:
    return t("broadcast.under_way", id=shown.broadcast.id, remaining=t.number(shown.remaining))


# --- notices ------------------------------------------------------------------------------


def copy_notice(notice: notices.BroadcastCopy, t: Translator) -> Outbound:
    """The admin's message as it was sent: copied, never rebuilt, so its formatting and
    caption reach everyone untouched."""
    params: dict[str, object] = {
        "from_chat_id": notice.from_chat_id,
        "message_id": notice.message_id,
    }
    if notice.paid:
        params["allow_paid_broadcast"] = True
    return Outbound("copy_message", params, priority=Priority.BROADCAST)


def finished_notice(notice: notices.BroadcastFinished, t: Translator) -> Outbound:
    return text_message(
        t(
            "broadcast.report",
            id=notice.broadcast_id,
            sent=t.number(notice.sent),
            blocked=t.number(notice.blocked),
            failed=t.number(notice.failed),
        )
    )
