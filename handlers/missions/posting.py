"""/newmission: the guided wizard (one field at a time, then a preview with Publish, Edit a
field and Cancel) and the one-message form."""

from __future__ import annotations

from typing import Any, Literal

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

from bot.kit.callbacks import CallbackData
from bot.kit.context import CallboardContext, Route
from bot.kit.i18n import Html
from bot.kit.keyboards import button, in_rows, keyboard
from bot.kit.screens import chat_id_of, refuse, refuse_other_role, text_expected
from bot.kit.views import fields_card
from bot.kit.wizard import ANSWER_OTHER, ANSWER_TEXT, Wizard
from handlers.missions.fields import (
    CHOICES,
    FIELD_NAMES,
    Callback,
    ChoiceCb,
    SkipCb,
    ask_field,
    error_text,
    limits,
    remember_screen,
    skip_keyboard,
    stored,
    tapped,
)
from services import mission_form
from services import missions as rules
from services.validation import Invalid
from storage.models import MissionFields, Role

END = ConversationHandler.END
PREVIEW = "preview"
DRAFT = "mission"


class NewMissionCb(CallbackData):
    """The home screen's *New mission*."""

    prefix = "nn"


class PreviewCb(CallbackData):
    """The preview's buttons, and the field picked to change before publishing."""

    prefix = "np"
    action: Literal["publish", "fields", "cancel"]


class DraftFieldCb(CallbackData):
    prefix = "nf"
    field: Literal[
        "title", "brief", "pay_model", "rate_cents", "slots", "result_cap", "deadline", "target",
        "approval",
    ]  # fmt: skip


def _draft(context: CallboardContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {"values": {}})
    return draft


def _clear(context: CallboardContext) -> None:
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)


def draft_fields(context: CallboardContext) -> MissionFields:
    return mission_form.complete(_draft(context)["values"])


async def show_preview(chat_id: int, context: CallboardContext, lead: str = "") -> object:
    t = context.t
    card = fields_card(t, draft_fields(context))
    markup = keyboard(
        [
            [button(t.plain("button.publish"), PreviewCb(action="publish"))],
            [
                button(t.plain("button.edit_field"), PreviewCb(action="fields")),
                button(t.plain("button.cancel"), PreviewCb(action="cancel")),
            ],
        ]
    )
    text = t("mission.preview_title", card=card)
    sent = await context.bot.send_message(
        chat_id, f"{lead}\n\n{text}" if lead else text, reply_markup=markup
    )
    remember_screen(context, sent)
    return PREVIEW


async def next_step(update: Update, context: CallboardContext, field: str) -> object:
    draft = _draft(context)
    if draft.get("back_to_preview"):
        draft.pop("back_to_preview")
        return await show_preview(chat_id_of(update), context)
    following = mission_form.FIELDS[mission_form.FIELDS.index(field) + 1 :]
    if not following:
        return await show_preview(chat_id_of(update), context)
    await ask_field(following[0], chat_id_of(update), context)
    return following[0]


async def new_mission(update: Update, context: CallboardContext) -> object:
    """`/newmission` (guided, or the one-message form) or the home screen's button."""
    if context.user_account.role is not Role.COMPANY:
        await refuse_other_role(update, context, "missions.companies_only")
        return END
    if update.callback_query:
        await update.callback_query.answer()
    elif update.message and update.message.text:
        _, _, rest = update.message.text.partition("\n")
        if rest.strip():
            return await _one_message_form(update, context, rest)
    assert context.user_data is not None
    context.user_data[DRAFT] = {"values": {}}
    await ask_field("title", chat_id_of(update), context, lead=context.t("mission.wizard_intro"))
    return "title"


async def _one_message_form(update: Update, context: CallboardContext, text: str) -> object:
    values, errors = mission_form.parse_form(text, limits(context))
    t = context.t
    if errors:
        lines = [
            t("form.error_line", line=_quoted(e.line), error=error_text(t, e.error, context))
            if e.line
            else t("form.error_missing", error=error_text(t, e.error, context))
            for e in errors
        ]
        await context.bot.send_message(
            chat_id_of(update),
            t("form.errors", count=len(errors), errors=Html("\n".join(_fitting(lines)))),
        )
        return END
    assert context.user_data is not None
    context.user_data[DRAFT] = {"values": {field: stored(value) for field, value in values.items()}}
    return await show_preview(chat_id_of(update), context)


# The report of a one-message form must fit one Telegram message (4096 characters) whatever
# was sent: each invalid line is quoted this long at most, and the list stops (with "…") once
# it reaches the budget; the count in the heading still says how many problems there are.
_QUOTE_CHARS = 60
_REPORT_BUDGET = 3400


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


