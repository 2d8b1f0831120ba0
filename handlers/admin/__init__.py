"""Admins' side: /disputes and deciding them (*Validate* or *Keep rejected*, with a note to
both sides), and the notices about disputes: to the admins when one is opened, to the
company and the prospector when it is decided; /broadcast and /broadcast_cancel, the
broadcast's copies, its progress and its report."""

from __future__ import annotations

from bot.kit.commands import ADMINS, Command
from bot.kit.feature import Feature, Stage, on_button, on_command
from handlers.admin import broadcast, broadcast_screens, deciding, disputes, screens
from handlers.admin.broadcast_screens import BroadcastCb
from handlers.admin.screens import DisputesNextCb
from services import notices

FEATURE = Feature(
    name="admin",
    commands=(
        Command("disputes", ADMINS),
        Command("broadcast", ADMINS),
        Command("broadcast_cancel", ADMINS),
    ),
    handlers=(
        (Stage.WIZARDS, deciding.DECISION),
        (Stage.WIZARDS, broadcast.BROADCAST),
        on_command("disputes", disputes.list_disputes),
        on_button(DisputesNextCb, disputes.next_page),
        on_command("broadcast_cancel", broadcast.cancel_broadcast),
        on_button(BroadcastCb, broadcast.on_preview),
    ),
    notices={
        notices.DisputeOpened: screens.opened_notice,
        notices.DisputeDecided: screens.decided_notice,
        notices.BroadcastCopy: broadcast_screens.copy_notice,
        notices.BroadcastFinished: broadcast_screens.finished_notice,
    },
    jobs=(broadcast.TRACKER,),
)
