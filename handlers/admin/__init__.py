"""Admins' side: /disputes and deciding them (*Validate* or *Keep rejected*, with a note to
both sides), /stats, /ban and /unban, /audit, /broadcast and /broadcast_cancel; and the
notices about disputes (to the admins when one is opened, to the company and the prospector
when it is decided) and about bans, a broadcast's copies and its report. Only admins have
these commands and buttons: the kit turns anyone else away (`bot.kit.guards.admins_only`)."""

from __future__ import annotations

from bot.kit.commands import ADMINS, Command
from bot.kit.feature import Feature, Stage, on_button, on_command
from handlers.admin import (
    broadcast,
    broadcast_screens,
    deciding,
    disputes,
    moderation,
    reports,
    screens,
)
from handlers.admin.broadcast_screens import AudienceCb, BroadcastCb
from handlers.admin.screens import AuditPageCb, DecideCb, DisputesNextCb
from services import notices

FEATURE = Feature(
    name="admin",
    commands=(
        Command("stats", ADMINS),
        Command("disputes", ADMINS),
        Command("ban", ADMINS),
        Command("unban", ADMINS),
        Command("audit", ADMINS),
        Command("broadcast", ADMINS),
        Command("broadcast_cancel", ADMINS),
    ),
    handlers=(
        (Stage.WIZARDS, deciding.DECISION),
        (Stage.WIZARDS, broadcast.BROADCAST),
        on_command("disputes", disputes.list_disputes),
        on_button(DisputesNextCb, disputes.next_page),
        on_command("stats", reports.show_stats),
        on_command("ban", moderation.ban),
        on_command("unban", moderation.unban),
        on_command("audit", reports.show_audit),
        on_button(AuditPageCb, reports.show_audit),
        on_command("broadcast_cancel", broadcast.cancel_broadcast),
        on_button(BroadcastCb, broadcast.on_preview),
    ),
    admin_buttons=(DecideCb, DisputesNextCb, AuditPageCb, AudienceCb, BroadcastCb),
    notices={
        notices.DisputeOpened: screens.opened_notice,
        notices.DisputeDecided: screens.decided_notice,
        notices.AccountBanned: screens.banned_notice,
        notices.AccountRestored: screens.restored_notice,
        notices.BroadcastCopy: broadcast_screens.copy_notice,
        notices.BroadcastFinished: broadcast_screens.finished_notice,
    },
    jobs=(broadcast.TRACKER,),
)
