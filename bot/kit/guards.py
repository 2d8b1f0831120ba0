"""Checks that run before any feature handler, as TypeHandlers in negative groups.

Each ends with ApplicationHandlerStop when the update must go no further. The dedupe record
and the account load fail closed: when they cannot do their check, the update goes no
further either (see `fail_closed`).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Coroutine, Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.kit.callbacks import CallbackData
from bot.kit.commands import command_name
from bot.kit.context import CallboardApp, CallboardContext
from bot.kit.errors import apologise
from bot.kit.i18n import language_for
from bot.kit.screens import answer_unknown, refuse
from storage.clock import to_db

_LOGGER = logging.getLogger(__name__)

DEDUPE_GROUP = -40
FLOOD_GROUP = -35
ACCOUNT_GROUP = -30
KINDS_GROUP = -28
# After the account is known, before features (see bot.kit.wizard).
WIZARD_GROUP = -25
# After every guard a command goes through (wizards ended, current thread cleared), so an
# admin command from anyone else is answered exactly as an unknown one.
ADMIN_GROUP = -10

BAN_NOTICE_EVERY = timedelta(days=1)

Guard = Callable[[Update, CallboardContext], Coroutine[Any, Any, None]]


class FloodGuard:
    """More than `limit` updates in `window` seconds: one warning, then silence for `mute`.

    Kept in memory: a restart forgives everyone, which is harmless.
    """

    def __init__(self, limit: int = 20, window: float = 10.0, mute: float = 60.0) -> None:
        self.limit, self.window, self.mute = limit, window, mute
        self._recent: defaultdict[int, deque[float]] = defaultdict(deque)
        self._muted_until: dict[int, float] = {}

    def check(self, user_id: int, now: float) -> str:
        """'ok', 'warn' (first update over the limit) or 'drop'."""
        if self._muted_until.get(user_id, 0.0) > now:
            return "drop"
        self._muted_until.pop(user_id, None)
        recent = self._recent[user_id]
        recent.append(now)
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) <= self.limit:
            return "ok"
        recent.clear()
        self._muted_until[user_id] = now + self.mute
        return "warn"


async def skip_processed(update: Update, context: CallboardContext) -> None:
    async with context.db.transaction() as tx:
        first_time = await context.repos.inbox.claim(tx, update.update_id)
    if not first_time:
        _LOGGER.info("update %s already processed; ignored", update.update_id)
        raise ApplicationHandlerStop


def make_flood_check(guard: FloodGuard) -> Guard:
    async def limit_flood(update: Update, context: CallboardContext) -> None:
        user = update.effective_user
        if user is None:
            return
        verdict = guard.check(user.id, time.monotonic())
        if verdict == "ok":
            return
        if verdict == "warn" and update.effective_chat:
            t = context.services.catalogs.for_code(user.language_code)
            await context.bot.send_message(update.effective_chat.id, t("guard.flood"))
        raise ApplicationHandlerStop

    return limit_flood


async def load_account(update: Update, context: CallboardContext) -> None:
    """Refresh the sender's row, stop anything outside private chats and from banned users."""
    chat, user = update.effective_chat, update.effective_user
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        raise ApplicationHandlerStop
    async with context.db.transaction() as tx:
        account = await context.repos.users.seen(
            tx,
            user.id,
            first_name=user.first_name,
            username=user.username,
            language=language_for(user.language_code, context.settings.default_language),
        )
        notify_ban = account.is_banned and await context.repos.users.claim_ban_notice(
            tx, user.id, to_db(context.clock.now() - BAN_NOTICE_EVERY)
        )
    context.account = account
    if not account.is_banned:
        return
    if update.callback_query:
        await update.callback_query.answer()
    if notify_ban:
        await context.bot.send_message(chat.id, context.t("guard.banned"))
    raise ApplicationHandlerStop


def fail_closed(guard: Guard) -> Guard:
    """The guard, stopping the update when it raises (database locked past its busy timeout,
    disk full): PTB would otherwise report the error and run the next groups, so the features
    would act on an update never recorded (acting again when it is redelivered) or from an
    account never checked. The user gets one apology here; the error handler never sees the
    error, so it adds none."""

    async def checked(update: Update, context: CallboardContext) -> None:
        try:
            await guard(update, context)
        except ApplicationHandlerStop:
            raise
        except Exception as exc:
            _LOGGER.exception("update %s stopped: %s failed", update.update_id, guard.__name__)
            # An apology would not reach a user Telegram just refused.
            if not isinstance(exc, TelegramError):
                await apologise(update, context)
            raise ApplicationHandlerStop from None

    return checked


async def handled_kinds_only(update: Update, context: CallboardContext) -> None:
    """Features handle messages and button taps, nothing else. An edited message is not read
    again (its first version was; an edited /start must not start over): the user is told to
    send the correction as a new message. Other kinds (reactions, chat member changes…) are
    dropped without a word."""
    if update.message is not None or update.callback_query is not None:
        return
    if update.edited_message is not None and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, context.t("guard.edited"))
    raise ApplicationHandlerStop


def admins_only(commands: Collection[str], buttons: Sequence[type[CallbackData]]) -> Guard:
    """The admins' commands and buttons, from anyone else: a command is answered as one
    that does not exist, a button as a stale one, and neither goes further. One rule for
    every admin feature, so none can forget the check."""

    async def turn_away(update: Update, context: CallboardContext) -> None:
        account = context.account
        if account is None or context.is_admin(account.id):
            return
        query = update.callback_query
        if query is not None and any(kind.matches(query.data) for kind in buttons):
            await refuse(update, context)
            raise ApplicationHandlerStop
        if command_name(update) in commands:
            await answer_unknown(update, context)
            raise ApplicationHandlerStop

    return turn_away


def register(application: CallboardApp, flood_guard: FloodGuard) -> None:
    application.add_handler(TypeHandler(Update, fail_closed(skip_processed)), group=DEDUPE_GROUP)
    application.add_handler(TypeHandler(Update, make_flood_check(flood_guard)), group=FLOOD_GROUP)
    application.add_handler(TypeHandler(Update, fail_closed(load_account)), group=ACCOUNT_GROUP)
    application.add_handler(TypeHandler(Update, handled_kinds_only), group=KINDS_GROUP)
