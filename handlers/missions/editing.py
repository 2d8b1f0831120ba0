"""Editing one field of a live mission: the new value is checked as in the posting wizard,
then saved by the rules (a new rate applies only to prospectors who start afterwards).
Cancelling says nothing was changed: the mission stays live as it was."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.kit.context import CallboardContext, Route
from bot.kit.screens import chat_id_of, refuse, text_expected
from bot.kit.wizard import ANSWER_OTHER, ANSWER_TEXT, Wizard
from handlers.missions.fields import SkipCb, ask_field, error_text, limits, tapped
from handlers.missions.screens import EditFieldCb
from services import mission_form
from services import missions as rules
from services.missions import EditOutcome
from services.validation import Invalid
from storage.models import MissionStatus

END = ConversationHandler.END
LIVE_EDIT = "live_edit"
EDIT = "mission_edit"


async def start(update: Update, context: CallboardContext) -> object:
    query = update.callback_query
    assert query
    choice = EditFieldCb.unpack(query.data)
    mission = (
        await rules.own_mission(context.deps, context.user_account.id, choice.mission_id)
        if choice
        else None
    )
    if choice is None or mission is None or mission.status is MissionStatus.CLOSED:
        await refuse(update, context)
        return END
    await query.answer()
    assert context.user_data is not None
    context.user_data[EDIT] = {"mission_id": mission.id, "field": choice.field}
    lead = context.t("mission.rate_change_note") if choice.field == "rate_cents" else ""
    await ask_field(choice.field, chat_id_of(update), context, lead=lead)
    return LIVE_EDIT


def _edit(context: CallboardContext) -> dict[str, Any]:
    assert context.user_data is not None
    edit: dict[str, Any] = context.user_data.get(EDIT) or {"field": "", "mission_id": 0}
    return edit


async def on_text(update: Update, context: CallboardContext) -> object:
    assert update.message and update.message.text is not None
    field = _edit(context)["field"]
    try:
        value = mission_form.PARSERS[field](update.message.text, limits(context))
    except Invalid as exc:
        await update.message.reply_text(error_text(context.t, exc, context))
        return None
    return await _save(update, context, value)


async def on_skip(update: Update, context: CallboardContext) -> object:
    assert update.callback_query
    choice = SkipCb.unpack(update.callback_query.data)
    if choice is None or choice.field != _edit(context)["field"]:
        await refuse(update, context)
        return None
    if not await tapped(update, context):
        return None
    return await _save(update, context, None)


async def _save(update: Update, context: CallboardContext, value: object) -> object:
    edit = _edit(context)
    chat_id = chat_id_of(update)
    edited = await rules.edit(
        context.deps, context.user_account.id, edit["mission_id"], edit["field"], value
    )
    if edited.outcome is EditOutcome.SLOTS_BELOW_ACTIVE and edited.mission is not None:
        text = context.t("invalid.slots_below_active", active=edited.mission.active_count)
        await context.bot.send_message(chat_id, text)
        return None
    _clear(context)
    if edited.outcome is EditOutcome.NOT_ALLOWED:
        await context.bot.send_message(chat_id, context.t("stale_action"))
        return END
    await context.bot.send_message(chat_id, context.t("mission.updated"))
    await context.services.navigator.open(Route.MISSION_CARD, chat_id, context, edit["mission_id"])
    return END


def _clear(context: CallboardContext) -> None:
    assert context.user_data is not None
    context.user_data.pop(EDIT, None)


async def cancel(update: Update, context: CallboardContext) -> object:
    _clear(context)
    await context.bot.send_message(chat_id_of(update), context.t("cancel.done"))
    return END


def wizard() -> Wizard:
    return Wizard(
        entry_points=[CallbackQueryHandler(start, pattern=EditFieldCb.matches)],
        states={
            LIVE_EDIT: [
                MessageHandler(ANSWER_TEXT, on_text),
                CallbackQueryHandler(on_skip, pattern=SkipCb.matches),
                MessageHandler(ANSWER_OTHER, text_expected),
            ]
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="mission_edit",
        draft_keys=(EDIT,),
    )
