"""Disputing a rejection: *Dispute* under the rejection notice asks the prospector's
explanation, then the admins are told. A result that can no longer be disputed (someone
else's, already disputed, its window over) is refused before anything is asked."""

from __future__ import annotations

from telegram import Update

from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of, refuse
from bot.kit.wizard import Begin, ButtonEntry, Prompt, TextStep, Wizard, text_only
from handlers.results import screens
from handlers.results.drafts import DisputeDraft
from handlers.results.screens import DisputeCb
from services import results, validation

EXPLANATION = TextStep(
    name="explanation",
    field="explanation",
    prompt=Prompt("ask.dispute"),
    parse=text_only(validation.dispute_explanation),
)


async def dispute_button(update: Update, context: CallboardContext) -> Begin[DisputeDraft] | None:
    assert update.callback_query
    data = DisputeCb.unpack(update.callback_query.data)
    me = context.user_account.id
    result = await results.own_rejected(context.deps, me, data.result_id) if data else None
    if result is None:
        await refuse(update, context)
        return None
    refusal = await results.dispute_refusal(context.deps, result)
    if refusal is not None:
        key = screens.DISPUTE_OUTCOMES[refusal]
        await refuse(update, context, key)
        return None
    lead = context.t(
        "dispute.intro",
        result_id=result.id,
        mission_id=result.mission_id,
        reason=result.reason or "",
    )
    return Begin(DisputeDraft(result_id=result.id), lead=lead)


async def send_dispute(update: Update, context: CallboardContext, draft: DisputeDraft) -> bool:
    assert draft.explanation is not None
    outcome = await results.dispute(
        context.deps, context.user_account.id, draft.result_id, draft.explanation
    )
    key = screens.DISPUTE_OUTCOMES[outcome]
    await context.bot.send_message(chat_id_of(update), context.t(key, result_id=draft.result_id))
    return True


DISPUTE = Wizard(
    name="dispute",
    draft=DisputeDraft,
    steps=(EXPLANATION,),
    entries=(ButtonEntry(DisputeCb.matches, dispute_button),),
    finish=send_dispute,
    cancelled="dispute.cancelled",
)
