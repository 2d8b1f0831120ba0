"""The one error handler: log with the update id, apologise, keep running. A button tap it
leaves to the rule that answers every tap once (bot.kit.client): the handler may have
answered it before it failed, and the apology must not depend on that."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.kit.context import CallboardContext

_LOGGER = logging.getLogger(__name__)


async def on_error(update: object, context: CallboardContext) -> None:
    if not isinstance(update, Update):
        _LOGGER.error("error outside an update", exc_info=context.error)
        return
    _LOGGER.error("error while handling update %s", update.update_id, exc_info=context.error)
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != chat.PRIVATE:
        return
    t = (
        context.t
        if context.account
        else context.services.catalogs.for_code(user.language_code if user else None)
    )
    try:
        await context.bot.send_message(chat.id, t("error.unexpected"))
    except TelegramError as exc:
        _LOGGER.warning("could not apologise for update %s: %s", update.update_id, exc)
