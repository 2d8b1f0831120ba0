"""*Validate* or *Keep rejected* on a dispute asks the admin for a note (both sides read
it, with the admin's name), then decides. The rules decide a dispute once: an admin who
comes second is told who decided and what."""

from __future__ import annotations

from pydantic import BaseModel
from telegram import Message, Update

from bot.kit.context import CallboardContext
from bot.kit.i18n import Html, key_table
from bot.kit.screens import chat_id_of, refuse, replace_text
from bot.kit.wizard import Begin, ButtonEntry, Prompt, TextStep, Wizard, text_only
from handlers.admin import screens
from handlers.admin.disputes import view_of
from handlers.admin.screens import DecideCb
from services import results, validation
from services.results import DecisionOutcome
from storage.models import Dispute, DisputeStatus

_DECISION = key_table(
    {
        DecisionOutcome.DECIDED: "dispute.decided",
        DecisionOutcome.ALREADY_DECIDED: "dispute.already_decided",
    }
)


class DecisionDraft(BaseModel):
    """A decision being written: the dispute, which way, the card it was taken from, the
    note."""

    dispute_id: int
    validated: bool
    card_message_id: int
    note: str | None = None


NOTE = TextStep(
    name="note",
    field="note",
    prompt=Prompt("dispute.ask_note"),
    parse=text_only(validation.decision_note),
)


async def start(update: Update, context: CallboardContext) -> Begin[DecisionDraft] | None:
    """Ask the note only of an admin, and only while the dispute is open."""
    query = update.callback_query
    assert query
    choice = DecideCb.unpack(query.data)
    dispute = await context.repos.disputes.get(choice.dispute_id) if choice else None
    card = query.message
    if choice is None or dispute is None or not isinstance(card, Message):
        await refuse(update, context)
        return None
    if dispute.status is not DisputeStatus.OPEN:
        await refuse(update, context, "dispute.already_decided_alert")
        return None
    validated = choice.verdict == "validate"
    lead_key = "dispute.deciding_validate" if validated else "dispute.deciding_keep"
    draft = DecisionDraft(
        dispute_id=dispute.id, validated=validated, card_message_id=card.message_id
    )
    return Begin(draft, lead=context.t(lead_key, result_id=dispute.result_id))


async def finish(update: Update, context: CallboardContext, draft: DecisionDraft) -> bool:
    assert draft.note is not None
    chat_id = chat_id_of(update)
    decided = await results.decide_dispute(
        context.deps,
        context.user_account.id,
        draft.dispute_id,
        validate=draft.validated,
        note=draft.note,
    )
    dispute = await context.repos.disputes.get(draft.dispute_id)
    if decided is DecisionOutcome.NOT_ALLOWED or dispute is None:
        await context.bot.send_message(chat_id, context.t("stale_action"))
        return True
    line = await _verdict_of(context, dispute)
    await context.bot.send_message(chat_id, context.t(_DECISION[decided], outcome=line))
    view = await view_of(context, dispute)
    if view is not None:
        text = screens.decided_card(context.t, view, line)
        await replace_text(context, chat_id, draft.card_message_id, text, caption=False)
    return True


async def _verdict_of(context: CallboardContext, dispute: Dispute) -> Html:
    """What was decided and by whom: this admin's decision, or the one that came first."""
    admin = await context.repos.users.get(dispute.decided_by) if dispute.decided_by else None
    name = admin.first_name if admin else "?"
    return screens.verdict(context.t, dispute.status, name, dispute.note or "")


DECISION = Wizard(
    name="decide_dispute",
    draft=DecisionDraft,
    steps=(NOTE,),
    entries=(ButtonEntry(DecideCb.matches, start),),
    finish=finish,
    cancelled="dispute.decision_cancelled",
)
