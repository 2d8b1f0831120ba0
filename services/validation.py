"""Pure validators for what users type. Each returns the cleaned value or raises
`Invalid(key)`, where key names the catalog message saying what is accepted."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import phonenumbers


class Invalid(ValueError):
    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


SECTORS: Final = (
    "software",
    "telecom",
    "energy",
    "finance",
    "real_estate",
    "health",
    "retail",
    "industry",
    "services",
)
SPOKEN_LANGUAGES: Final = ("fr", "en", "es", "de", "it", "pt", "nl", "ar")
MARKETS: Final = ("b2b", "b2c")
ACTIVITIES: Final = ("appointments", "qualification", "sales")


def clean_text(text: str) -> str:
    """Trim, fold runs of spaces, drop control characters (newlines kept where allowed)."""
    kept = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")
    return re.sub(r"[ \t]+", " ", kept).strip()


def bounded_line(text: str, low: int, high: int, key: str) -> str:
    value = clean_text(text).replace("\n", " ")
    if not low <= len(value) <= high:
        raise Invalid(key, min=low, max=high, length=len(value))
    return value


def company_name(text: str) -> str:
    return bounded_line(text, 2, 80, "invalid.company_name")


def other_sector(text: str) -> str:
    return bounded_line(text, 2, 60, "invalid.sector")


def display_name(text: str) -> str:
    return bounded_line(text, 2, 40, "invalid.display_name")


def siren(text: str) -> str:
    digits = re.sub(r"[\s.\-]", "", text)
    if not re.fullmatch(r"\d{9}", digits):
        raise Invalid("invalid.siren_format")
    if not luhn_valid(digits):
        raise Invalid("invalid.siren_checksum")
    return digits


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def experience_years(text: str) -> int:
    value = clean_text(text)
    if not re.fullmatch(r"\d{1,2}", value) or int(value) > 50:
        raise Invalid("invalid.experience")
    return int(value)


def bio(text: str) -> str:
    value = clean_text(text)
    if len(value) > 500:
        raise Invalid("invalid.bio", length=len(value))
    return value


def specialties(chosen: list[str]) -> list[str]:
    if not any(item in MARKETS for item in chosen) or not any(
        item in ACTIVITIES for item in chosen
    ):
        raise Invalid("invalid.specialties")
    return [item for item in (*MARKETS, *ACTIVITIES) if item in chosen]


def languages(chosen: list[str]) -> list[str]:
    if not chosen:
        raise Invalid("invalid.languages")
    return [item for item in SPOKEN_LANGUAGES if item in chosen]


# --- results of calls ----------------------------------------------------------------------

# Numbers written without a country code are read as French ones.
PHONE_REGION = "FR"
APPOINTMENT_FORMATS = ("%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M")
APPOINTMENT_HORIZON = timedelta(days=180)


def contact_name(text: str) -> str:
    return bounded_line(text, 2, 100, "invalid.contact_name")


def contact_company(text: str) -> str:
    return bounded_line(text, 2, 100, "invalid.contact_company")


def phone(text: str) -> str:
    """The number in E.164 (`+33612345678`); French national numbers are accepted."""
    try:
        number = phonenumbers.parse(clean_text(text), PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise Invalid("invalid.phone") from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid("invalid.phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def appointment(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A local date and time (in `zone`) in the future, at most 180 days ahead; in UTC."""
    value = clean_text(text)
    for pattern in APPOINTMENT_FORMATS:
        try:
            local = datetime.strptime(value, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
        moment = local.astimezone(UTC)
        if not now < moment <= now + APPOINTMENT_HORIZON:
            raise Invalid("invalid.appointment_range")
        return moment
    raise Invalid("invalid.appointment_format")


def notes(text: str) -> str:
    value = clean_text(text)
    if len(value) > 1000:
        raise Invalid("invalid.notes", length=len(value))
    return value


def rejection_reason(text: str) -> str:
    return bounded_line(text, 5, 300, "invalid.reason")


def dispute_explanation(text: str) -> str:
    value = clean_text(text)
    if not 10 <= len(value) <= 1000:
        raise Invalid("invalid.explanation", length=len(value))
    return value


def decision_note(text: str) -> str:
    return bounded_line(text, 5, 300, "invalid.note")


def payment_reference(text: str) -> str:
    return bounded_line(text, 1, 100, "invalid.payment_reference")


_USER_ID = re.compile(r"\d{1,15}")
_PROSPECTOR_CODE = re.compile(r"[Pp]-?(\d{1,9})")


@dataclass(frozen=True)
class UserRef:
    """Who an admin means: a Telegram user id, or a prospector's public number."""

    user_id: int | None = None
    prospector_number: int | None = None


def user_ref(text: str) -> UserRef:
    """`123456789` (a user id) or a prospector's code: `P-0042`, `p-42`, `P42`."""
    value = clean_text(text)
    if _USER_ID.fullmatch(value):
        return UserRef(user_id=int(value))
    code = _PROSPECTOR_CODE.fullmatch(value)
    if code:
        return UserRef(prospector_number=int(code[1]))
    raise Invalid("invalid.user_ref")


def ban_reason(text: str) -> str:
    return bounded_line(text, 1, 200, "invalid.ban_reason")
