"""Rate offers in threads: *Make an offer*, *Propose another rate* (from a mission's
details) and *Counter* ask for an amount per result; *Accept* and *Decline* answer the
latest pending offer. An action that cannot succeed is refused before anything is asked."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel
from telegram import Update

from bot.kit.callbacks import ProposeRateCb, ThreadOfferCb
from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of, close_with_outcome, refuse
from bot.kit.wizard import Begin, ButtonEntry, Prompt, TextStep, Wizard
from handlers.threads import screens
from handlers.threads.screens import OfferAcceptCb, OfferCounterCb, OfferDeclineCb
from handlers.threads.talk import member_thread_or_refuse
from services import threads
from services.money import is_ambiguous_amount, parse_amount
from services.validation import Invalid
from storage.models import Role, Thread


def _refusal(context: CallboardContext, refused: threads.Refused) -> str:
    return screens.refusal_key(refused, company=context.user_account.role is Role.COMPANY)


class OfferDraft(BaseModel):
    """An offer being typed: the thread it goes to, and its amount per result."""

    thread_id: int
    amount_cents: int | None = None


def _amount(text: str, context: CallboardContext) -> int:
    cents = parse_amount(text)
    if cents is None and is_ambiguous_amount(text):
        raise Invalid("invalid.amount_ambiguous", amount=text.strip())
    settings = context.settings
    if cents is None or not settings.min_rate <= cents <= settings.max_rate:
        raise Invalid("offer.invalid_amount")
    return cents


def _bounds(context: CallboardContext) -> Mapping[str, object]:
    t, settings = context.t, context.settings
    return {"min": t.money(settings.min_rate), "max": t.money(settings.max_rate)}


AMOUNT = TextStep(
    name="amount", field="amount_cents", prompt=Prompt("offer.ask_amount"), parse=_amount
)


async def offer_button(update: Update, context: CallboardContext) -> Begin[OfferDraft] | None:
    """*Make an offer* under a thread message."""
    assert update.callback_query
    data = ThreadOfferCb.unpack(update.callback_query.data)
    thread = await member_thread_or_refuse(update, context, data.thread_id if data else None)
    return await _begin(update, context, thread) if thread else None


async def counter_button(update: Update, context: CallboardContext) -> Begin[OfferDraft] | None:
    """*Counter* under an offer: only the latest pending one made to the user."""
    assert update.callback_query
    data = OfferCounterCb.unpack(update.callback_query.data)
    me = context.user_account.id
    tapped = await threads.offer_to(context.deps, me, data.offer_id) if data else None
    if tapped is None:
        await refuse(update, context)
        return None
    offer, thread = tapped
    refusal = threads.offer_state_refusal(offer)
    if refusal is not None:
        await refuse(update, context, _refusal(context, refusal))
        return None
    return await _begin(update, context, thread)


async def propose_button(update: Update, context: CallboardContext) -> Begin[OfferDraft] | None:
    """*Propose another rate* on a mission's details: open the thread, ask the amount."""
    assert update.callback_query
    data = ProposeRateCb.unpack(update.callback_query.data)
    if data is None or context.user_account.role is not Role.PROSPECTOR:
        await refuse(update, context)
        return None
    opened = await threads.open_for_mission(
        context.deps, context.user_account.id, data.mission_id, to_offer=True
    )
    if not isinstance(opened, Thread):
        await refuse(update, context, _refusal(context, opened))
        return None
    return await _begin(update, context, opened)


async def _begin(
    update: Update, context: CallboardContext, thread: Thread
) -> Begin[OfferDraft] | None:
    """Ask the amount only if an offer can be made in the thread now."""
    refusal = await threads.offer_refusal(context.deps, thread)
    if refusal is not None:
        await refuse(update, context, _refusal(context, refusal))
        return None
    return Begin(OfferDraft(thread_id=thread.id))


async def send_offer(update: Update, context: CallboardContext, draft: OfferDraft) -> bool:
    assert draft.amount_cents is not None
    me = context.user_account.id
    chat_id = chat_id_of(update)
    thread = await threads.member_thread(context.deps, me, draft.thread_id)
    if thread is None:
        await context.bot.send_message(chat_id, context.t("stale_action"))
        return True
    refusal = await threads.make_offer(context.deps, me, thread, draft.amount_cents)
    key = _refusal(context, refusal) if refusal else "offer.sent"
    await context.bot.send_message(
        chat_id, context.t(key, rate=context.t.money(draft.amount_cents))
    )
    return True


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
        await refuse(update, context, _refusal(context, answered.refusal))
        return
    await query.answer()
    key = "offer.done_accepted" if accept else "offer.done_declined"
    rate = context.t.money(answered.offer.amount_cents)
    outcome = context.t(key, rate=rate)
    # Without a keyboard to trade for it (a button forged onto another message), the outcome
    # comes as a message of its own: what was decided is always on screen.
    if not await close_with_outcome(update, outcome):
        await context.bot.send_message(chat_id_of(update), outcome)


OFFER = Wizard(
    name="offer",
    draft=OfferDraft,
    steps=(AMOUNT,),
    entries=(
        ButtonEntry(ThreadOfferCb.matches, offer_button),
        ButtonEntry(OfferCounterCb.matches, counter_button),
        ButtonEntry(ProposeRateCb.matches, propose_button),
    ),
    finish=send_offer,
    cancelled="offer.cancelled",
    shared=_bounds,
)