def text_answer(field: str) -> Callback:
    parse = mission_form.PARSERS[field]

    async def on_text(update: Update, context: CallboardContext) -> object:
        assert update.message and update.message.text is not None
        try:
            value = parse(update.message.text, limits(context))
        except Invalid as exc:
            # An optional step's error carries its Skip button, so the way out is in view.
            markup = skip_keyboard(context.t, field) if field in mission_form.OPTIONAL else None
            sent = await update.message.reply_text(
                error_text(context.t, exc, context), reply_markup=markup
            )
            if markup is not None:
                remember_screen(context, sent)
            return None
        _draft(context)["values"][field] = stored(value)
        return await next_step(update, context, field)

    return on_text


def buttons_expected(field: str) -> Callback:
    async def on_other(update: Update, context: CallboardContext) -> object:
        await ask_field(field, chat_id_of(update), context, lead=context.t("wizard.use_buttons"))
        return None

    return on_other


def choice_answer(field: str) -> Callback:
    async def on_choice(update: Update, context: CallboardContext) -> object:
        assert update.callback_query
        choice = ChoiceCb.unpack(update.callback_query.data)
        if choice is None or choice.field != field or not await tapped(update, context):
            return None
        if choice.option not in CHOICES[field]:
            return None
        _draft(context)["values"][field] = choice.option
        return await next_step(update, context, field)

    return on_choice


def skip_answer(field: str) -> Callback:
    async def on_skip(update: Update, context: CallboardContext) -> object:
        if not await tapped(update, context):
            return None
        _draft(context)["values"][field] = None
        return await next_step(update, context, field)

    return on_skip


async def pick_field(update: Update, context: CallboardContext) -> object:
    if not await tapped(update, context):
        return None
    t = context.t
    buttons = [
        button(t.plain(FIELD_NAMES[field]), DraftFieldCb.model_validate({"field": field}))
        for field in mission_form.FIELDS
    ]
    sent = await context.bot.send_message(
        chat_id_of(update), t("mission.pick_field"), reply_markup=keyboard(in_rows(buttons, 2))
    )
    remember_screen(context, sent)
    return PREVIEW


async def edit_draft_field(update: Update, context: CallboardContext) -> object:
    assert update.callback_query
    choice = DraftFieldCb.unpack(update.callback_query.data)
    if choice is None or not await tapped(update, context):
        return None
    _draft(context)["back_to_preview"] = True
    await ask_field(choice.field, chat_id_of(update), context)
    return choice.field


async def cancel_draft(update: Update, context: CallboardContext) -> object:
    if update.callback_query and not await tapped(update, context):
        return None
    _clear(context)
    await context.bot.send_message(chat_id_of(update), context.t("mission.cancelled"))
    return END


async def publish(update: Update, context: CallboardContext) -> object:
    if not await tapped(update, context):
        return None
    outcome = await rules.publish(context.deps, context.user_account.id, draft_fields(context))
    _clear(context)
    if not isinstance(outcome, rules.Published):
        await refuse(update, context)
        return END
    await context.bot.send_message(
        chat_id_of(update),
        context.t("mission.published", mission_id=outcome.mission_id, alerted=outcome.alerted),
    )
    await context.services.navigator.open(
        Route.MISSION_CARD, chat_id_of(update), context, outcome.mission_id
    )
    return END


def _field_handlers(field: str) -> list[BaseHandler[Update, CallboardContext, object]]:
    text_only, other_input = ANSWER_TEXT, ANSWER_OTHER
    if field in CHOICES:
        return [
            CallbackQueryHandler(choice_answer(field), pattern=ChoiceCb.matching(field=field)),
            MessageHandler(other_input, buttons_expected(field)),
        ]
    handlers: list[BaseHandler[Update, CallboardContext, object]] = [
        MessageHandler(text_only, text_answer(field)),
        MessageHandler(other_input, text_expected),
    ]
    if field in mission_form.OPTIONAL:
        pattern = SkipCb.matching(field=field)
        handlers.append(CallbackQueryHandler(skip_answer(field), pattern=pattern))
    return handlers


def wizard() -> Wizard:
    states: dict[object, list[BaseHandler[Update, CallboardContext, object]]] = {
        field: _field_handlers(field) for field in mission_form.FIELDS
    }
    states[PREVIEW] = [
        CallbackQueryHandler(publish, pattern=PreviewCb.matching(action="publish")),
        CallbackQueryHandler(pick_field, pattern=PreviewCb.matching(action="fields")),
        CallbackQueryHandler(edit_draft_field, pattern=DraftFieldCb.matches),
        CallbackQueryHandler(cancel_draft, pattern=PreviewCb.matching(action="cancel")),
    ]
    return Wizard(
        entry_points=[
            CommandHandler("newmission", new_mission),
            CallbackQueryHandler(new_mission, pattern=NewMissionCb.matches),
        ],
        states=states,
        fallbacks=[CommandHandler("cancel", cancel_draft)],
        name="mission",
        draft_keys=(DRAFT,),
    )
