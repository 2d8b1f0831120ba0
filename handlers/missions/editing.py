"""Editing one field of a live mission: the new value is read as in the posting wizard,
then saved by the rules (a new rate applies only to prospectors who start afterwards).
Cancelling says nothing was changed: the mission stays live as it was."""

from __future__ import annotations

from telegram import Update

from bot.kit.context import CallboardContext, Route
from bot.kit.screens import chat_id_of, close_with_outcome, refuse, tapped_label
from bot.kit.wizard import Begin, ButtonEntry, Wizard
from handlers.missions.card import own_or_refuse
from handlers.missions.fields import STEPS, MissionDraft, shared_values
from handlers.missions.screens import EditFieldCb
from services import missions as rules
from services.missions import EDITABLE, EditOutcome
from storage.models import MissionStatus


class LiveEdit(MissionDraft):
    """The field being changed on a live mission, and its new value."""

    mission_id: int
    field: str


async def start(update: Update, context: CallboardContext) -> Begin[LiveEdit] | None:
    query = update.callback_query
    assert query
    choice = EditFieldCb.unpack(query.data)
    mission = await own_or_refuse(update, context, choice.mission_id if choice else None)
    if choice is None or mission is None:
        return None
    if mission.status is MissionStatus.CLOSED:
        await refuse(update, context)
        return None
    # The picker keeps the field chosen, and no buttons to start a second edit beside this one.
    chosen = tapped_label(update)
    if chosen is not None:
        await close_with_outcome(update, chosen)
    lead = context.t("mission.rate_change_note") if choice.field == "rate_cents" else None
    draft = LiveEdit(mission_id=mission.id, field=choice.field)
    return Begin(draft, step=choice.field, lead=lead, single_step=True)


async def save(update: Update, context: CallboardContext, draft: LiveEdit) -> bool:
    chat_id = chat_id_of(update)
    value = getattr(draft, draft.field)
    edited = await rules.edit(
        context.deps, context.user_account.id, draft.mission_id, draft.field, value
    )
    if edited.outcome is EditOutcome.SLOTS_BELOW_ACTIVE and edited.mission is not None:
        text = context.t("invalid.slots_below_active", active=edited.mission.active_count)
        await context.bot.send_message(chat_id, text)
        return False
    if edited.outcome is EditOutcome.NOT_ALLOWED:
        await context.bot.send_message(chat_id, context.t("stale_action"))
        return True
    await context.bot.send_message(chat_id, context.t("mission.updated"))
    await context.services.navigator.open(Route.MISSION_CARD, chat_id, context, draft.mission_id)
    return True


LIVE_EDIT = Wizard(
    name="mission_edit",
    draft=LiveEdit,
    steps=tuple(STEPS[field] for field in EDITABLE),
    entries=(ButtonEntry(EditFieldCb.matches, start),),
    finish=save,
    cancelled="cancel.done",
    shared=shared_values,
)
