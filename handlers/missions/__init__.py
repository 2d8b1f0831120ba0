"""Companies' side of missions: posting (/newmission), the /missions list and each
mission's card, applicants and active prospectors, live edits; and the notices companies
receive about their missions."""

from __future__ import annotations

from bot.kit.callbacks import ApproveCb, DeclineCb, MissionCardCb, MissionListCb
from bot.kit.commands import COMPANIES, Command
from bot.kit.context import HomeButton, Route
from bot.kit.feature import Feature, Stage, on_button, on_command
from handlers.missions import applicants, card, editing, posting, screens
from handlers.missions.screens import MissionActionCb, PeopleCb
from services import notices
from storage.models import Role

FEATURE = Feature(
    name="missions",
    commands=(Command("newmission", COMPANIES), Command("missions", COMPANIES)),
    handlers=(
        (Stage.WIZARDS, posting.POSTING),
        (Stage.WIZARDS, editing.LIVE_EDIT),
        on_command("missions", card.list_missions),
        on_button(MissionListCb, card.list_missions),
        on_button(MissionCardCb, card.show_card),
        on_button(MissionActionCb, card.on_action),
        on_button(PeopleCb, applicants.show_people),
        on_button(ApproveCb, applicants.decide),
        on_button(DeclineCb, applicants.decide),
    ),
    home_buttons=(
        HomeButton(Role.COMPANY, "button.home_newmission", screens.NewMissionCb()),
        HomeButton(Role.COMPANY, "button.home_missions", MissionListCb()),
    ),
    notices={
        notices.ApplicationReceived: screens.application_notice,
        notices.ProspectorStarted: screens.started_notice,
        notices.ProspectorLeft: screens.left_notice,
        notices.ApplicationWithdrawn: screens.withdrawn_notice,
        notices.MissionPastDeadline: screens.deadline_notice,
        notices.NewMissionAlert: screens.alert_notice,
    },
    routes={Route.MISSION_CARD: card.send_card},
)
