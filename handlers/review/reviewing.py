"""A company reviews its results: /review (every mission), *Results to review* on a
mission's card and *Review* under a new result's notice show the results waiting, oldest
first, one card each with *Validate* and *Reject*, a page at a time, then *Validate all
shown* and *Next*. Every tap is re-checked by the rules: only the company's own results,
only while they wait."""

from __future__ import annotations

from telegram import Message, Update

from bot.kit.callbacks import ReviewCb
from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of, close_keyboard, refuse, refuse_other_role, show_screen
from handlers.review import cards, screens
from handlers.review.cards import Card
from handlers.review.screens import ReviewNextCb, ValidateCb, ValidateShownCb
from services import missions, results
from storage.models import Role


def is_company(context: CallboardContext) -> bool:
    return context.user_account.role is Role.COMPANY


async def _may_see(context: CallboardContext, mission_id: int) -> bool:
    """Every mission's results (0), or one mission's if it is the company's."""
    me = context.user_account.id
    return not mission_id or await missions.own_mission(context.deps, me, mission_id) is not None


async def review(update: Update, context: CallboardContext) -> None:
    """/review, and the buttons that lead to one mission's results."""
    query = update.callback_query
    choice = ReviewCb.unpack(query.data) if query else ReviewCb()
    if choice is None or not is_company(context):
        await refuse_other_role(update, context, "missions.companies_only")
        return
    if not await _may_see(context, choice.mission_id):
        await refuse(update, context)
        return
    if query:
        await query.answer()
    await send_page(chat_id_of(update), context, choice.mission_id, after=0)


async def next_page(update: Update, context: CallboardContext) -> None:
    assert update.callback_query
    choice = ReviewNextCb.unpack(update.callback_query.data)
    if choice is None or not is_company(context) or not await _may_see(context, choice.mission_id):
        await refuse(update, context)
        return
    if await close_keyboard(update):
        await send_page(chat_id_of(update), context, choice.mission_id, choice.after)


async def send_page(chat_id: int, context: CallboardContext, mission_id: int, after: int) -> None:
    """Up to a page of cards of results after `after`, then the page's footer."""
    t, me, stored = context.t, context.user_account.id, context.repos.results
    found = await stored.pending_for_company(
        me, mission_id or None, after_id=after, limit=screens.PAGE_SIZE + 1
    )
    shown = found[: screens.PAGE_SIZE]
    if not shown:
        text, markup = screens.nothing_to_review(t, mission_id)
        await context.bot.send_message(chat_id, text, reply_markup=markup)
        return
    sent: dict[int, Card] = {}
    for view in await cards.views_of(context, shown):
        sent[view.result.id] = await cards.send_card(context, chat_id, view)
    cards.remember(context, sent)
    waiting = await stored.count_pending_for_company(me, mission_id or None)
    ids = [result.id for result in shown]
    more = len(found) > len(shown)
    text, markup = screens.page_footer(t, mission_id, ids, waiting, more=more)
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def validate_one(update: Update, context: CallboardContext) -> None:
    """*Validate* on a card: the card shows the amount now owed instead of its buttons."""
    query = update.callback_query
    assert query
    choice = ValidateCb.unpack(query.data)
    me = context.user_account.id
    if choice is None or not isinstance(query.message, Message):
        await refuse(update, context)
        return
    if await results.validate(context.deps, me, [choice.result_id]) == 0:
        await refuse(update, context)
        return
    await query.answer()
    card = cards.card_of(query.message)
    await cards.show_outcomes(context, chat_id_of(update), {choice.result_id: card})


async def validate_shown(update: Update, context: CallboardContext) -> None:
    """*Validate all shown*: exactly the results of the page it is under."""
    query = update.callback_query
    assert query
    choice = ValidateShownCb.unpack(query.data)
    me = context.user_account.id
    validated = await results.validate(context.deps, me, choice.result_ids) if choice else 0
    if choice is None or validated == 0:
        await refuse(update, context)
        return
    await query.answer()
    remembered = cards.remembered(context, choice.result_ids)
    await cards.show_outcomes(context, chat_id_of(update), remembered)
    after = max(choice.result_ids)
    later = await context.repos.results.pending_for_company(
        me, choice.mission_id or None, after_id=after, limit=1
    )
    text, markup = screens.validated_shown(
        context.t, validated, choice.mission_id, after, more=bool(later)
    )
    await show_screen(update, context, text, markup)
