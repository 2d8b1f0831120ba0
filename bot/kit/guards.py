"""Checks that run before any feature handler, as TypeHandlers in negative groups.

Each ends with ApplicationHandlerStop when the update must go no further. The admission (the
dedupe record, the flood check and the account load, in one transaction) fails closed: when
it cannot do its checks, the update goes no further either (see `fail_closed`).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
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
from storage.database import SyncTransaction
from storage.models import User

_LOGGER = logging.getLogger(__name__)

ADMISSION_GROUP = -40
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


class Verdict(StrEnum):
    PROCESS = "process"
    DUPLICATE = "duplicate"
    FLOOD_WARN = "flood warn"
    FLOOD_DROP = "flood drop"
    # Not from a person in a private chat: features never see it.
    ELSEWHERE = "elsewhere"


@dataclass(frozen=True)
class Admission:
    """What the admission's transaction decided; `account` only when the update goes on
    to the features (or is turned away as a banned user's)."""

    verdict: Verdict
    account: User | None = None
    notify_ban: bool = False


def make_admission(flood: FloodGuard) -> Guard:
    """The guards that write, as one unit of work (`Database.write`): the
    dedupe record (the update's inbox row is claimed), the flood check (in memory), then the
    sender's row refreshed (and, when banned, the day's ban notice claimed). Each check runs
    only if the one before let the update through, as separate guards would; written
    together, an update costs one write transaction here instead of two.

    The flood guard is consulted only inside that unit, which runs without yielding to the
    event loop, so two updates never consult it at once."""

    async def admit(update: Update, context: CallboardContext) -> None:
        repos = context.repos
        update_id, user, chat = update.update_id, update.effective_user, update.effective_chat
        now = time.monotonic()
        language = language_for(
            user.language_code if user else None, context.settings.default_language
        )
        ban_notice_not_since = to_db(context.clock.now() - BAN_NOTICE_EVERY)

        def record(tx: SyncTransaction) -> Admission:
            if not repos.inbox.claim(tx, update_id):
                return Admission(Verdict.DUPLICATE)
            if user is None:
                return Admission(Verdict.ELSEWHERE)
            flood_verdict = flood.check(user.id, now)
            if flood_verdict != "ok":
                return Admission(
                    Verdict.FLOOD_WARN if flood_verdict == "warn" else Verdict.FLOOD_DROP
                )
            if chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
                return Admission(Verdict.ELSEWHERE)
            account = repos.users.seen(
                tx, user.id, first_name=user.first_name, username=user.username, language=language
            )
            notify_ban = account.is_banned and repos.users.claim_ban_notice(
                tx, user.id, ban_notice_not_since
            )
            return Admission(Verdict.PROCESS, account, notify_ban)

        admission = await context.db.write(record)
        await _act_on(admission, update, context)

    return admit


async def _act_on(admission: Admission, update: Update, context: CallboardContext) -> None:
    """Stop the update unless the admission let it through; say what the user must hear."""
    chat = update.effective_chat
    if admission.verdict == Verdict.DUPLICATE:
        _LOGGER.info("update %s already processed; ignored", update.update_id)
    elif admission.verdict == Verdict.FLOOD_WARN and chat is not None:
        user = update.effective_user
        t = context.services.catalogs.for_code(user.language_code if user else None)
        await context.bot.send_message(chat.id, t("guard.flood"))
    if admission.account is None:
        raise ApplicationHandlerStop
    context.account = admission.account
    if not admission.account.is_banned:
        return
    if update.callback_query:
        await update.callback_query.answer()
    if admission.notify_ban and chat is not None:
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
    admission = fail_closed(make_admission(flood_guard))
    application.add_handler(TypeHandler(Update, admission), group=ADMISSION_GROUP)
    application.add_handler(TypeHandler(Update, handled_kinds_only), group=KINDS_GROUP)
