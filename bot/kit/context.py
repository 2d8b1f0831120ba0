"""The application's services and the typed context handlers receive."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from telegram import Bot
from telegram.ext import Application, CallbackContext, ExtBot

from bot.kit.callbacks import CallbackData
from bot.kit.campaigns import CampaignExpander
from bot.kit.commands import Command, publish_chat_menu, publish_user_menu
from bot.kit.i18n import Catalogs, Translator
from bot.kit.outbox import OutboxDispatcher
from bot.settings import Settings
from services.ports import Deps
from storage.clock import Clock
from storage.database import Database
from storage.models import Role, User
from storage.repositories import Repositories

SERVICES_KEY = "services"


class Route(StrEnum):
    """Screens one feature opens for another, by name."""

    HOME = "home"
    MISSION_CARD = "mission_card"


# Opens a screen as a new message: (chat id, context, the id it is about or 0).
Opener = Callable[[int, "CallboardContext", int], Awaitable[None]]
# Follows a deep link whose payload matched: (chat id, context, the match).
LinkFollower = Callable[[int, "CallboardContext", re.Match[str]], Awaitable[None]]


@dataclass(frozen=True)
class HomeButton:
    role: Role
    label_key: str
    data: CallbackData


@dataclass(frozen=True)
class Navigator:
    """How features open each other's screens and follow deep links without importing
    each other (built from their descriptions by `bot.kit.feature.navigator_of`)."""

    routes: Mapping[Route, Opener]
    deep_links: Mapping[re.Pattern[str], LinkFollower]
    home_buttons: Sequence[HomeButton]

    async def open(self, route: Route, chat_id: int, context: CallboardContext, item: int) -> None:
        await self.routes[route](chat_id, context, item)

    async def follow(self, payload: str, chat_id: int, context: CallboardContext) -> bool:
        """Follow a deep link; False if no feature knows the payload."""
        for pattern, follower in self.deep_links.items():
            match = pattern.fullmatch(payload)
            if match is not None:
                await follower(chat_id, context, match)
                return True
        return False

    def home_buttons_for(self, role: Role | None) -> list[HomeButton]:
        return [b for b in self.home_buttons if b.role is role]


@dataclass(frozen=True)
class Services:
    settings: Settings
    catalogs: Catalogs
    outbox: OutboxDispatcher
    expander: CampaignExpander
    commands: list[Command]
    deps: Deps
    navigator: Navigator

    @property
    def db(self) -> Database:
        return self.deps.db

    @property
    def repos(self) -> Repositories:
        return self.deps.repos

    @property
    def clock(self) -> Clock:
        return self.deps.clock

    async def publish_menu(self, bot: Bot, user: User) -> None:
        admin = user.id in self.settings.admin_ids
        await publish_user_menu(bot, self.commands, user, admin, self.catalogs[user.language])

    async def publish_admin_menus(self, bot: Bot) -> None:
        """Each admin's menu with the admin commands, at every start: `ADMIN_IDS` may name
        someone who signed up before they became an admin, or who never wrote to the bot."""
        for admin_id in sorted(self.settings.admin_ids):
            user = await self.repos.users.get(admin_id)
            role = user.role if user else None
            t = self.catalogs[user.language if user else self.catalogs.default]
            await publish_chat_menu(bot, self.commands, admin_id, role, True, t)


class CallboardContext(
    CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]
):
    """`context.db`, `context.repos`, `context.t` … instead of digging in bot_data.

    `account` is the sender's row, loaded once per update by the account guard.
    """

    account: User | None = None

    @property
    def services(self) -> Services:
        services: Services = self.bot_data[SERVICES_KEY]
        return services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def deps(self) -> Deps:
        """What the rules (`services`) need."""
        return self.services.deps

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def repos(self) -> Repositories:
        return self.services.repos

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def t(self) -> Translator:
        """Translator in the sender's language."""
        catalogs = self.services.catalogs
        return catalogs[self.account.language] if self.account else catalogs[catalogs.default]

    def translator(self, language: str) -> Translator:
        return self.services.catalogs[language]

    @property
    def user_account(self) -> User:
        """The sender's account, for handlers that only run after the account guard."""
        if self.account is None:
            raise RuntimeError("no account: the account guard did not run for this update")
        return self.account

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.settings.admin_ids


CallboardApp = Application[
    ExtBot[None], CallboardContext, dict[str, Any], dict[str, Any], dict[str, Any], Any
]
