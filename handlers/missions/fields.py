"""The fields of a mission as wizard steps, shared by the posting wizard and the live edit
of a mission: each step reads its answer with the rules' parsers, in the update's context
(the configured rate bounds, today in TIMEZONE)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal, TypeVar

from pydantic import BaseModel

from bot.kit.callbacks import CallbackData
from bot.kit.context import CallboardContext
from bot.kit.i18n import Html, Translator, key_table
from bot.kit.labels import APPROVAL, PAY_MODEL, TARGET
from bot.kit.wizard import ChoiceStep, Option, Parse, Prompt, Step, TextStep
from services import mission_form
from services.mission_form import Limits
from services.validation import Invalid
from storage.models import Approval, MissionFields, PayModel, Target

E = TypeVar("E", bound=StrEnum)

FIELD_NAMES = key_table({field: f"field.{field}" for field in mission_form.FIELDS})
QUESTIONS = key_table({field: f"ask.mission.{field}" for field in mission_form.FIELDS})


class ChoiceCb(CallbackData):
    """An option of a choice step (pay model, target, who may start)."""

    prefix = "nc"
    field: Literal["pay_model", "target", "approval"]
    option: str


class MissionDraft(BaseModel):
    """A mission being written: each field once answered."""

    title: str | None = None
    brief: str | None = None
    pay_model: PayModel | None = None
    rate_cents: int | None = None
    slots: int | None = None
    result_cap: int | None = None
    deadline: date | None = None
    target: Target | None = None
    approval: Approval | None = None

    def fields(self) -> MissionFields:
        return MissionFields.model_validate(self.model_dump())


def limits(context: CallboardContext) -> Limits:
    today = context.clock.now().astimezone(context.settings.zone).date()
    return Limits(context.settings.min_rate, context.settings.max_rate, today)


def shared_values(context: CallboardContext) -> Mapping[str, object]:
    """What the questions and errors about a mission's fields mention: the rate bounds and
    an example date, in the reader's formats."""
    t = context.t
    example = limits(context).today + timedelta(days=30)
    return {
        "min": t.money(context.settings.min_rate),
        "max": t.money(context.settings.max_rate),
        "example": example.strftime("%d/%m/%Y" if t.language == "fr" else "%Y-%m-%d"),
    }


def error_text(t: Translator, error: Invalid, context: CallboardContext) -> Html:
    """An error of the one-message form, which may name the field it is about."""
    values = dict(error.values)
    if "field" in values:
        values["field"] = t.plain(FIELD_NAMES[str(values["field"])])
    return t(error.key, **{**shared_values(context), **values})


def _parser(field: str) -> Parse:
    parse = mission_form.PARSERS[field]

    def parse_field(text: str, context: CallboardContext) -> object:
        return parse(text, limits(context))

    return parse_field


def _text(field: str) -> TextStep:
    return TextStep(
        name=field,
        field=field,
        prompt=Prompt(QUESTIONS[field]),
        parse=_parser(field),
        optional=field in mission_form.OPTIONAL,
    )


def _choice(field: Literal["pay_model", "target", "approval"], labels: Mapping[E, str]) -> Step:
    options = [
        Option(key, ChoiceCb(field=field, option=value.value), value)
        for value, key in labels.items()
    ]
    return ChoiceStep(name=field, field=field, prompt=Prompt(QUESTIONS[field]), options=options)


STEPS: dict[str, Step] = {
    "title": _text("title"),
    "brief": _text("brief"),
    "pay_model": _choice("pay_model", PAY_MODEL),
    "rate_cents": _text("rate_cents"),
    "slots": _text("slots"),
    "result_cap": _text("result_cap"),
    "deadline": _text("deadline"),
    "target": _choice("target", TARGET),
    "approval": _choice("approval", APPROVAL),
}
