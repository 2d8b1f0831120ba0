"""Prospectors' side of missions: /browse with filters kept for the session, a mission's
details, taking a mission at its posted rate, /mymissions and leaving; and opening a
mission from a `t.me/<bot>?start=m<id>` link."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update

from bot.kit.callbacks import BrowsePageCb, DetailsCb, MyMissionsCb
from bot.kit.context import CallboardContext, Route
from bot.kit.i18n import key_table
from bot.kit.screens import chat_id_of, refuse, refuse_other_role, show_screen
from handlers.browse import screens
from handlers.browse.screens import (
    FilterClearCb,
    FilterPayCb,
    FilterRateCb,
    FilterTargetCb,
    LeaveCb,
    LeaveConfirmCb,
    MineDetailsCb,
    TakeCb,
)
from services import assignments
from services.assignments import TakeOutcome
from services.lifecycle import OPEN_STATUSES
from storage.models import AssignmentStatus, BrowseFilters, Mission, MissionStatus, Role

_TAKEN = key_table(
    {
        TakeOutcome.STARTED: "accept.active",
        TakeOutcome.APPLIED: "accept.applied",
        TakeOutcome.FULL: "accept.full",
        TakeOutcome.NOT_OPEN: "accept.not_open",
        TakeOutcome.ALREADY_ACTIVE: "accept.already_active",
        TakeOutcome.ALREADY_APPLIED: "accept.already_applied",
        TakeOutcome.DECLINED_BEFORE: "accept.declined_before",
    }
)
_ALREADY = (TakeOutcome.ALREADY_ACTIVE, TakeOutcome.ALREADY_APPLIED)


def _state(context: CallboardContext) -> dict[str, Any]:
    """The prospector's browsing session: filters and the page they were on."""
    assert context.user_data is not None
    state: dict[str, Any] = context.user_data.setdefault("browse", {"page": 0, "filters": {}})
    return state


def _filters(context: CallboardContext) -> BrowseFilters:
    return BrowseFilters.model_validate(_state(context)["filters"])


async def _prospector(update: Update, context: CallboardContext) -> bool:
    """Whether the user is a prospector; says no otherwise."""
    if context.user_account.role is Role.PROSPECTOR:
        return True
    await refuse_other_role(update, context, "browse.prospectors_only")
    return False


async def browse(update: Update, context: CallboardContext) -> None:
    """/browse (first page) and the list's pages."""
    query = update.callback_query
    choice = BrowsePageCb.unpack(query.data) if query else BrowsePageCb()
    if choice is None or not await _prospector(update, context):
        return
    if query:
        await query.answer()
    _state(context)["page"] = choice.page
    await _show_page(update, context)


async def _show_page(update: Update, context: CallboardContext) -> None:
    page = int(_state(context)["page"])
    filters = _filters(context)
    size = screens.PAGE_SIZE
    found = await context.repos.missions.browse(filters, offset=page * size, limit=size + 1)
    screen = screens.browse_page(context.t, found[:size], page, len(found) > size, filters)
    await show_screen(update, context, *screen)


async def clear_filters_to_list(update: Update, context: CallboardContext) -> None:
    """From a list that shows nothing: every filter off, and the list again."""
    if not await _prospector(update, context):
        return
    assert update.callback_query
    await update.callback_query.answer()
    _state(context).update(filters=BrowseFilters().model_dump(mode="json"), page=0)
    await _show_page(update, context)


async def show_filters(update: Update, context: CallboardContext) -> None:
    if not await _prospector(update, context):
        return
    assert update.callback_query
    await update.callback_query.answer()
    await show_screen(update, context, *screens.filters_screen(context.t, _filters(context)))


async def set_filter(update: Update, context: CallboardContext) -> None:
    """Tapping a filter sets it; tapping the chosen option again clears it."""
    if not await _prospector(update, context):
        return
    query = update.callback_query
    assert query
    current = _filters(context)
    data = query.data
    pay, target = FilterPayCb.unpack(data), FilterTargetCb.unpack(data)
    rate = FilterRateCb.unpack(data)
    if pay is not None:
        chosen = None if current.pay_model == pay.pay_model else pay.pay_model
        new = current.model_copy(update={"pay_model": chosen})
    elif target is not None:
        chosen_target = None if current.target == target.target else target.target
        new = current.model_copy(update={"target": chosen_target})
    elif rate is not None and rate.min_rate_cents in screens.MIN_RATE_CHOICES:
        cents = None if current.min_rate_cents == rate.min_rate_cents else rate.min_rate_cents
        new = current.model_copy(update={"min_rate_cents": cents})
    elif FilterClearCb.matches(data):
        new = BrowseFilters()
    else:
        await refuse(update, context)
        return
    _state(context).update(filters=new.model_dump(mode="json"), page=0)
    await query.answer()
    await show_screen(update, context, *screens.filters_screen(context.t, new))


def _back(context: CallboardContext) -> screens.Back:
    """Where the details last opened lead back to, kept so that a refresh after taking the
    mission keeps the same way back."""
    origin = _state(context).get("back")
    if origin == "mine":
        return MyMissionsCb()
    if origin == "list":
        return BrowsePageCb(page=int(_state(context)["page"]))
    return None


async def _details_screen(
    context: CallboardContext, mission: Mission, back: screens.Back
) -> screens.Screen:
    me = context.user_account.id
    repos = context.repos
    company = await repos.profiles.company(mission.company_id)
    assignment = await repos.assignments.find(mission.id, me)
    thread = await repos.threads.find(mission.id, me)
    return screens.details(
        context.t,
        mission,
        company.name if company else "—",
        assignment,
        thread.id if thread else None,
        back,
    )


