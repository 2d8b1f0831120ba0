"""/profile: the profile with one edit button per field; each runs a wizard of that one
step, whose answer is saved at once."""

from __future__ import annotations

from telegram import Update

from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of, refuse
from bot.kit.wizard import Begin, ButtonEntry, Wizard
from handlers.onboarding import screens
from handlers.onboarding.drafts import ProfileDraft, details_of, draft_of
from handlers.onboarding.steps import STEPS_OF_ROLE, ProfileFieldCb, fields_of
from services import accounts
from storage.models import Role


async def show_profile(update: Update, context: CallboardContext) -> None:
    account = context.user_account
    chat_id = chat_id_of(update)
    found = None
    if account.role is not None:
        found = await accounts.profile(context.deps, account.id, account.role)
    if found is None:
        await context.bot.send_message(chat_id, context.t("profile.none"))
        return
    screen = screens.profile_screen(context.t, found)
    await context.bot.send_message(chat_id, screen.text, reply_markup=screen.markup)


async def edit_field(update: Update, context: CallboardContext) -> Begin[ProfileDraft] | None:
    assert update.callback_query is not None
    choice = ProfileFieldCb.unpack(update.callback_query.data)
    account = context.user_account
    role = account.role
    if choice is None or role is None or choice.field not in fields_of(role):
        await refuse(update, context)
        return None
    found = await accounts.profile(context.deps, account.id, role)
    if found is None:
        await refuse(update, context)
        return None
    return Begin(draft_of(found), step=choice.field, single_step=True)


async def finish(update: Update, context: CallboardContext, draft: ProfileDraft) -> bool:
    chat_id = chat_id_of(update)
    outcome = await accounts.update_profile(
        context.deps, context.user_account.id, details_of(draft)
    )
    if isinstance(outcome, accounts.Refused):
        await context.bot.send_message(chat_id, screens.refusal(context.t, outcome))
        return True
    await context.bot.send_message(chat_id, context.t("profile.updated"))
    screen = screens.profile_screen(context.t, outcome)
    await context.bot.send_message(chat_id, screen.text, reply_markup=screen.markup)
    return True


PROFILE_EDIT = Wizard(
    name="profile_edit",
    draft=ProfileDraft,
    steps=(*STEPS_OF_ROLE[Role.COMPANY], *STEPS_OF_ROLE[Role.PROSPECTOR]),
    entries=(ButtonEntry(ProfileFieldCb.matches, edit_field),),
    finish=finish,
    cancelled="cancel.done",
)
