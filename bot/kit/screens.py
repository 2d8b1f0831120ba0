"""Pieces every feature's screens share: refusing, paging, replacing a screen in place."""

from __future__ import annotations

import html
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.kit.callbacks import CallbackData, ThreadReplyCb
from bot.kit.client import message_gone
from bot.kit.context import CallboardContext
from bot.kit.i18n import Html, Translator
from bot.kit.keyboards import button


def thread_in_markup(message: Message) -> int | None:
    """The thread a message of ours belongs to: relayed and thread messages carry it in
    their Reply button."""
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for key in row:
            data = ThreadReplyCb.unpack(key.callback_data)
            if data is not None:
                return data.thread_id
    return None


def chat_id_of(update: Update) -> int:
    assert update.effective_chat
    return update.effective_chat.id


def role_refusal(context: CallboardContext, key: str) -> str:
    """Why a command of the other role is refused: no profile yet, or the other role."""
    return "profile.none" if context.user_account.role is None else key


async def refuse_other_role(update: Update, context: CallboardContext, key: str) -> None:
    """A command of the other role says whose it is; a button of theirs is just stale
    (nobody was shown it)."""
    reason = role_refusal(context, key) if update.callback_query is None else "stale_action"
    await refuse(update, context, reason)


async def refuse(update: Update, context: CallboardContext, key: str = "stale_action") -> None:
    """Say no without changing anything: an alert for buttons, a message for commands."""
    if update.callback_query:
        await update.callback_query.answer(context.t.plain(key), show_alert=True)
    else:
        await context.bot.send_message(chat_id_of(update), context.t(key))


async def answer_unknown(update: Update, context: CallboardContext) -> None:
    """What a message or command the bot does not know gets."""
    await context.bot.send_message(chat_id_of(update), context.t("unknown_message"))


def pager(
    t: Translator, page: int, pages: int, make: Callable[[int], CallbackData]
) -> list[InlineKeyboardButton]:
    """‹ previous / next › buttons, only where there is somewhere to go."""
    row = []
    if page > 0:
        row.append(button(t.plain("button.previous"), make(page - 1)))
    if page + 1 < pages:
        row.append(button(t.plain("button.next"), make(page + 1)))
    return row


async def close_keyboard(update: Update) -> bool:
    """Take a tapped button's keyboard away, so it acts once. False when there was none to
    take: a repeated tap (a quick double tap sends the button twice, and the first took the
    keyboard away), or a button forged onto a message that never had one. The tap itself is
    answered by the kit once the update is handled (bot.kit.client)."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or not isinstance(message, Message) or message.reply_markup is None:
        return False
    return await query.edit_message_reply_markup(None) is not False


async def close_with_outcome(update: Update, outcome: Html) -> bool:
    """As `close_keyboard`, and the message keeps a record of what the tap did: a question
    ending with a colon gets its answer on the same line ("You are: 📞 Prospector"), any other
    message a line of its own under it ("✅ P-0001 approved at €15.00"), so that nothing the
    user chose disappears with the buttons. A repeated tap makes the same edit again, which
    Telegram refuses as unchanged: False, as for `close_keyboard`."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or not isinstance(message, Message) or message.reply_markup is None:
        return False
    if message.text is not None:
        edited = await query.edit_message_text(with_outcome(message.text_html, outcome))
    elif message.caption is not None:
        edited = await query.edit_message_caption(with_outcome(message.caption_html, outcome))
    else:
        edited = await query.edit_message_reply_markup(None)
    return edited is not False


def tapped_label(update: Update) -> Html | None:
    """The label of the button tapped, as its message showed it ("Skip", "Rate"): what the
    message keeps once the tap is done, when the label itself says the choice."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or not isinstance(message, Message) or message.reply_markup is None:
        return None
    for row in message.reply_markup.inline_keyboard:
        for tapped in row:
            if tapped.callback_data == query.data:
                return Html(f"<b>{html.escape(tapped.text)}</b>")
    return None


def with_outcome(text: str, outcome: Html) -> Html:
    """A message's text with what was done about it."""
    if text.rstrip().endswith(":"):
        return Html(f"{text.rstrip()} {outcome}")
    return Html(f"{text}\n\n{outcome}")


async def text_expected(update: Update, context: CallboardContext) -> object:
    """A photo or sticker where a wizard expects text: say so and stay on the step."""
    await context.bot.send_message(chat_id_of(update), context.t("wizard.text_expected"))
    return None


async def show_screen(
    update: Update, context: CallboardContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Replace the screen the button was on; after a command, send a new message."""
    query = update.callback_query
    if query and isinstance(query.message, Message) and query.message.text is not None:
        await query.edit_message_text(text, reply_markup=markup)
        return
    await context.bot.send_message(chat_id_of(update), text, reply_markup=markup)


async def replace_text(
    context: CallboardContext, chat_id: int, message_id: int, text: str, *, caption: bool
) -> None:
    """Put `text` in place of a message's text (or caption) and take its buttons away. A
    message that already shows it (a repeated tap) or that the user deleted is left be."""
    try:
        if caption:
            await context.bot.edit_message_caption(chat_id, message_id, caption=text)
        else:
            await context.bot.edit_message_text(text, chat_id, message_id)
    except BadRequest as exc:
        if not message_gone(exc):
            raise
