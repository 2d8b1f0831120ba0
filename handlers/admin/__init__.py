"""Admins' side: /disputes and deciding them (*Validate* or *Keep rejected*, with a note to
both sides), /stats, /ban and /unban, /audit; and the notices about disputes (to the admins
when one is opened, to the company and the prospector when it is decided) and about bans.
Only admins have these commands and buttons: the kit turns anyone else away
(`bot.kit.guards.admins_only`)."""

from __future__ import annotations

from bot.kit.commands import ADMINS, Command
from bot.kit.feature import Feature, Stage, on_button, on_command
from handlers.admin import deciding, disputes, moderation, reports, screens
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
    ),
    handlers=(
        (Stage.WIZARDS, deciding.DECISION),
        on_command("disputes", disputes.list_disputes),
        on_button(DisputesNextCb, disputes.next_page),
        on_command("stats", reports.show_stats),
        on_command("ban", moderation.ban),
        on_command("unban", moderation.unban),
        on_command("audit", reports.show_audit),
        on_button(AuditPageCb, reports.show_audit),
    ),
    admin_buttons=(DecideCb, DisputesNextCb, AuditPageCb),
    notices={
        notices.DisputeOpened: screens.opened_notice,
        notices.DisputeDecided: screens.decided_notice,
        notices.AccountBanned: screens.banned_notice,
        notices.AccountRestored: screens.restored_notice,
    },
)
