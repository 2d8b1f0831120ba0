"""Reading a mission's fields from what a company types, one step at a time or
all at once in the one-message form. Pure functions; errors are catalog keys."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from services.money import is_ambiguous_amount, parse_amount
from services.validation import Invalid, clean_text
from storage.models import Approval, MissionFields, PayModel, Target

FIELDS: Final = (
    "title",
    "brief",
    "pay_model",
    "rate_cents",
    "slots",
    "result_cap",
    "deadline",
    "target",
    "approval",
)
OPTIONAL: Final = frozenset({"result_cap", "deadline"})

# Keys accepted in the one-message form, French and English, without accents or case.
FORM_KEYS: Final = {
    "title": "title", "titre": "title",
    "brief": "brief", "pitch": "brief", "description": "brief", "brief / pitch": "brief",
    "pay": "pay_model", "pay model": "pay_model", "paiement": "pay_model",
    "remuneration": "pay_model", "modele": "pay_model",
    "rate": "rate_cents", "tarif": "rate_cents", "prix": "rate_cents",
    "slots": "slots", "places": "slots", "prospecteurs": "slots", "prospectors": "slots",
    "cap": "result_cap", "plafond": "result_cap", "limit": "result_cap",
    "deadline": "deadline", "echeance": "deadline", "date limite": "deadline",
    "target": "target", "cible": "target",
    "approval": "approval", "validation": "approval", "demarrage": "approval",
    "start": "approval",
}  # fmt: skip
_WORDS: Final[dict[str, dict[str, str]]] = {
    "pay_model": {
        "appointment": PayModel.APPOINTMENT, "appointments": PayModel.APPOINTMENT,
        "rdv": PayModel.APPOINTMENT, "rendez-vous": PayModel.APPOINTMENT,
        "lead": PayModel.LEAD, "leads": PayModel.LEAD, "qualified lead": PayModel.LEAD,
        "lead qualifie": PayModel.LEAD, "sale": PayModel.SALE, "sales": PayModel.SALE,
        "vente": PayModel.SALE,
    },
    "target": {"b2b": Target.B2B, "b2c": Target.B2C},
    "approval": {
        "auto": Approval.AUTO, "automatic": Approval.AUTO, "automatique": Approval.AUTO,
        "anyone": Approval.AUTO, "tous": Approval.AUTO,
        "manual": Approval.MANUAL, "approval": Approval.MANUAL, "approve": Approval.MANUAL,
        "manuel": Approval.MANUAL, "manuelle": Approval.MANUAL, "candidats": Approval.MANUAL,
        "sur validation": Approval.MANUAL, "sur approbation": Approval.MANUAL,
        "approbation": Approval.MANUAL, "immediat": Approval.AUTO,
        "demarrage immediat": Approval.AUTO, "immediate": Approval.AUTO,
        "immediate start": Approval.AUTO,
    },
}  # fmt: skip
_SKIP_WORDS: Final = {"", "-", "none", "no", "aucun", "aucune", "non"}
_KEY_LINE = re.compile(r"^\s*([^:]{2,20}?)\s*:\s*(.*)$")


@dataclass(frozen=True)
class Limits:
    min_rate: int
    max_rate: int
    today: date


def _fold(text: str) -> str:
    table = str.maketrans("éèêëàâäîïôöûüùç", "eeeeaaaiioouuuc")
    return clean_text(text).lower().translate(table)


def title(text: str, limits: Limits) -> str:
    value = clean_text(text).replace("\n", " ")
    if not 5 <= len(value) <= 80:
        raise Invalid("invalid.title", length=len(value))
    return value


def brief(text: str, limits: Limits) -> str:
    value = clean_text(text)
    if not 20 <= len(value) <= 2000:
        raise Invalid("invalid.brief", length=len(value))
    return value


def rate_cents(text: str, limits: Limits) -> int:
    cents = parse_amount(text)
    if cents is None and is_ambiguous_amount(text):
        raise Invalid("invalid.amount_ambiguous", amount=text.strip())
    if cents is None:
        raise Invalid("invalid.amount")
    if not limits.min_rate <= cents <= limits.max_rate:
        # The message names the bounds in the reader's money format (see the wizards).
        raise Invalid("invalid.rate_range")
    return cents


def _whole(text: str, low: int, high: int, key: str) -> int:
    value = re.sub(r"[\s\u00a0\u202f]", "", text)
    if not re.fullmatch(r"\d{1,6}", value) or not low <= int(value) <= high:
        raise Invalid(key)
    return int(value)


def slots(text: str, limits: Limits) -> int:
    return _whole(text, 1, 100, "invalid.slots")


def result_cap(text: str, limits: Limits) -> int:
    return _whole(text, 1, 100_000, "invalid.cap")


def deadline(text: str, limits: Limits) -> date:
    value = clean_text(text)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        if not limits.today + timedelta(days=1) <= day <= limits.today + timedelta(days=365):
            raise Invalid("invalid.deadline_range")
        return day
    raise Invalid("invalid.deadline_format")


# What a choice field says when the text matches none of its words.
_NOT_A_CHOICE: Final = {
    "pay_model": "invalid.pay_model",
    "target": "invalid.target",
    "approval": "invalid.approval",
}


def _choice(field: str) -> Callable[[str, Limits], object]:
    def parse(text: str, limits: Limits) -> object:
        found = _WORDS[field].get(_fold(text))
        if found is None:
            raise Invalid(_NOT_A_CHOICE[field])
        return found

    return parse


PARSERS: Final = {
    "title": title,
    "brief": brief,
    "pay_model": _choice("pay_model"),
    "rate_cents": rate_cents,
    "slots": slots,
    "result_cap": result_cap,
    "deadline": deadline,
    "target": _choice("target"),
    "approval": _choice("approval"),
}


@dataclass(frozen=True)
class LineError:
    line: str
    error: Invalid


def parse_form(text: str, limits: Limits) -> tuple[dict[str, Any], list[LineError]]:
    """Read `key: value` lines. A line without a known key continues the brief when it
    follows one (blank lines too: the brief keeps its paragraphs); otherwise it is an error,
    unless blank. Missing required fields are errors too."""
    raw: dict[str, tuple[str, str]] = {}
    errors: list[LineError] = []
    current: str | None = None
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        field = FORM_KEYS.get(_fold(match[1])) if match else None
        if match and field:
            raw[field] = (line, match[2])
            current = field
        elif current == "brief":
            first, value = raw["brief"]
            raw["brief"] = (first, f"{value}\n{line}")
        elif line.strip():
            errors.append(LineError(line.strip(), Invalid("invalid.form_line")))
    values: dict[str, Any] = {}
    for field, (line, value) in raw.items():
        if field in OPTIONAL and _fold(value) in _SKIP_WORDS:
            values[field] = None
            continue
        try:
            values[field] = PARSERS[field](value, limits)
        except Invalid as exc:
            errors.append(LineError(line.strip(), exc))
    for field in FIELDS:
        if field not in raw and field not in OPTIONAL:
            errors.append(LineError("", Invalid("invalid.form_missing", field=field)))
    return values, errors


def complete(values: dict[str, Any]) -> MissionFields:
    return MissionFields.model_validate({"result_cap": None, "deadline": None, **values})
