"""*Confirm receipt* / *Nothing arrived* under a paid statement's notice: the prospector's
word is recorded once (nothing arrived alerts the admins) and the notice shows it in place
of the buttons."""

from __future__ import annotations

from telegram import Message, Update

from bot.kit.context import CallboardContext
from bot.kit.screens import refuse, replace_text
from handlers.payouts import screens
from handlers.payouts.screens import ReceiptCb
from services import payouts
from services.payouts import ReceiptOutcome


async def record(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    choice = ReceiptCb.unpack(query.data)
    if choice is None:
        await refuse(update, context)
        return
    me = context.user_account.id
    recorded = await payouts.record_receipt(context.deps, me, choice.statement_id, choice.receipt)
    statement = await context.repos.statements.get(choice.statement_id)
    if recorded is not ReceiptOutcome.RECORDED or statement is None:
        await refuse(update, context, screens.RECEIPT_REFUSALS[recorded])
        return
    await query.answer()
    text = screens.receipt_recorded(context.t, statement, choice.receipt)
    if isinstance(query.message, Message):
        message = query.message
        await replace_text(context, message.chat.id, message.message_id, text, caption=False)
