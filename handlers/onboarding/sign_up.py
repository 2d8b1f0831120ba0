"""/start: the home screen for members; for newcomers, the sign-up wizard (a role, then that
role's profile). A `/start <payload>` link is followed once the user has a profile."""

from __future__ import annotations

import re

from telegram import Update

from bot.kit.context import CallboardContext, Route
from bot.kit.links import mission_of
from bot.kit.screens import chat_id_of
from bot.kit.wizard import Begin, CommandEntry, Wizard
from handlers.onboarding import screens
from handlers.onboarding.drafts import SignUpDraft, details_of
from handlers.onboarding.steps import ROLE
from services import accounts
from storage.models import MissionStatus

OPEN_MISSIONS = (MissionStatus.OPEN, MissionStatus.PAUSED)
# Telegram's own limit for /start payloads.
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _payload(context: CallboardContext) -> str | None:
    payload = context.args[0] if context.args else None
    return payload if payload is not None and _PAYLOAD.fullmatch(payload) else None


async def start(update: Update, context: CallboardContext) -> Begin[SignUpDraft] | None:
    account = context.user_account
    payload = _payload(context)
    if account.role is None:
        linked = mission_of(payload)
        mission = await context.repos.missions.get(linked) if linked is not None else None
        # A mission that has ended is not promised: the link then says it is closed.
        joinable = mission if mission and mission.status in OPEN_MISSIONS else None
        lead = screens.welcome(context.t, joinable)
        return Begin(SignUpDraft(deep_link=payload), lead=lead)
    await context.services.publish_menu(context.bot, account)
    chat_id = chat_id_of(update)
    # Someone signed up who taps a link wants what it points to, not the home screen first
    # (/start is one tap away); a link that leads nowhere gets the home, as /start does.
    if payload is None or not await context.services.navigator.follow(payload, chat_id, context):
        await _home(chat_id, context, None)
        if payload is not None:
            await context.bot.send_message(chat_id, context.t("deep_link.invalid"))
    return None


async def _home(chat_id: int, context: CallboardContext, payload: str | None) -> None:
    """The home screen, then where the link leads."""
    navigator = context.services.navigator
    await navigator.open(Route.HOME, chat_id, context, 0)
    if payload and not await navigator.follow(payload, chat_id, context):
        await context.bot.send_message(chat_id, context.t("deep_link.invalid"))


async def finish(update: Update, context: CallboardContext, draft: SignUpDraft) -> bool:
    chat_id = chat_id_of(update)
    outcome = await accounts.sign_up(context.deps, context.user_account.id, details_of(draft))
    if isinstance(outcome, accounts.Refused):
        await context.bot.send_message(chat_id, screens.refusal(context.t, outcome))
        return True
    context.account = outcome.account
    await context.services.publish_menu(context.bot, outcome.account)
    await context.bot.send_message(chat_id, screens.signed_up(context.t, outcome.profile))
    await _home(chat_id, context, draft.deep_link)
    return True


SIGN_UP = Wizard(
    name="sign_up",
    draft=SignUpDraft,
    steps=(ROLE,),
    entries=(CommandEntry("start", start),),
    finish=finish,
    cancelled="cancel.onboarding",
)
