"""A mission's applicants and active prospectors, and the company's answer to each
application (from that screen or from the application's notice)."""

from __future__ import annotations

from telegram import Message, Update

from bot.kit.callbacks import ApproveCb, DeclineCb, MissionCardCb
from bot.kit.context import CallboardContext
from bot.kit.i18n import key_table
from bot.kit.screens import close_with_outcome, refuse, show_screen
from handlers.missions import screens
from handlers.missions.card import own_or_refuse
from handlers.missions.screens import PeopleCb
from services import assignments
from services.assignments import DecisionOutcome
from storage.models import AssignmentStatus, Mission

_DECIDED = key_table(
    {
        DecisionOutcome.APPROVED: "decision.done_approved",
        DecisionOutcome.DECLINED: "decision.done_declined",
        DecisionOutcome.FULL: "decision.full",
        DecisionOutcome.NOT_OPEN: "decision.not_open",
        DecisionOutcome.CLOSED: "decision.closed",
        DecisionOutcome.STALE: "stale_action",
    }
)


async def show_people(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    choice = PeopleCb.unpack(query.data)
    mission = await own_or_refuse(update, context, choice.mission_id if choice else None)
    if choice is None or mission is None:
        return
    await query.answer()
    await _render(update, context, mission, AssignmentStatus(choice.status), choice.page)


async def _render(
    update: Update, context: CallboardContext, mission: Mission, status: AssignmentStatus, page: int
) -> None:
    repos = context.repos
    total = await repos.assignments.count(mission.id, status)
    found = await repos.assignments.for_mission(
        mission.id, status, offset=page * screens.PAGE_SIZE, limit=screens.PAGE_SIZE
    )
    screen = screens.people(context.t, mission, status, found, page, total)
    await show_screen(update, context, *screen)


async def decide(update: Update, context: CallboardContext) -> None:
    """Approve or decline; the applicants screen is refreshed (it keeps its way back and the
    other applicants' buttons), a notice trades its buttons for the outcome."""
    query = update.callback_query
    assert query
    approve = ApproveCb.unpack(query.data)
    chosen = approve or DeclineCb.unpack(query.data)
    if chosen is None:
        await refuse(update, context)
        return
    decision = await assignments.decide(
        context.deps, context.user_account.id, chosen.assignment_id, approve=approve is not None
    )
    await query.answer(context.t.plain(_DECIDED[decision.outcome]))
    if decision.outcome not in (DecisionOutcome.APPROVED, DecisionOutcome.DECLINED):
        return
    mission = await context.repos.missions.get(decision.mission_id or 0)
    if _on_people_screen(query.message) and mission is not None:
        await _render(update, context, mission, AssignmentStatus.APPLIED, 0)
    else:
        await close_with_outcome(update, screens.decided(context.t, decision))


def _on_people_screen(message: object) -> bool:
    """Whether the answer came from the applicants screen (which leads back to the card)
    rather than from the application's notice."""
    markup = message.reply_markup if isinstance(message, Message) else None
    return markup is not None and any(
        MissionCardCb.matches(key.callback_data) for row in markup.inline_keyboard for key in row
    )
