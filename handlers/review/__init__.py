"""Companies' side of results: reviewing them (/review, a mission card's *Results to
review*, a new result's *Review*), validating one, all those shown, or rejecting one with a
reason; /export of a mission's results as CSV; and the notices companies receive about
results and about missions completed at their cap."""

from __future__ import annotations

from bot.kit.callbacks import ReviewCb
from bot.kit.commands import COMPANIES, Command
from bot.kit.context import HomeButton
from bot.kit.feature import Feature, Stage, on_button, on_command
from handlers.review import exporting, rejecting, reviewing, screens
from handlers.review.screens import (
    ExportListCb,
    ExportMissionCb,
    ReviewNextCb,
    ValidateCb,
    ValidateShownCb,
)
from services import notices
from storage.models import Role

FEATURE = Feature(
    name="review",
    commands=(Command("review", COMPANIES), Command("export", COMPANIES)),
    handlers=(
        (Stage.WIZARDS, rejecting.REJECT),
        on_command("review", reviewing.review),
        on_button(ReviewCb, reviewing.review),
        on_button(ReviewNextCb, reviewing.next_page),
        on_button(ValidateCb, reviewing.validate_one),
        on_button(ValidateShownCb, reviewing.validate_shown),
        on_command("export", exporting.list_missions),
        on_button(ExportListCb, exporting.list_missions),
        on_button(ExportMissionCb, exporting.send_csv),
    ),
    home_buttons=(HomeButton(Role.COMPANY, "button.home_review", ReviewCb()),),
    notices={
        notices.ResultSubmitted: screens.submitted_notice,
        notices.MissionCompleted: screens.completed_notice,
    },
)
