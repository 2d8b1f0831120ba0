"""Which commands each kind of user sees, and publishing them as per-chat menus."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import filters

from bot.kit.i18n import Catalogs, Translator
from storage.models import Role, User

_LOGGER = logging.getLogger(__name__)

Audience = Literal["newcomer", "everyone", "company", "prospector", "admin"]

ALWAYS: frozenset[Audience] = frozenset({"newcomer", "everyone"})
MEMBERS: frozenset[Audience] = frozenset({"everyone"})
COMPANIES: frozenset[Audience] = frozenset({"company"})
PROSPECTORS: frozenset[Audience] = frozenset({"prospector"})
ADMINS: frozenset[Audience] = frozenset({"admin"})


@dataclass(frozen=True)
class Command:
    name: str
    audiences: frozenset[Audience]

    @property
    def description_key(self) -> str:
        return f"command.{self.name}"


def command_name(update: Update) -> str | None:
    """The command a message starts with (`/ban@CallboardBot 42` → `ban`), if any."""
    message = update.message
    if message is None or not message.text or not filters.COMMAND.check_update(update):
        return None
    return message.text[1:].split(maxsplit=1)[0].split("@")[0].lower()


def admin_command_names(commands: list[Command]) -> frozenset[str]:
    """Commands only admins have."""
    return frozenset(c.name for c in admins_only(commands))


def admins_only(commands: list[Command]) -> list[Command]:
    return [c for c in commands if c.audiences == ADMINS]


def visible_commands(commands: list[Command], role: Role | None, admin: bool) -> list[Command]:
    audiences: set[Audience] = {"everyone"} if role else {"newcomer"}
    if role is Role.COMPANY:
        audiences.add("company")
    elif role is Role.PROSPECTOR:
        audiences.add("prospector")
    if admin:
        audiences.add("admin")
    return [command for command in commands if command.audiences & audiences]


def describe(commands: list[Command], t: Translator) -> list[BotCommand]:
    return [BotCommand(c.name, t.plain(c.description_key)) for c in commands]


async def publish_default_menu(bot: Bot, commands: list[Command], catalogs: Catalogs) -> None:
    """What a user sees before onboarding: French for French clients, English otherwise."""
    newcomer = visible_commands(commands, None, admin=False)
    await bot.set_my_commands(describe(newcomer, catalogs["en"]), scope=BotCommandScopeDefault())
    await bot.set_my_commands(
        describe(newcomer, catalogs["fr"]), scope=BotCommandScopeDefault(), language_code="fr"
    )


async def publish_user_menu(
    bot: Bot, commands: list[Command], user: User, admin: bool, t: Translator
) -> None:
    """The user's own menu, in their language."""
    await publish_chat_menu(bot, commands, user.id, user.role, admin, t)


async def publish_chat_menu(
    bot: Bot, commands: list[Command], chat_id: int, role: Role | None, admin: bool, t: Translator
) -> None:
    """The menu of one private chat. A failure only costs the menu (an admin who never
    wrote to the bot has no chat yet), so it is logged rather than shown."""
    mine = visible_commands(commands, role, admin)
    try:
        await bot.set_my_commands(describe(mine, t), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        _LOGGER.warning("could not set the command menu of user %s: %s", chat_id, exc)
