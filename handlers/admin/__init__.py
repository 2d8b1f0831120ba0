"""Admins' side: /disputes and deciding them (*Validate* or *Keep rejected*, with a note to
both sides), and the notices about disputes: to the admins when one is opened, to the
company and the prospector when it is decided."""

from __future__ import annotations

from bot.kit.commands import ADMINS, Command
from bot.kit.feature import Feature, Stage, on_button, on_command
from handlers.admin import deciding, disputes, screens
from handlers.admin.screens import DisputesNextCb
from services import notices

FEATURE = Feature(
    name="admin",
    commands=(Command("disputes", ADMINS),),
    handlers=(
        (Stage.WIZARDS, deciding.DECISION),
        on_command("disputes", disputes.list_disputes),
        on_button(DisputesNextCb, disputes.next_page),
    ),
    notices={
        notices.DisputeOpened: screens.opened_notice,
        notices.DisputeDecided: screens.decided_notice,
    },
)
