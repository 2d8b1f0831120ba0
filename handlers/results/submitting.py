"""/submit and *Submit a result*: the mission picker, then one question at a time (contact,
their company, phone, appointment, notes, proof) and a summary with Send, Edit a field and
Cancel. Whether the prospector may submit is checked before the first question, the phone
number at its step, and everything again by the rules at Send."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from telegram import Update

from bot.kit.callbacks import SubmitResultCb
from bot.kit.context import CallboardContext
from bot.kit.screens import chat_id_of, refuse, refuse_other_role, show_screen
from bot.kit.wizard import (
    Begin,
    ButtonEntry,
    CommandEntry,
    FileStep,
    Prompt,
    Review,
    TextStep,
    Wizard,
    text_only,
)
from handlers.results import screens
from handlers.results.drafts import ResultDraft
from handlers.results.screens import PickerPageCb
from services import results, validation
from services.validation import Invalid
from storage.models import Role

# --- the steps ----------------------------------------------------------------------------------


def _appointment(text: str, context: CallboardContext) -> datetime:
    return validation.appointment(text, context.settings.zone, context.clock.now())


async def _first_report_of(phone: object, draft: ResultDraft, context: CallboardContext) -> None:
    """A number already reported on the mission is refused, naming the earlier result."""
    earlier = await results.earlier_with_phone(context.deps, draft.mission_id, str(phone))
    if earlier is not None:
        raise Invalid("result.duplicate_phone", result_id=earlier)


def _is_b2b(draft: ResultDraft) -> bool:
    return draft.b2b


def _is_b2c(draft: ResultDraft) -> bool:
    return not draft.b2b


def _needs_appointment(draft: ResultDraft) -> bool:
    return draft.appointment_needed


STEPS = (
    TextStep(
        name="contact_name",
        field="contact_name",
        prompt=Prompt("ask.result.contact_name"),
        parse=text_only(validation.contact_name),
    ),
    TextStep(
        name="contact_company_b2b",
        field="contact_company",
        prompt=Prompt("ask.result.contact_company_b2b"),
        parse=text_only(validation.contact_company),
        when=_is_b2b,
    ),
    TextStep(
        name="contact_company_b2c",
        field="contact_company",
        prompt=Prompt("ask.result.contact_company_b2c"),
        parse=text_only(validation.contact_company),
        optional=True,
        when=_is_b2c,
    ),
    TextStep(
        name="phone",
        field="phone",
        prompt=Prompt("ask.result.phone"),
        parse=text_only(validation.phone),
        check=_first_report_of,
    ),
    TextStep(
        name="appointment",
        field="appointment_at",
        prompt=Prompt("ask.result.appointment"),
        parse=_appointment,
        when=_needs_appointment,
    ),
    TextStep(
        name="notes",
        field="notes",
        prompt=Prompt("ask.result.notes"),
        parse=text_only(validation.notes),
        optional=True,
    ),
    FileStep(name="proof", field="proof", prompt=Prompt("ask.result.proof"), optional=True),
)

# An example appointment in the prompt: tomorrow afternoon, in the reader's usual format.
_EXAMPLE_DELAY = timedelta(days=1)
_EXAMPLE_FORMATS = {"fr": "%d/%m/%Y 14:30", "en": "%Y-%m-%d 14:30"}


def shared_values(context: CallboardContext) -> Mapping[str, object]:
    tomorrow = (context.clock.now() + _EXAMPLE_DELAY).astimezone(context.settings.zone)
    return {
        "example": tomorrow.strftime(_EXAMPLE_FORMATS[context.t.language]),
        "zone": context.settings.timezone,
    }


# --- starting -----------------------------------------------------------------------------------


async def submit_command(update: Update, context: CallboardContext) -> Begin[ResultDraft] | None:
    """/submit: straight in with one active mission, the picker with several."""
    if context.user_account.role is not Role.PROSPECTOR:
        await refuse_other_role(update, context, "browse.prospectors_only")
        return None
    found = await results.submittable(context.deps, context.user_account.id)
    if len(found) == 1:
        return await _begin(update, context, found[0].assignment.id)
    if found:
        await show_screen(update, context, *screens.picker(context.t, found, 0))
    else:
        await context.bot.send_message(chat_id_of(update), context.t("result.none_active"))
    return None


async def submit_button(update: Update, context: CallboardContext) -> Begin[ResultDraft] | None:
    """*Submit a result* on an assignment (/mymissions, a mission's details, the picker)."""
    assert update.callback_query
    data = SubmitResultCb.unpack(update.callback_query.data)
    if data is None or context.user_account.role is not Role.PROSPECTOR:
        await refuse(update, context)
        return None
    return await _begin(update, context, data.assignment_id)


async def _begin(
    update: Update, context: CallboardContext, assignment_id: int
) -> Begin[ResultDraft] | None:
    """Ask the first question only if a result can be submitted on the assignment now."""
    me = context.user_account.id
    found, refusal = await results.refusal_for(context.deps, me, assignment_id)
    if found is None:
        await refuse(update, context)
        return None
    if refusal is not None:
        await refuse(update, context, screens.SUBMIT_REFUSALS[refusal])
        return None
    draft = ResultDraft.for_mission(assignment_id, found.mission)
    return Begin(draft, lead=screens.intro(context.t, draft))


async def picker_page(update: Update, context: CallboardContext) -> None:
    query = update.callback_query
    assert query
    data = PickerPageCb.unpack(query.data)
    if data is None or context.user_account.role is not Role.PROSPECTOR:
        await refuse(update, context)
        return
    await query.answer()
    found = await results.submittable(context.deps, context.user_account.id)
    page = min(data.page, screens.pages_of(len(found)) - 1)
    await show_screen(update, context, *screens.picker(context.t, found, page))


# --- sending ------------------------------------------------------------------------------------


async def send(update: Update, context: CallboardContext, draft: ResultDraft) -> bool:
    """Hand the result to the rules, which check everything again; either way the wizard is
    over: a refusal here (the mission closed meanwhile…) would be refused again."""
    me = context.user_account.id
    outcome = await results.submit(context.deps, me, draft.assignment_id, draft.details())
    t = context.t
    if isinstance(outcome, results.Submitted):
        hours = context.settings.review_window_hours
        text = t("result.sent", result_id=outcome.result_id, hours=hours)
    else:
        key = screens.SUBMIT_REFUSALS[outcome.reason]
        text = t(key, result_id=outcome.earlier_result_id or "")
    await context.bot.send_message(chat_id_of(update), text)
    return True


SUBMIT = Wizard(
    name="result",
    draft=ResultDraft,
    steps=STEPS,
    entries=(
        CommandEntry("submit", submit_command),
        ButtonEntry(SubmitResultCb.matches, submit_button),
    ),
    finish=send,
    cancelled="result.cancelled",
    review=Review(
        render=screens.summary,
        confirm_label="button.send",
        fields=screens.FIELD_NAMES,
        pick_prompt="result.pick_field",
    ),
    shared=shared_values,
)
