"""Commands every user has: /help, /language, /cancel; the home screen (built from every
feature's home buttons); the answers to stale buttons and to messages nothing else took."""

from __future__ import annotations

from typing import Literal

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.kit.callbacks import CallbackData, HomeCb
from bot.kit.commands import ADMINS, ALWAYS, MEMBERS, Command, visible_commands
from bot.kit.context import CallboardContext, Route
from bot.kit.feature import Feature, Stage, on_button, on_command
from bot.kit.i18n import LANGUAGES, Html, key_table
from bot.kit.keyboards import button, fitted, keyboard
from bot.kit.screens import answer_unknown, show_screen
from storage.models import Role

COMMANDS = (
    Command("help", ALWAYS),
    Command("language", ALWAYS),
    Command("cancel", MEMBERS),
)


class LanguageCb(CallbackData):
    prefix = "lang"
    language: Literal["fr", "en"]


def command_list(context: CallboardContext) -> Html:
    """One line per command the user has; an admin's own commands after a heading."""
    account = context.user_account
    mine = visible_commands(context.services.commands, account.role, context.is_admin(account.id))
    t = context.t

    def lines(commands: list[Command]) -> list[str]:
        return [
            t("help.line", command=c.name, description=t.plain(c.description_key)) for c in commands
        ]

    shared = lines([c for c in mine if c.audiences != ADMINS])
    admin = lines([c for c in mine if c.audiences == ADMINS])
    heading = [t("help.admin_heading")] if admin else []
    return Html("\n".join([*shared, *heading, *admin]))


_LANGUAGE_NAMES = key_table({code: f"language.name.{code}" for code in LANGUAGES})
_HOME = key_table(
    {None: "home.newcomer", Role.COMPANY: "home.company", Role.PROSPECTOR: "home.prospector"}
)


async def send_home(chat_id: int, context: CallboardContext, _item: int = 0) -> None:
    t = context.t
    account = context.user_account
    key = _HOME[account.role]
    role_buttons = [
        button(t.plain(b.label_key), b.data)
        for b in context.services.navigator.home_buttons_for(account.role)
    ]
    rows = [
        *fitted(role_buttons),
        [
            button(t.plain("button.profile"), HomeCb(action="profile")),
            button(t.plain("button.language"), HomeCb(action="language")),
            button(t.plain("button.help"), HomeCb(action="help")),
        ],
    ]
    markup = keyboard([row for row in rows if row])
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
        [[button(t.plain(_LANGUAGE_NAMES[code]), LanguageCb(language=code)) for code in LANGUAGES]]
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


FEATURE = Feature(
    name="common",
    commands=COMMANDS,
    handlers=(
        on_command("help", show_help),
        on_command("language", ask_language),
        on_button(LanguageCb, set_language),
        (Stage.ACTIONS, CallbackQueryHandler(help_button, pattern=HomeCb.matching(action="help"))),
        (
            Stage.ACTIONS,
            CallbackQueryHandler(language_button, pattern=HomeCb.matching(action="language")),
        ),
        # What no feature took.
        (Stage.FALLBACKS, CommandHandler("cancel", cancel_nothing)),
        (Stage.FALLBACKS, CallbackQueryHandler(stale_button)),
        (
            Stage.FALLBACKS,
            MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, answer_unknown),
        ),
    ),
    routes={Route.HOME: send_home},
)
