"""Commands every user has: /help, /language, /cancel; the home screen (built from every
feature's home buttons); the answers to stale buttons and to messages nothing else took."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.kit.callbacks import CallbackData, HomeCb
from bot.kit.commands import ADMINS, ALWAYS, MEMBERS, Command, admins_only, visible_commands
from bot.kit.context import CallboardContext, HomeButton, Route
from bot.kit.feature import Feature, Stage, on_button, on_command
from bot.kit.i18n import LANGUAGES, Html, Translator, key_table
from bot.kit.keyboards import button, fitted, keyboard
from bot.kit.pending import drop_pending
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


def command_lines(t: Translator, commands: Sequence[Command]) -> list[str]:
    return [
        t("help.line", command=c.name, description=t.plain(c.description_key)) for c in commands
    ]


def command_list(context: CallboardContext) -> Html:
    """One line per command the user has; an admin's own commands after a heading."""
    account = context.user_account
    mine = visible_commands(context.services.commands, account.role, context.is_admin(account.id))
    t = context.t
    shared = command_lines(t, [c for c in mine if c.audiences != ADMINS])
    admin = admin_section(t, admins_only(mine))
    return Html("\n".join([*shared, *admin]))


def admin_section(t: Translator, commands: Sequence[Command]) -> list[str]:
    """The admins' own commands under their heading; nothing for everyone else."""
    return [t("help.admin_heading"), *command_lines(t, commands)] if commands else []


_GUIDES = key_table(
    {None: "help.newcomer", Role.COMPANY: "help.company", Role.PROSPECTOR: "help.prospector"}
)


def help_screen(
    t: Translator,
    role: Role | None,
    admin_commands: Sequence[Command],
    starts: Sequence[HomeButton],
) -> tuple[Html, InlineKeyboardMarkup | None]:
    """How to use Callboard in the user's role, in a few steps, with the buttons that start
    each of them. The commands themselves are in Telegram's menu, so only the admins' own
    commands, which no step mentions, are listed."""
    lines = [t(_GUIDES[role]), "", t("help.menu"), *admin_section(t, admin_commands)]
    markup = keyboard(fitted([button(t.plain(b.label_key), b.data) for b in starts]))
    return Html("\n".join(lines)), (markup if starts else None)


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
    account = context.user_account
    services = context.services
    mine = visible_commands(services.commands, account.role, context.is_admin(account.id))
    text, markup = help_screen(
        context.t,
        account.role,
        admins_only(mine),
        services.navigator.home_buttons_for(account.role),
    )
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


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
    """/cancel outside any wizard: drops a screen whose *Cancel* button is still live."""
    assert update.effective_chat
    dropped = await drop_pending(context)
    await context.bot.send_message(update.effective_chat.id, context.t(dropped or "cancel.nothing"))


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
