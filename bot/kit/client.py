"""The bot every handler, guard and the outbox talk to Telegram through, carrying two rules
that would otherwise be repeated (and forgotten) at every call site:

- **A button tap is answered exactly once.** The first answer to a callback query goes to
  Telegram; a later one is dropped and logged, since Telegram would refuse it and the
  handler's real work (or the error handler's apology) would be lost with it. A tap that
  nothing answered gets a plain answer once its update has been handled
  (`answer_left_unanswered`, called by the update processor), so the button stops spinning
  whatever path the update took.
- **An edit that changes nothing succeeds.** Telegram refuses an edit that leaves a message
  as it is ("message is not modified": a repeated tap re-rendering the same screen, a
  keyboard taken away from a message that had none). The text, caption and keyboard edits
  (the only ones the features make) return False then,
  for the few callers that need to know nothing changed (`bot.kit.screens.close_keyboard`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from bot.kit.budget import SendLane

_LOGGER = logging.getLogger(__name__)

# Callback queries remembered as answered. Telegram takes an answer only within seconds of
# the tap, so the newest few thousand ids cover every query still being handled.
ANSWERED_KEPT = 4096


class CallboardBot(ExtBot[SendLane]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answered: OrderedDict[str, None] = OrderedDict()

    async def close_connections(self) -> None:
        """Close the HTTP clients, even if `initialize` did not finish (PTB's `shutdown`
        then does nothing)."""
        await asyncio.gather(*(request.shutdown() for request in self._request))

    def answered(self, callback_query_id: str) -> bool:
        return callback_query_id in self._answered

    async def answer_callback_query(
        self, callback_query_id: str, text: str | None = None, *args: Any, **kwargs: Any
    ) -> bool:
        """Answer a tap, unless it was answered already: then nothing is sent (a text the
        second answer carried is logged, as it never reaches the user)."""
        if self.answered(callback_query_id):
            log = _LOGGER.warning if text else _LOGGER.debug
            log("callback query %s already answered; dropped: %r", callback_query_id, text)
            return True
        self._answered[callback_query_id] = None
        if len(self._answered) > ANSWERED_KEPT:
            self._answered.popitem(last=False)
        return await super().answer_callback_query(callback_query_id, text, *args, **kwargs)

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Message | bool:
        try:
            return await super().edit_message_text(*args, **kwargs)
        except BadRequest as exc:
            return _unchanged(exc)

    async def edit_message_caption(self, *args: Any, **kwargs: Any) -> Message | bool:
        try:
            return await super().edit_message_caption(*args, **kwargs)
        except BadRequest as exc:
            return _unchanged(exc)

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Message | bool:
        try:
            return await super().edit_message_reply_markup(*args, **kwargs)
        except BadRequest as exc:
            return _unchanged(exc)


def message_gone(exc: BadRequest) -> bool:
    """Telegram's refusal to edit a message that no longer exists (the user deleted it)."""
    return "not found" in exc.message.lower()


def _unchanged(exc: BadRequest) -> bool:
    """False for Telegram's "message is not modified"; any other refusal is raised again."""
    if "not modified" not in exc.message.lower():
        raise exc
    return False


async def answer_left_unanswered(update: object) -> None:
    """Answer a tap that nothing answered while its update was handled (a guard stopped it,
    a handler had nothing to say, or an error ended it)."""
    query = update.callback_query if isinstance(update, Update) else None
    if query is None:
        return
    bot = query.get_bot()
    if isinstance(bot, CallboardBot) and bot.answered(query.id):
        return
    try:
        await query.answer()
    except TelegramError as exc:
        # Too late (a redelivered update, a slow start): the spinner has stopped on its own.
        _LOGGER.warning("could not answer callback query %s: %s", query.id, exc)
