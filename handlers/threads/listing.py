"""/threads: the user's threads with unread counts, one mission's threads from its card,
and a thread's last messages (opening a thread reads it and makes it the current one)."""

from __future__ import annotations

from telegram import Update

from bot.kit.callbacks import ThreadListCb, ThreadOpenCb
from bot.kit.context import CallboardContext
from bot.kit.screens import refuse, show_screen
from handlers.threads import screens
from handlers.threads.talk import member_thread_or_refuse, set_current
from services import missions as mission_rules
from services import threads
from storage.models import Mission, Role

HISTORY = 20


async def list_threads(update: Update, context: CallboardContext) -> None:
    """/threads, and the list's pages (a mission's list for its company)."""
    query = update.callback_query
    choice = ThreadListCb.unpack(query.data) if query else ThreadListCb()
    me = context.user_account.id
    if choice is None or context.user_account.role is None:
        await refuse(update, context, "profile.none" if query is None else "stale_action")
        return
    mission: Mission | None = None
    if choice.mission_id:
        mission = await mission_rules.own_mission(context.deps, me, choice.mission_id)
        if mission is None:
            await refuse(update, context)
            return
    if query:
        await query.answer()
    page, size = choice.page, screens.PAGE_SIZE
    mission_id = mission.id if mission else None
    total = await context.repos.threads.count_for_user(me, mission_id)
    found = await context.repos.threads.for_user(
        me, mission_id=mission_id, offset=page * size, limit=size
    )
    company = context.user_account.role is Role.COMPANY
    screen = screens.thread_list(context.t, me, found, page, total, mission, company=company)
    await show_screen(update, context, *screen)


async def open_thread(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    data = ThreadOpenCb.unpack(query.data)
    thread = await member_thread_or_refuse(update, context, data.thread_id if data else None)
    if thread is None:
        return
    me = context.user_account.id
    set_current(context, thread)
    await query.answer()
    repos = context.repos
    messages = await repos.threads.recent_messages(thread.id, HISTORY)
    offers = {
        offer.id: offer
        for message in messages
        if message.offer_id is not None
        and (offer := await repos.threads.offer(message.offer_id)) is not None
    }
    await threads.mark_read(context.deps, me, thread)
    other = await threads.public_name(context.deps, thread, me)
    head = screens.header(context.t, thread.mission_id, other)
    can_offer = await threads.offer_refusal(context.deps, thread) is None
    from_mission = data.mission_id if data and data.mission_id == thread.mission_id else 0
    view = screens.ThreadView(thread.id, from_mission, can_offer, me == thread.prospector_id)
    screen = screens.history(context.t, view, head, me, messages, offers)
    await show_screen(update, context, *screen)
