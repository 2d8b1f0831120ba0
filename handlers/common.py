"""Commands every user has: /help, /language, /cancel; the home screen; the answers to
stale buttons and to messages nothing else handled."""

from __future__ import annotations

from typing import Literal

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.kit.callbacks import CallbackData
from bot.kit.commands import ALWAYS, MEMBERS, Command, visible_commands
from bot.kit.context import CallboardApp, CallboardContext
from bot.kit.i18n import LANGUAGES, Html
from bot.kit.keyboards import button, keyboard
from bot.kit.screens import show_screen
from storage.models import Role

COMMANDS = (
    Command("help", ALWAYS),
    Command("language", ALWAYS),
    Command("cancel", MEMBERS),
)


class HomeCb(CallbackData):
    prefix = "h"
    action: Literal["help", "language", "profile", "newmission", "missions", "browse", "mine"]


class LanguageCb(CallbackData):
    prefix = "lang"
    language: Literal["fr", "en"]


def command_list(context: CallboardContext) -> Html:
    account = context.user_account
    mine = visible_commands(context.services.commands, account.role, context.is_admin(account.id))
    t = context.t
    return Html(
        "\n".join(
            t("help.line", command=c.name, description=t.plain(c.description_key)) for c in mine
        )
    )


async def send_home(chat_id: int, context: CallboardContext) -> None:
    t = context.t
    account = context.user_account
    key = f"home.{account.role.value}" if account.role else "home.newcomer"
    rows = [
        [
            button(t.plain("button.profile"), HomeCb(action="profile")),
            button(t.plain("button.language"), HomeCb(action="language")),
            button(t.plain("button.help"), HomeCb(action="help")),
        ]
    ]
    if account.role is Role.COMPANY:
        rows.insert(
            0,
            [
                button(t.plain("button.home_newmission"), HomeCb(action="newmission")),
                button(t.plain("button.home_missions"), HomeCb(action="missions")),
            ],
        )
    elif account.role is Role.PROSPECTOR:
        rows.insert(
            0,
            [
                button(t.plain("button.home_browse"), HomeCb(action="browse")),
                button(t.plain("button.home_mine"), HomeCb(action="mine")),
            ],
        )
    markup = keyboard(rows)
    await context.bot.send_message(
        chat_id, t(key, commands=command_list(context)), reply_markup=markup
    )


async def show_help(update: Update, context: CallboardContext) -> None:
    assert update.effective_chat
    await context.bot.send_message(
        update.effective_chat.id, context.t("help.text", commands=command_list(context))
    )


async def ask_language(update: Update, context: CallboardContext) -> None:
    assert update.effective_chat
    t = context.t
    markup = keyboard(
        [
            [
                button(t.plain(f"language.name.{code}"), LanguageCb(language=code))
                for code in LANGUAGES
            ]
        ]
    )
    await context.bot.send_message(
        update.effective_chat.id, t("language.choose"), reply_markup=markup
    )


async def set_language(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query and update.effective_chat
    choice = LanguageCb.unpack(query.data)
    assert choice is not None
    account = context.user_account
    async with context.db.transaction() as tx:
        await context.repos.users.set_language(tx, account.id, choice.language)
    context.account = account.model_copy(
        update={"language": choice.language, "language_chosen": True}
    )
    await query.answer()
    await show_screen(update, context, context.t("language.set"), None)
    if context.account.role:
        await context.services.publish_menu(context.bot, context.account)


async def cancel_nothing(update: Update, context: CallboardContext) -> None:
    assert update.effective_chat
    await context.bot.send_message(update.effective_chat.id, context.t("cancel.nothing"))


async def help_button(update: Update, context: CallboardContext) -> None:
    assert update.callback_query
    await update.callback_query.answer()
    await show_help(update, context)


async def language_button(update: Update, context: CallboardContext) -> None:
    assert update.callback_query
    await update.callback_query.answer()
    await ask_language(update, context)


async def stale_button(update: Update, context: CallboardContext) -> None:
    """Any button no handler took: outdated, forged, or for a finished step."""
    query = update.callback_query
    assert query
    await query.answer(context.t.plain("stale_action"), show_alert=False)


async def unhandled_message(update: Update, context: CallboardContext) -> None:
    assert update.effective_chat
    await context.bot.send_message(update.effective_chat.id, context.t("unknown_message"))


def register(application: CallboardApp) -> None:
    application.add_handler(CommandHandler("help", show_help))
    application.add_handler(CommandHandler("language", ask_language))
    application.add_handler(CallbackQueryHandler(set_language, pattern=LanguageCb.matches))
    application.add_handler(
        CallbackQueryHandler(help_button, pattern=HomeCb.matching(action="help"))
    )
    application.add_handler(
        CallbackQueryHandler(language_button, pattern=HomeCb.matching(action="language"))
    )


def register_fallbacks(application: CallboardApp) -> None:
    """Register last, in the default group: they take only what no feature took."""
    application.add_handler(CommandHandler("cancel", cancel_nothing))
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_handler(
        MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, unhandled_message)
    )


NOTICES: dict[type, object] = {}
