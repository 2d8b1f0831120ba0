"""*Reject* on a result's card asks for the reason (the prospector reads it and may dispute
the rejection), then rejects the result and shows the reason on the card."""

from __future__ import annotations

from pydantic import BaseModel
from telegram import Message, Update

from bot.kit.context import CallboardContext
from bot.kit.i18n import key_table
from bot.kit.screens import chat_id_of, refuse
from bot.kit.wizard import Begin, ButtonEntry, Prompt, TextStep, Wizard, text_only
from handlers.review import cards
from handlers.review.cards import Card
from handlers.review.screens import RejectCb
from services import results, validation
from services.results import ReviewOutcome
from storage.models import ResultStatus

_REJECTED = key_table(
    {
        ReviewOutcome.REJECTED: "review.rejected",
        ReviewOutcome.STALE: "review.already_decided",
    }
)


class RejectDraft(BaseModel):
    """A rejection being written: the result, the card its button was on, the reason."""

    result_id: int
    card_message_id: int
    card_is_caption: bool
    reason: str | None = None


REASON = TextStep(
    name="reason",
    field="reason",
    prompt=Prompt("review.ask_reason"),
    parse=text_only(validation.rejection_reason),
)


async def start(update: Update, context: CallboardContext) -> Begin[RejectDraft] | None:
    """Ask the reason only for a result of the company's that still waits."""
    query = update.callback_query
    assert query
    choice = RejectCb.unpack(query.data)
    me = context.user_account.id
    result = await results.company_result(context.deps, me, choice.result_id) if choice else None
    card_message = query.message
    if (
        result is None
        or result.status is not ResultStatus.PENDING
        or not isinstance(card_message, Message)
    ):
        await refuse(update, context)
        return None
    card = cards.card_of(card_message)
    draft = RejectDraft(
        result_id=result.id, card_message_id=card.message_id, card_is_caption=card.caption
    )
    return Begin(draft, lead=context.t("review.rejecting", result_id=result.id))


async def finish(update: Update, context: CallboardContext, draft: RejectDraft) -> bool:
    assert draft.reason is not None
    me, chat_id = context.user_account.id, chat_id_of(update)
    rejected = await results.reject(context.deps, me, draft.result_id, draft.reason)
    text = context.t(_REJECTED[rejected], result_id=draft.result_id)
    await context.bot.send_message(chat_id, text)
    if rejected is ReviewOutcome.REJECTED:
        card = Card(draft.card_message_id, draft.card_is_caption)
        await cards.show_outcomes(context, chat_id, {draft.result_id: card})
    return True


REJECT = Wizard(
    name="reject_result",
    draft=RejectDraft,
    steps=(REASON,),
    entries=(ButtonEntry(RejectCb.matches, start),),
    finish=finish,
    cancelled="review.reject_cancelled",
)
