"""Prospectors' side of results: /submit (or *Submit a result* on an assignment), disputing
a rejection, /earnings; and the notices prospectors receive about their results."""

from __future__ import annotations

from bot.kit.commands import PROSPECTORS, Command
from bot.kit.context import HomeButton
from bot.kit.feature import Feature, Stage, on_button, on_command
from handlers.results import disputing, earnings, screens, submitting
from handlers.results.screens import EarningsCb, PickerPageCb
from services import notices
from storage.models import Role

FEATURE = Feature(
    name="results",
    commands=(Command("submit", PROSPECTORS), Command("earnings", PROSPECTORS)),
    handlers=(
        (Stage.WIZARDS, submitting.SUBMIT),
        (Stage.WIZARDS, disputing.DISPUTE),
        on_button(PickerPageCb, submitting.picker_page),
        on_command("earnings", earnings.show_earnings),
        on_button(EarningsCb, earnings.show_earnings),
    ),
    home_buttons=(HomeButton(Role.PROSPECTOR, "button.home_earnings", EarningsCb()),),
    notices={
        notices.ResultValidated: screens.validated_notice,
        notices.ResultRejected: screens.rejected_notice,
        # Both sides' wording, so that one feature alone renders this notice.
        notices.ResultAutoValidated: screens.auto_validated_notice,
    },
)
