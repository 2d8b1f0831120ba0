"""Pieces the mission posting wizard and the live edit of a mission share: asking a field,
wording a field's error, and the wizard buttons that act only from the newest message."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date, timedelta
from typing import Any, Literal

from telegram import InlineKeyboardMarkup, Message, Update

from bot.kit.callbacks import CallbackData
from bot.kit.context import CallboardContext
from bot.kit.i18n import Html, Translator, key_table
from bot.kit.keyboards import button, keyboard
from bot.kit.labels import APPROVAL, PAY_MODEL, TARGET
from bot.kit.screens import close_keyboard, refuse
from services import mission_form
from services.mission_form import Limits
from services.validation import Invalid

Callback = Callable[[Update, CallboardContext], Coroutine[Any, Any, object]]
Field = Literal[
    "title", "brief", "pay_model", "rate_cents", "slots", "result_cap", "deadline", "target",
    "approval",
]  # fmt: skip

# The newest wizard message of the company: only its buttons act.
SCREEN = "mission_screen"
# Each choice step's options (stored values) and their labels' keys.
CHOICES: dict[str, dict[str, str]] = {
    field: {option.value: key for option, key in labels.items()}
    for field, labels in (("pay_model", PAY_MODEL), ("target", TARGET), ("approval", APPROVAL))
}
FIELD_NAMES = key_table({field: f"field.{field}" for field in mission_form.FIELDS})
QUESTIONS = key_table({field: f"ask.mission.{field}" for field in mission_form.FIELDS})


class ChoiceCb(CallbackData):
    """An option of a choice step (pay model, target, who may start)."""

    prefix = "nc"
    field: Literal["pay_model", "target", "approval"]
    option: str


class SkipCb(CallbackData):
    """Skip an optional field (cap, deadline)."""

    prefix = "ns"
    field: Literal["result_cap", "deadline"]


def limits(context: CallboardContext) -> Limits:
    today = context.clock.now().astimezone(context.settings.zone).date()
    return Limits(context.settings.min_rate, context.settings.max_rate, today)


def stored(value: object) -> object:
    """A field's value as kept in the JSON draft."""
    return value.isoformat() if isinstance(value, date) else value


def choice_keyboard(t: Translator, field: str) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                button(
                    t.plain(key),
                    ChoiceCb.model_validate({"field": field, "option": option}),
                )
                for option, key in CHOICES[field].items()
            ]
        ]
    )


def skip_keyboard(t: Translator, field: str) -> InlineKeyboardMarkup:
    return keyboard([[button(t.plain("button.skip"), SkipCb.model_validate({"field": field}))]])


def remember_screen(context: CallboardContext, message: Message) -> None:
    """Only the newest wizard message's buttons act: an older preview or question (of this
    draft or an abandoned one) must not publish or change the current draft."""
    assert context.user_data is not None
    context.user_data[SCREEN] = message.message_id


def is_current_screen(update: Update, context: CallboardContext) -> bool:
    query = update.callback_query
    assert query and context.user_data is not None
    message = query.message
    return message is not None and message.message_id == context.user_data.get(SCREEN)


async def ask_field(field: str, chat_id: int, context: CallboardContext, lead: str = "") -> None:
    t = context.t
    markup = None
    if field in CHOICES:
        markup = choice_keyboard(t, field)
    elif field in mission_form.OPTIONAL:
        markup = skip_keyboard(t, field)
    question = t(
        QUESTIONS[field],
        min=t.money(context.settings.min_rate),
        max=t.money(context.settings.max_rate),
    )
    text = f"{lead}\n\n{question}" if lead else question
    remember_screen(context, await context.bot.send_message(chat_id, text, reply_markup=markup))


def error_text(t: Translator, error: Invalid, context: CallboardContext) -> Html:
    values = dict(error.values)
    if "field" in values:
        values["field"] = t.plain(FIELD_NAMES[str(values["field"])])
    example = limits(context).today + timedelta(days=30)
    return t(
        error.key,
        min=t.money(context.settings.min_rate),
        max=t.money(context.settings.max_rate),
        example=example.strftime("%d/%m/%Y" if t.language == "fr" else "%Y-%m-%d"),
        **{k: v for k, v in values.items() if k not in ("min", "max")},
    )


async def tapped(update: Update, context: CallboardContext) -> bool:
    """Whether to act on the wizard button tapped: only from the newest wizard message
    (saying so for an old one), and once (a double tap finds the keyboard gone)."""
    if not is_current_screen(update, context):
        await refuse(update, context)
        return False
    return await close_keyboard(update)
