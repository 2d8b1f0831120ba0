"""Writing into threads. Where a message goes: a Telegram reply to a relayed message goes
to that message's thread; otherwise to the *current* thread, set by the *Reply* button
(or *Ask a question*, or opening a thread) and cleared by any command."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import filters

from bot.kit.callbacks import AskQuestionCb, ThreadReplyCb
from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of, refuse, thread_in_markup
from handlers.threads import screens
from services import threads
from storage.models import MessageKind, Role, Thread

_LOGGER = logging.getLogger(__name__)

CURRENT_THREAD = "current_thread"
# The receipt set on a message relayed whole: a reaction is no message, so it costs nothing
# against Telegram's 30 messages a second and leaves the chat as it was (docs/threads.md).
RECEIPT = "👍"
# Runs before the features: any command ends writing into the current thread.
CLEAR_CURRENT_GROUP = -20

_MEDIA = {
    "photo": MessageKind.PHOTO,
    "document": MessageKind.DOCUMENT,
    "voice": MessageKind.VOICE,
    "audio": MessageKind.AUDIO,
    "video": MessageKind.VIDEO,
}
RELAYED = (
    filters.TEXT
    | filters.PHOTO
    | filters.Document.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
) & ~filters.COMMAND


async def member_thread_or_refuse(
    update: Update, context: CallboardContext, thread_id: int | None
) -> Thread | None:
    """The thread a tapped button names, if the user is one of its sides; else say no."""
    me = context.user_account.id
    thread = await threads.member_thread(context.deps, me, thread_id) if thread_id else None
    if thread is None:
        await refuse(update, context)
    return thread


def set_current(context: CallboardContext, thread: Thread) -> None:
    assert context.user_data is not None
    context.user_data[CURRENT_THREAD] = thread.id


async def clear_current_thread(update: Update, context: CallboardContext) -> None:
    if filters.COMMAND.check_update(update) and context.user_data is not None:
        context.user_data.pop(CURRENT_THREAD, None)


async def relay(update: Update, context: CallboardContext) -> None:
    message = update.message
    assert message
    thread = await _thread_for(message, context)
    if thread is None:
        hint = "thread.no_context" if context.user_account.role else "profile.none"
        await message.reply_text(context.t(hint))
        return
    kind, file_id, body = _content(message)
    posted = await threads.post(context.deps, context.user_account.id, thread, kind, body, file_id)
    # A message split in parts is told so in words: a reaction could not say it.
    if posted.parts == 1 and await _receipt_set(message):
        return
    head = screens.header(context.t, thread.mission_id, posted.other)
    await message.reply_text(screens.sent(context.t, head, posted.parts))


async def _receipt_set(message: Message) -> bool:
    """React to the sender's message with the receipt; False when Telegram refuses (the
    message deleted meanwhile, reactions off in that chat), so the sender is told in words."""
    try:
        await message.set_reaction(RECEIPT)
    except BadRequest as exc:
        _LOGGER.info("receipt not set on message %s: %s", message.message_id, exc.message)
        return False
    return True


async def _thread_for(message: Message, context: CallboardContext) -> Thread | None:
    me = context.user_account.id
    replied = message.reply_to_message
    if replied is not None:
        thread_id = await context.repos.outbox.thread_of(message.chat_id, replied.message_id)
        if thread_id is None:
            thread_id = thread_in_markup(replied)
        if thread_id is not None:
            return await threads.member_thread(context.deps, me, thread_id)
    assert context.user_data is not None
    current = context.user_data.get(CURRENT_THREAD)
    return await threads.member_thread(context.deps, me, int(current)) if current else None


def _content(message: Message) -> tuple[MessageKind, str | None, str]:
    for attribute, kind in _MEDIA.items():
        media = getattr(message, attribute)
        if media:
            file_id = media[-1].file_id if isinstance(media, tuple) else media.file_id
            return kind, file_id, message.caption or ""
    return MessageKind.TEXT, None, message.text or ""


async def reply_button(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    data = ThreadReplyCb.unpack(query.data)
    thread = await member_thread_or_refuse(update, context, data.thread_id if data else None)
    if thread is None:
        return
    set_current(context, thread)
    await query.answer()
    other = await threads.public_name(context.deps, thread, context.user_account.id)
    head = screens.header(context.t, thread.mission_id, other)
    await context.bot.send_message(chat_id_of(update), context.t("thread.writing_to", header=head))


async def ask_button(update: Update, context: CallboardContext) -> None:
    """*Ask a question* on a mission's details: open the thread and make it current."""
    query = update.callback_query
    assert query
    data = AskQuestionCb.unpack(query.data)
    me = context.user_account.id
    if data is None or context.user_account.role is not Role.PROSPECTOR:
        await refuse(update, context)
        return
    opened = await threads.open_for_mission(context.deps, me, data.mission_id, to_offer=False)
    if not isinstance(opened, Thread):
        await refuse(update, context, screens.REFUSALS[opened])
        return
    set_current(context, opened)
    await query.answer()
    other = await threads.public_name(context.deps, opened, me)
    head = screens.header(context.t, opened.mission_id, other)
    await context.bot.send_message(
        chat_id_of(update), context.t("thread.ask_question", header=head)
    )
