"""A screen whose *Cancel* button is live after its wizard ended (a broadcast's preview):
remembered so that /cancel drops it as the button would, rather than answering that there is
nothing to cancel while the button is still there."""

from __future__ import annotations

from telegram import Message
from telegram.error import BadRequest

from bot.kit.client import message_gone
from bot.kit.context import CallboardContext

_PENDING = "pending_cancel"


def offer_cancel(context: CallboardContext, message: Message, dropped_key: str) -> None:
    """`message` has a *Cancel* button; /cancel takes its buttons away and says `dropped_key`."""
    assert context.user_data is not None
    context.user_data[_PENDING] = {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "dropped": dropped_key,
    }


def settled(context: CallboardContext, message_id: int) -> None:
    """The buttons of the screen `message_id` were used: if it was the pending one, /cancel
    has nothing left to drop."""
    assert context.user_data is not None
    pending = context.user_data.get(_PENDING)
    if isinstance(pending, dict) and pending.get("message_id") == message_id:
        del context.user_data[_PENDING]


async def drop_pending(context: CallboardContext) -> str | None:
    """Take the pending screen's buttons away; the key of what to say, or None if none was
    pending. A screen the user deleted meanwhile is dropped all the same."""
    assert context.user_data is not None
    pending = context.user_data.pop(_PENDING, None)
    if not isinstance(pending, dict):
        return None
    try:
        await context.bot.edit_message_reply_markup(
            pending["chat_id"], pending["message_id"], reply_markup=None
        )
    except BadRequest as exc:
        if not message_gone(exc):
            raise
    return str(pending["dropped"])
