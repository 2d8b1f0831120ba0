"""Wizards (persistent ConversationHandlers) and the rule that only one runs at a time.

A wizard left half-way must not swallow what the user does next: a command (other than
/help and /cancel) or a button that starts another wizard — or that turns to a thread —
abandons every wizard it does not start. And a Telegram reply to a thread's message is
meant for that thread, so wizards do not take it as an answer.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Message, Update
from telegram.ext import BaseHandler, ConversationHandler, filters
from telegram.warnings import PTBUserWarning

from bot.kit.callbacks import ThreadReplyCb
from bot.kit.context import CallboardContext

# Our wizards are per (chat, user), not per message, which is what PTB warns about when a
# ConversationHandler has CallbackQueryHandlers.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)

# Commands that leave a running wizard alone: help is read-only, language only changes how
# the next questions are worded, cancel is the wizard's own.
KEEPS_WIZARDS = frozenset({"help", "language", "cancel"})


class _ReplyToThread(filters.MessageFilter):
    """A reply to one of our thread messages (they carry a thread's Reply button)."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        markup = replied.reply_markup if replied else None
        return markup is not None and any(
            ThreadReplyCb.matches(key.callback_data)
            for row in markup.inline_keyboard
            for key in row
        )


REPLY_TO_THREAD = _ReplyToThread(name="REPLY_TO_THREAD")
# What a wizard's text step accepts as an answer.
ANSWER_TEXT = filters.TEXT & ~filters.COMMAND & ~REPLY_TO_THREAD
ANSWER_OTHER = ~filters.COMMAND & ~filters.StatusUpdate.ALL & ~REPLY_TO_THREAD


class Wizard(ConversationHandler[CallboardContext]):
    """A persistent conversation whose draft lives in user_data under `draft_keys`."""

    def __init__(self, *, draft_keys: Sequence[str], **kwargs: Any) -> None:
        super().__init__(persistent=True, allow_reentry=True, **kwargs)
        self.draft_keys = tuple(draft_keys)

    def starts(self, update: Update) -> bool:
        return any(_matches(handler, update) for handler in self.entry_points)

    def abandon(self, update: Update, user_data: dict[str, Any]) -> None:
        """End this wizard for the update's user, dropping its draft."""
        key = self._get_key(update)
        if key in self._conversations:
            self._update_state(self.END, key)
        for draft_key in self.draft_keys:
            user_data.pop(draft_key, None)


def _matches(handler: BaseHandler[Update, Any, Any], update: Update) -> bool:
    return handler.check_update(update) not in (None, False)


def one_wizard_at_a_time(
    wizards: Sequence[Wizard], diversions: Sequence[BaseHandler[Update, Any, Any]]
) -> Callable[[Update, CallboardContext], Coroutine[Any, Any, None]]:
    """A guard callback: on a command or a wizard-starting (or diverting) button, end the
    wizards that this update does not start."""

    async def switch(update: Update, context: CallboardContext) -> None:
        if context.user_data is None or not _turns_elsewhere(update, wizards, diversions):
            return
        for wizard in wizards:
            if not wizard.starts(update):
                wizard.abandon(update, context.user_data)

    return switch


def _turns_elsewhere(
    update: Update, wizards: Sequence[Wizard], diversions: Sequence[BaseHandler[Update, Any, Any]]
) -> bool:
    message = update.message
    if message is not None and message.text and filters.COMMAND.check_update(update):
        command = message.text[1:].split(maxsplit=1)[0].split("@")[0].lower()
        return command not in KEEPS_WIZARDS
    if update.callback_query is None:
        return False
    return any(w.starts(update) for w in wizards) or any(
        _matches(handler, update) for handler in diversions
    )