async def show_details(update: Update, context: CallboardContext) -> None:
    """A mission's details, from the /browse list or an alert (back to the list) or from
    /mymissions (back there); back from their thread, with the way back they had."""
    assert update.callback_query
    data = update.callback_query.data
    choice = DetailsCb.unpack(data) or MineDetailsCb.unpack(data)
    if choice is None or not await _prospector(update, context):
        return
    mission = await context.repos.missions.get(choice.mission_id)
    if mission is None:
        await refuse(update, context, "deep_link.mission_unknown_short")
        return
    await update.callback_query.answer()
    if not (isinstance(choice, DetailsCb) and choice.returning):
        _state(context)["back"] = "mine" if isinstance(choice, MineDetailsCb) else "list"
    screen = await _details_screen(context, mission, _back(context))
    await show_screen(update, context, *screen)


async def take(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    choice = TakeCb.unpack(query.data)
    if choice is None or not await _prospector(update, context):
        return
    taken = await assignments.take(context.deps, context.user_account.id, choice.mission_id)
    mission = taken.mission
    t = context.t
    key = _TAKEN[taken.outcome]
    if taken.outcome in _ALREADY:
        # A second tap of the same button: said on the button, not as another message.
        await query.answer(t.plain(key), show_alert=True)
        return
    await query.answer()
    title, rate = (mission.title, t.money(mission.rate_cents)) if mission else ("", "")
    text = t(key, mission_id=choice.mission_id, title=title, rate=rate)
    await context.bot.send_message(chat_id_of(update), text)
    if mission is not None and taken.outcome in (TakeOutcome.STARTED, TakeOutcome.APPLIED):
        await _refresh_details(update, context, mission)


async def _refresh_details(update: Update, context: CallboardContext, mission: Mission) -> None:
    """The details, refreshed: the slots left, and what the prospector can now do."""
    fresh = await context.repos.missions.get(mission.id)
    if fresh is not None:
        screen = await _details_screen(context, fresh, _back(context))
        await show_screen(update, context, *screen)


# --- /mymissions and leaving -----------------------------------------------------------------


async def my_missions(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    choice = MyMissionsCb.unpack(query.data) if query else MyMissionsCb()
    if choice is None or not await _prospector(update, context):
        return
    if query:
        await query.answer()
    await _show_mine(update, context, choice.page)


async def _show_mine(update: Update, context: CallboardContext, page: int) -> None:
    size = screens.PAGE_SIZE
    found = await context.repos.assignments.for_prospector(
        context.user_account.id, OPEN_STATUSES, offset=page * size, limit=size + 1
    )
    counted = [
        (assignment, mission, await context.repos.results.counts_for_assignment(assignment.id))
        for assignment, mission in found[:size]
    ]
    offers = {
        mission.id: offer
        for assignment, mission in found[:size]
        if assignment.status is AssignmentStatus.NEGOTIATING
        and (
            offer := await context.repos.threads.pending_offer(mission.id, assignment.prospector_id)
        )
    }
    screen = screens.my_missions(context.t, counted, page, len(found) > size, offers)
    await show_screen(update, context, *screen)


async def confirm_leave(update: Update, context: CallboardContext) -> None:
    assert update.callback_query
    choice = LeaveCb.unpack(update.callback_query.data)
    owned = (
        await assignments.own_open_assignment(
            context.deps, context.user_account.id, choice.assignment_id
        )
        if choice
        else None
    )
    if owned is None:
        await refuse(update, context)
        return
    assignment, mission = owned
    await update.callback_query.answer()
    await show_screen(update, context, *screens.leave_confirm(context.t, mission, assignment))


async def leave(update: Update, context: CallboardContext) -> None:
    assert update.callback_query
    choice = LeaveConfirmCb.unpack(update.callback_query.data)
    left = choice is not None and await assignments.leave(
        context.deps, context.user_account.id, choice.assignment_id
    )
    if not left:
        await refuse(update, context)
        return
    await update.callback_query.answer(context.t.plain("mine.left"))
    await _show_mine(update, context, 0)


# --- links ---------------------------------------------------------------------------------


async def follow_link(chat_id: int, context: CallboardContext, match: re.Match[str]) -> None:
    """`/start m<id>`, once the user has a profile: the details for a prospector, the card
    for the company that owns the mission."""
    mission_id = int(match[1])
    mission = await context.repos.missions.get(mission_id)
    t = context.t
    # A link that leads nowhere still leaves a way on: the user came from outside the bot.
    company = context.user_account.role is Role.COMPANY
    onwards = screens.link_onwards(t, company)
    if mission is None:
        text = t("deep_link.mission_unknown", mission_id=mission_id)
        await context.bot.send_message(chat_id, text, reply_markup=onwards)
    elif company:
        if mission.company_id == context.user_account.id:
            await context.services.navigator.open(Route.MISSION_CARD, chat_id, context, mission_id)
        else:
            text = t("deep_link.for_prospectors")
            await context.bot.send_message(chat_id, text, reply_markup=onwards)
    elif mission.status is MissionStatus.CLOSED:
        text = t("deep_link.mission_closed", mission_id=mission_id, title=mission.title)
        await context.bot.send_message(chat_id, text, reply_markup=onwards)
    else:
        _state(context)["back"] = "link"
        text, markup = await _details_screen(context, mission, None)
        await context.bot.send_message(chat_id, text, reply_markup=markup)
