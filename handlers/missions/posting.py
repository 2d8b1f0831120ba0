"""/newmission: the guided wizard (one field at a time, then a preview with Publish, Change a
field and Cancel) and the one-message form, which goes straight to the preview."""

from __future__ import annotations

from telegram import Update

from bot.kit.context import CallboardContext, Route
from bot.kit.i18n import Html, Translator
from bot.kit.screens import chat_id_of, refuse, refuse_other_role
from bot.kit.views import fields_card
from bot.kit.wizard import Begin, ButtonEntry, CommandEntry, Review, Wizard
from handlers.missions.fields import (
    FIELD_NAMES,
    STEPS,
    MissionDraft,
    error_text,
    limits,
    shared_values,
)
from handlers.missions.screens import NewMissionCb
from services import mission_form
from services import missions as rules
from storage.models import Role

# The report of a one-message form must fit one Telegram message (4096 characters) whatever
# was sent: each invalid line is quoted this long at most, and the list stops (with "…") once
# it reaches the budget; the count in the heading still says how many problems there are.
_QUOTE_CHARS = 60
_REPORT_BUDGET = 3400


async def new_mission(update: Update, context: CallboardContext) -> Begin[MissionDraft] | None:
    """`/newmission` (guided, or the one-message form) or the home screen's button."""
    if context.user_account.role is not Role.COMPANY:
        await refuse_other_role(update, context, "missions.companies_only")
        return None
    text = update.message.text if update.message and update.message.text else ""
    _, _, form = text.partition("\n")
    if form.strip():
        return await _one_message_form(update, context, form)
    return Begin(MissionDraft(), lead=context.t("mission.wizard_intro"))


async def _one_message_form(
    update: Update, context: CallboardContext, text: str
) -> Begin[MissionDraft] | None:
    values, errors = mission_form.parse_form(text, limits(context))
    if not errors:
        return Begin(MissionDraft.model_validate(values), at_review=True)
    t = context.t
    lines = [
        t("form.error_line", line=_quoted(e.line), error=error_text(t, e.error, context))
        if e.line
        else t("form.error_missing", error=error_text(t, e.error, context))
        for e in errors
    ]
    report = t("form.errors", count=len(errors), errors=Html("\n".join(_fitting(lines))))
    await context.bot.send_message(chat_id_of(update), report)
    return None


def _quoted(line: str) -> str:
    return line if len(line) <= _QUOTE_CHARS else line[: _QUOTE_CHARS - 1] + "…"


def _fitting(lines: list[Html]) -> list[str]:
    kept: list[str] = []
    used = 0
    for line in lines:
        used += len(line) + 1
        if used > _REPORT_BUDGET:
            return [*kept, "…"]
        kept.append(line)
    return kept


def preview(draft: MissionDraft, t: Translator) -> Html:
    return t("mission.preview_title", card=fields_card(t, draft.fields()))


async def publish(update: Update, context: CallboardContext, draft: MissionDraft) -> bool:
    outcome = await rules.publish(context.deps, context.user_account.id, draft.fields())
    if not isinstance(outcome, rules.Published):
        await refuse(update, context)
        return True
    chat_id = chat_id_of(update)
    text = context.t("mission.published", mission_id=outcome.mission_id, alerted=outcome.alerted)
    await context.bot.send_message(chat_id, text)
    await context.services.navigator.open(Route.MISSION_CARD, chat_id, context, outcome.mission_id)
    return True


POSTING = Wizard(
    name="mission",
    draft=MissionDraft,
    steps=tuple(STEPS[field] for field in mission_form.FIELDS),
    entries=(
        CommandEntry("newmission", new_mission),
        ButtonEntry(NewMissionCb.matches, new_mission),
    ),
    finish=publish,
    cancelled="mission.cancelled",
    review=Review(
        render=preview,
        confirm_label="button.publish",
        fields={field: FIELD_NAMES[field] for field in mission_form.FIELDS},
        pick_prompt="mission.pick_field",
    ),
    shared=shared_values,
)
