"""Onboarding: /start and the sign-up wizard, /profile and the edit of one field at a time.

Each wizard keeps its draft and its step in the database (see `bot.kit.wizard`), so a
restart resumes at the same step. Once signed up, the user gets the home screen and the link
they came with, both opened through the navigator: this feature imports no other.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler

from bot.kit.callbacks import HomeCb
from bot.kit.commands import ALWAYS, MEMBERS, Command
from bot.kit.feature import Feature, Stage, on_command
from handlers.onboarding.profile import PROFILE_EDIT, show_profile
from handlers.onboarding.sign_up import SIGN_UP

FEATURE = Feature(
    name="onboarding",
    commands=(Command("start", ALWAYS), Command("profile", MEMBERS)),
    handlers=(
        (Stage.WIZARDS, SIGN_UP),
        (Stage.WIZARDS, PROFILE_EDIT),
        on_command("profile", show_profile),
        (
            Stage.ACTIONS,
            CallbackQueryHandler(show_profile, pattern=HomeCb.matching(action="profile")),
        ),
    ),
)
