"""How a feature describes itself, so the composition needs no special case.

A feature lists its commands (with who sees them), its handlers and the stage each runs
at, the jobs it repeats, its home-screen buttons, the buttons that turn away from an open
wizard, how it renders the notices of the rules, and the screens other features may open
(`Route`) or that a `t.me/<bot>?start=<payload>` link leads to. Features never import each
other: they meet through the rules (`services`), the shared buttons (`bot.kit.callbacks`)
and the navigator (`bot.kit.context`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.kit.callbacks import CallbackData
from bot.kit.commands import Command
from bot.kit.context import CallboardContext, HomeButton, LinkFollower, Navigator, Opener, Route
from bot.kit.jobs import RepeatingJob
from bot.kit.notifier import Renderers

Handler = BaseHandler[Update, Any, Any]
Callback = Callable[[Update, CallboardContext], Coroutine[Any, Any, Any]]


class Stage(IntEnum):
    """Where a handler runs in the default group; the first match wins inside a group."""

    # Open wizards first: a message a wizard waits for is its answer.
    WIZARDS = 0
    # Commands and buttons: their patterns never overlap, so their order does not matter.
    ACTIONS = 1
    # Free messages that no wizard took (thread relay).
    MESSAGES = 2
    # What nothing else took: unknown buttons and messages.
    FALLBACKS = 3


def on_command(name: str, callback: Callback) -> tuple[Stage, Handler]:
    return Stage.ACTIONS, CommandHandler(name, callback)


def on_button(kind: type[CallbackData], callback: Callback) -> tuple[Stage, Handler]:
    """`callback` for every button carrying `kind`'s data."""
    return Stage.ACTIONS, CallbackQueryHandler(callback, pattern=kind.matches)


@dataclass(frozen=True)
class Feature:
    name: str
    commands: Sequence[Command] = ()
    handlers: Sequence[tuple[Stage, Handler]] = ()
    # (group, handler) pairs run before the features, in negative groups.
    guards: Sequence[tuple[int, Handler]] = ()
    home_buttons: Sequence[HomeButton] = ()
    # Buttons only admins may tap: anyone else is refused before any handler runs (the
    # feature's commands for the ADMINS audience are guarded the same way).
    admin_buttons: Sequence[type[CallbackData]] = ()
    # Buttons that take the user elsewhere: they end any open wizard they do not start.
    diversions: Sequence[Handler] = ()
    notices: Renderers = field(default_factory=dict)
    routes: Mapping[Route, Opener] = field(default_factory=dict)
    deep_links: Mapping[re.Pattern[str], LinkFollower] = field(default_factory=dict)
    jobs: Sequence[RepeatingJob] = ()


def navigator_of(features: Sequence[Feature]) -> Navigator:
    """The routes, deep links and home buttons of every feature."""
    routes: dict[Route, Opener] = {}
    for feature in features:
        for route, opener in feature.routes.items():
            if route in routes:
                raise ValueError(f"two features open {route}")
            routes[route] = opener
    links = {p: f for feature in features for p, f in feature.deep_links.items()}
    buttons = [b for feature in features for b in feature.home_buttons]
    return Navigator(routes, links, buttons)
