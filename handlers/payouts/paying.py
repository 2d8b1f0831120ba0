"""*Mark as paid* (on a statement, a reminder or /payouts) asks the company's payment
reference, then marks the statement paid: its reminders stop and the prospector is asked
to confirm the receipt."""

from __future__ import annotations

from pydantic import BaseModel
from telegram import Update

from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of, refuse
from bot.kit.wizard import Begin, ButtonEntry, Prompt, TextStep, Wizard, text_only
from handlers.payouts import screens
from handlers.payouts.screens import MarkPaidCb
from services import payouts, validation
from storage.models import StatementStatus


class PaymentDraft(BaseModel):
    """A payment being recorded: the statement and the company's reference for it."""

    statement_id: int
    number: str
    reference: str | None = None


REFERENCE = TextStep(
    name="reference",
    field="reference",
    prompt=Prompt("payouts.ask_reference"),
    parse=text_only(validation.payment_reference),
)


async def start(update: Update, context: CallboardContext) -> Begin[PaymentDraft] | None:
    """Ask the reference only for a statement of the company's that is still due."""
    query = update.callback_query
    assert query
    choice = MarkPaidCb.unpack(query.data)
    me = context.user_account.id
    statement = (
        await payouts.company_statement(context.deps, me, choice.statement_id) if choice else None
    )
    if statement is None:
        await refuse(update, context)
        return None
    if statement.status is not StatementStatus.DUE:
        await refuse(update, context, "payouts.already_paid_alert")
        return None
    draft = PaymentDraft(statement_id=statement.id, number=statement.number)
    return Begin(draft, lead=screens.marking(context.t, statement))


async def finish(update: Update, context: CallboardContext, draft: PaymentDraft) -> bool:
    assert draft.reference is not None
    me = context.user_account.id
    paid = await payouts.mark_paid(context.deps, me, draft.statement_id, draft.reference)
    text = context.t(screens.PAID_OUTCOMES[paid], number=draft.number, reference=draft.reference)
    await context.bot.send_message(chat_id_of(update), text)
    return True


MARK_PAID = Wizard(
    name="mark_paid",
    draft=PaymentDraft,
    steps=(REFERENCE,),
    entries=(ButtonEntry(MarkPaidCb.matches, start),),
    finish=finish,
    cancelled="payouts.mark_cancelled",
)
