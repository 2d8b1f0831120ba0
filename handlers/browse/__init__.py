"""Prospectors' side of missions: /browse, details, taking, /mymissions, leaving, links."""

from __future__ import annotations

from bot.kit.callbacks import BrowsePageCb, DetailsCb, MyMissionsCb
from bot.kit.commands import PROSPECTORS, Command
from bot.kit.context import HomeButton
from bot.kit.feature import Feature, on_button, on_command
from bot.kit.links import MISSION_LINK
from handlers.browse import missions, screens
from handlers.browse.screens import (
    FilterClearCb,
    FilterPayCb,
    FilterRateCb,
    FiltersCb,
    FilterTargetCb,
    LeaveCb,
    LeaveConfirmCb,
    ListClearCb,
    MineDetailsCb,
    TakeCb,
)
from services import notices
from storage.models import Role

FEATURE = Feature(
    name="browse",
    commands=(Command("browse", PROSPECTORS), Command("mymissions", PROSPECTORS)),
    handlers=(
        on_command("browse", missions.browse),
        on_command("mymissions", missions.my_missions),
        on_button(BrowsePageCb, missions.browse),
        on_button(FiltersCb, missions.show_filters),
        *(
            on_button(kind, missions.set_filter)
            for kind in (FilterPayCb, FilterTargetCb, FilterRateCb, FilterClearCb)
        ),
        on_button(ListClearCb, missions.clear_filters_to_list),
        on_button(DetailsCb, missions.show_details),
        on_button(MineDetailsCb, missions.show_details),
        on_button(TakeCb, missions.take),
        on_button(MyMissionsCb, missions.my_missions),
        on_button(LeaveCb, missions.confirm_leave),
        on_button(LeaveConfirmCb, missions.leave),
    ),
    home_buttons=(
        HomeButton(Role.PROSPECTOR, "button.home_browse", BrowsePageCb()),
        HomeButton(Role.PROSPECTOR, "button.home_mine", MyMissionsCb()),
    ),
    notices={
        notices.ApplicationApproved: screens.approved_notice,
        notices.ApplicationDeclined: screens.declined_notice,
        notices.MissionClosed: screens.closed_notice,
    },
    deep_links={MISSION_LINK: missions.follow_link},
)
