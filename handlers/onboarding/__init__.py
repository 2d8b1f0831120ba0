"""Onboarding: /start and the sign-up wizard, /profile and the edit of one field at a time.

Each wizard keeps its draft and its step in the database (see `bot.kit.wizard`), so a
restart resumes at the same step. Once signed up, the user gets the home screen and the link
they came with, both opened through the navigator: this feature imports no other.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.kit.callbacks import HomeCb
from bot.kit.commands import ALWAYS, MEMBERS, Command
from bot.kit.feature import Feature, HomeButton, Stage
from handlers.onboarding.profile import PROFILE_EDIT, show_profile
from handlers.onboarding.sign_up import SIGN_UP
from storage.models import Role

FEATURE = Feature(
    name="onboarding",
    commands=(Command("start", ALWAYS), Command("profile", MEMBERS)),
    handlers=(
        (Stage.WIZARDS, SIGN_UP),
        (Stage.WIZARDS, PROFILE_EDIT),
        (Stage.ACTIONS, CommandHandler("profile", show_profile)),
        (
            Stage.ACTIONS,
            CallbackQueryHandler(show_profile, pattern=HomeCb.matching(action="profile")),
        ),
    ),
    home_buttons=tuple(
        HomeButton(role, "button.profile", HomeCb(action="profile"))
        for role in (Role.COMPANY, Role.PROSPECTOR)
    ),
)
