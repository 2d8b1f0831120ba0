"""/disputes: the open disputes, oldest first, a page at a time, each with the result's
details (its proof, if any, sent just before the card, which replies to it), the
company's reason, the prospector's explanation, both parties by their public
names, and *Validate* / *Keep rejected*. Only admins have the command and its buttons
(`bot.kit.guards.admins_only`)."""

from __future__ import annotations

from telegram import Update

from bot.kit.context import CallboardContext
from bot.kit.proofs import send_card_after_proof
from bot.kit.screens import chat_id_of, close_keyboard, refuse
from handlers.admin import screens
from handlers.admin.screens import DisputesNextCb, DisputeView
from storage.models import Dispute


async def list_disputes(update: Update, context: CallboardContext) -> None:
    await send_page(chat_id_of(update), context, after=0)


async def next_page(update: Update, context: CallboardContext) -> None:
    assert update.callback_query
    choice = DisputesNextCb.unpack(update.callback_query.data)
    if choice is None:
        await refuse(update, context)
        return
    if await close_keyboard(update):
        await send_page(chat_id_of(update), context, choice.after)


async def send_page(chat_id: int, context: CallboardContext, after: int) -> None:
    """Up to a page of open disputes after dispute `after`, one card each, then how many
    are open and the way on."""
    t, repos = context.t, context.repos
    found = await repos.disputes.open_ones(after_id=after, limit=screens.PAGE_SIZE + 1)
    shown = found[: screens.PAGE_SIZE]
    if not shown:
        await context.bot.send_message(chat_id, screens.none_open(t))
        return
    for dispute in shown:
        view = await view_of(context, dispute)
        if view is not None:
            card = screens.dispute_card(t, view)
            buttons = screens.decide_keyboard(t, dispute.id)
            await send_card_after_proof(context, chat_id, view.result, card, buttons)
    more = len(found) > len(shown)
    total = await repos.disputes.count_open()
    text, markup = screens.page_footer(t, len(shown), total, shown[-1].id, more=more)
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def view_of(context: CallboardContext, dispute: Dispute) -> DisputeView | None:
    repos = context.repos
    result = await repos.results.get(dispute.result_id)
    mission = await repos.missions.get(result.mission_id) if result else None
    if result is None or mission is None:
        return None
    company = await repos.profiles.company(mission.company_id)
    prospector = await repos.profiles.prospector(result.prospector_id)
    return DisputeView(
        dispute=dispute,
        result=result,
        title=mission.title,
        company_name=company.name if company else "?",
        code=prospector.code if prospector else "?",
    )
