"""Messages for users other than the one acting: rendered in the recipient's language and
queued in the outbox inside the caller's transaction."""

from __future__ import annotations

from bot.kit.context import CallboardContext
from bot.kit.i18n import Translator
from bot.kit.outbox import enqueue_message
from storage.database import Transaction


async def translator_for(context: CallboardContext, tx: Transaction, user_id: int) -> Translator:
    """A translator in another user's language."""
    user = await context.repos.users.get(user_id, tx)
    return context.translator(user.language if user else context.settings.default_language)


async def notify(
    context: CallboardContext, tx: Transaction, user_id: int, key: str, **values: object
) -> None:
    """Queue `key` for another user, in their language. A value may be a function of the
    recipient's translator (e.g. money, formatted for their locale)."""
    t = await translator_for(context, tx, user_id)
    rendered = {k: v(t) if callable(v) else v for k, v in values.items()}
    await enqueue_message(context.repos.outbox, tx, user_id, t(key, **rendered))
