"""/ban <user id or P-code> [reason] and /unban <user id or P-code>: the admin is told who
was concerned and what the ban affected (see services.moderation for the rules)."""

from __future__ import annotations

from telegram import Update

from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of
from handlers.admin import screens
from services import moderation, validation
from services.validation import Invalid


async def ban(update: Update, context: CallboardContext) -> None:
    args = context.args or []
    if not args:
        await _say(update, context, context.t("ban.usage"))
        return
    try:
        ref = validation.user_ref(args[0])
        reason = validation.ban_reason(" ".join(args[1:])) if args[1:] else None
    except Invalid as invalid:
        await _say(update, context, context.t(invalid.key, **invalid.values))
        return
    done = await moderation.ban(context.deps, context.user_account.id, ref, reason)
    await _say(update, context, screens.moderated(context.t, done, args[0]))


async def unban(update: Update, context: CallboardContext) -> None:
    args = context.args or []
    if len(args) != 1:
        await _say(update, context, context.t("unban.usage"))
        return
    try:
        ref = validation.user_ref(args[0])
    except Invalid as invalid:
        await _say(update, context, context.t(invalid.key, **invalid.values))
        return
    done = await moderation.unban(context.deps, context.user_account.id, ref)
    await _say(update, context, screens.moderated(context.t, done, args[0]))


async def _say(update: Update, context: CallboardContext, text: str) -> None:
    await context.bot.send_message(chat_id_of(update), text)
