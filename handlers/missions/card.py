"""A company's /missions list and the card of each mission, with its actions: pause,
resume, close (after confirmation), edit (pick a field), share. Every button re-reads the
mission and acts only if it belongs to the company tapping it."""

from __future__ import annotations

from telegram import Update

from bot.kit.callbacks import MissionCardCb, MissionListCb
from bot.kit.context import CallboardContext
from bot.kit.i18n import key_table
from bot.kit.screens import chat_id_of, refuse, refuse_other_role, show_screen
from handlers.missions import screens
from handlers.missions.screens import MissionActionCb
from services import missions as rules
from storage.models import AssignmentStatus, Mission, MissionStatus, Role

_NOW = key_table(
    {
        MissionStatus.PAUSED: "mission.now.paused",
        MissionStatus.OPEN: "mission.now.open",
    }
)


def is_company(context: CallboardContext) -> bool:
    return context.user_account.role is Role.COMPANY


async def list_missions(update: Update, context: CallboardContext) -> None:
    """/missions, the home button, and the list's pages."""
    query = update.callback_query
    choice = MissionListCb.unpack(query.data) if query else MissionListCb()
    if not is_company(context) or choice is None:
        await refuse_other_role(update, context, "missions.companies_only")
        return
    if query:
        await query.answer()
    page = choice.page
    summaries, total = await context.repos.missions.for_company(
        context.user_account.id, offset=page * screens.PAGE_SIZE, limit=screens.PAGE_SIZE
    )
    await show_screen(update, context, *screens.mission_list(context.t, summaries, page, total))


async def own_or_refuse(
    update: Update, context: CallboardContext, mission_id: int | None
) -> Mission | None:
    """The mission a tapped button names, if it is the company's; else say no."""
    me = context.user_account.id
    mission = await rules.own_mission(context.deps, me, mission_id) if mission_id else None
    if mission is None:
        await refuse(update, context)
    return mission


async def card_screen(context: CallboardContext, mission: Mission) -> screens.Screen:
    applicants = await context.repos.assignments.count(mission.id, AssignmentStatus.APPLIED)
    counts = await context.repos.results.counts_for_mission(mission.id)
    return screens.card(context.t, mission, applicants, counts)


async def send_card(chat_id: int, context: CallboardContext, mission_id: int) -> None:
    """The card as a new message (after publishing, an edit, or a link)."""
    mission = await rules.own_mission(context.deps, context.user_account.id, mission_id)
    if mission is not None:
        text, markup = await card_screen(context, mission)
        await context.bot.send_message(chat_id, text, reply_markup=markup)


async def show_card(update: Update, context: CallboardContext) -> None:
    assert update.callback_query
    choice = MissionCardCb.unpack(update.callback_query.data)
    mission = await own_or_refuse(update, context, choice.mission_id if choice else None)
    if mission is None:
        return
    await update.callback_query.answer()
    await show_screen(update, context, *await card_screen(context, mission))


async def on_action(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    choice = MissionActionCb.unpack(query.data)
    mission = await own_or_refuse(update, context, choice.mission_id if choice else None)
    if choice is None or mission is None:
        return
    if choice.action in ("pause", "resume"):
        paused = choice.action == "pause"
        moved = await rules.set_paused(context.deps, mission.company_id, mission.id, paused=paused)
        await _after_change(update, context, mission.id, moved)
    elif choice.action == "close_ok":
        closed = await rules.close(context.deps, mission.company_id, mission.id)
        # Who was told is said once it is true: after the close, not on the confirmation.
        told = context.t.plain("mission.now.closed", active=mission.active_count)
        await _after_change(update, context, mission.id, closed, told)
    elif mission.status in screens.FINISHED:
        await refuse(update, context)
    elif choice.action == "share":
        await query.answer()
        username = context.bot.username
        await context.bot.send_message(
            chat_id_of(update), screens.share(context.t, mission, username)
        )
    else:
        await query.answer()
        screen = screens.close_confirm if choice.action == "close" else screens.edit_pick
        await show_screen(update, context, *screen(context.t, mission))


async def _after_change(
    update: Update,
    context: CallboardContext,
    mission_id: int,
    changed: bool,
    notice: str | None = None,
) -> None:
    """The notice (by default, the mission's new status) and the fresh card, or a refusal
    if nothing changed (a stale button)."""
    fresh = await context.repos.missions.get(mission_id)
    if not changed or fresh is None:
        await refuse(update, context)
        return
    assert update.callback_query
    await update.callback_query.answer(notice or context.t.plain(_NOW[fresh.status]))
    await show_screen(update, context, *await card_screen(context, fresh))
