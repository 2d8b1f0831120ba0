"""Rate offers in threads: *Make an offer*, *Propose another rate* (from a mission's
details) and *Counter* ask for an amount per result; *Accept* and *Decline* answer the
latest pending offer. An action that cannot succeed is refused before anything is asked."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.kit.callbacks import ProposeRateCb, ThreadOfferCb
from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of, refuse, text_expected
from bot.kit.wizard import ANSWER_OTHER, ANSWER_TEXT, Wizard
from handlers.threads import screens
from handlers.threads.screens import OfferAcceptCb, OfferCounterCb, OfferDeclineCb
from services import threads
from services.money import parse_amount
from storage.models import Role, Thread

END = ConversationHandler.END
AMOUNT = "offer_amount"
DRAFT = "offer_thread"


async def offer_button(update: Update, context: CallboardContext) -> object:
    """*Make an offer* under a thread message."""
    assert update.callback_query
    data = ThreadOfferCb.unpack(update.callback_query.data)
    me = context.user_account.id
    thread = await threads.member_thread(context.deps, me, data.thread_id) if data else None
    if thread is None:
        await refuse(update, context)
        return END
    return await _ask_amount(update, context, thread)


async def counter_button(update: Update, context: CallboardContext) -> object:
    """*Counter* under an offer: only the latest pending one made to the user."""
    assert update.callback_query
    data = OfferCounterCb.unpack(update.callback_query.data)
    tapped = (
        await threads.offer_to(context.deps, context.user_account.id, data.offer_id)
        if data
        else None
    )
    if tapped is None:
        await refuse(update, context)
        return END
    offer, thread = tapped
    refusal = threads.offer_state_refusal(offer)
    if refusal is not None:
        await refuse(update, context, screens.REFUSALS[refusal])
        return END
    return await _ask_amount(update, context, thread)


async def propose_button(update: Update, context: CallboardContext) -> object:
    """*Propose another rate* on a mission's details: open the thread, ask the amount."""
    assert update.callback_query
    data = ProposeRateCb.unpack(update.callback_query.data)
    if data is None or context.user_account.role is not Role.PROSPECTOR:
        await refuse(update, context)
        return END
    opened = await threads.open_for_mission(
        context.deps, context.user_account.id, data.mission_id, to_offer=True
    )
    if not isinstance(opened, Thread):
        await refuse(update, context, screens.REFUSALS[opened])
        return END
    return await _ask_amount(update, context, opened)


async def _ask_amount(update: Update, context: CallboardContext, thread: Thread) -> object:
    refusal = await threads.offer_refusal(context.deps, thread)
    if refusal is not None:
        await refuse(update, context, screens.REFUSALS[refusal])
        return END
    if update.callback_query:
        await update.callback_query.answer()
    assert context.user_data is not None
    context.user_data[DRAFT] = thread.id
    t, settings = context.t, context.settings
    text = t("offer.ask_amount", min=t.money(settings.min_rate), max=t.money(settings.max_rate))
    await context.bot.send_message(chat_id_of(update), text)
    return AMOUNT


async def amount_text(update: Update, context: CallboardContext) -> object:
    message = update.message
    assert message and message.text is not None and context.user_data is not None
    t, settings = context.t, context.settings
    cents = parse_amount(message.text)
    if cents is None or not settings.min_rate <= cents <= settings.max_rate:
        text = t(
            "offer.invalid_amount", min=t.money(settings.min_rate), max=t.money(settings.max_rate)
        )
        await message.reply_text(text)
        return None
    me = context.user_account.id
    thread_id = int(context.user_data.pop(DRAFT, 0))
    thread = await threads.member_thread(context.deps, me, thread_id)
    if thread is None:
        await refuse(update, context)
        return END
    refusal = await threads.make_offer(context.deps, me, thread, cents)
    key = screens.REFUSALS[refusal] if refusal else "offer.sent"
    await message.reply_text(t(key, rate=t.money(cents)))
    return END


async def cancel(update: Update, context: CallboardContext) -> object:
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    await context.bot.send_message(chat_id_of(update), context.t("offer.cancelled"))
    return END


async def answer_button(update: Update, context: CallboardContext) -> None:
    """*Accept* or *Decline* under an offer."""
    query = update.callback_query
    assert query
    accept = OfferAcceptCb.unpack(query.data)
    chosen = accept or OfferDeclineCb.unpack(query.data)
    answered = (
        await threads.answer_offer(
            context.deps, context.user_account.id, chosen.offer_id, accept=accept is not None
        )
        if chosen
        else None
    )
    if answered is None:
        await refuse(update, context)
        return
    if answered.refusal is not None:
        await refuse(update, context, screens.REFUSALS[answered.refusal])
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.edit_message_reply_markup(None)
    key = "offer.done_accepted" if accept else "offer.done_declined"
    rate = context.t.money(answered.offer.amount_cents)
    await context.bot.send_message(chat_id_of(update), context.t(key, rate=rate))


def wizard() -> Wizard:
    return Wizard(
        entry_points=[
            CallbackQueryHandler(offer_button, pattern=ThreadOfferCb.matches),
            CallbackQueryHandler(counter_button, pattern=OfferCounterCb.matches),
            CallbackQueryHandler(propose_button, pattern=ProposeRateCb.matches),
        ],
        states={
            AMOUNT: [
                MessageHandler(ANSWER_TEXT, amount_text),
                MessageHandler(ANSWER_OTHER, text_expected),
            ]
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="offer",
        draft_keys=(DRAFT,),
    )
