"""Typed, versioned callback data: `ob:v1:role:company` ⇄ a frozen model.

Every button's data is built with `pack()` and read back with `unpack()`, which returns None
for anything malformed, from another version or too long — callers then answer that the
action is no longer available. Parsing is not authorization: handlers still check the
database before acting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, ValidationError

VERSION = "v1"
MAX_BYTES = 64
_SEPARATOR = ":"
# A forged button may carry any number. Ids and pages are never negative and never beyond
# what SQLite stores (a page times its size included): anything else is not ours.
LARGEST_NUMBER = 2**53


class CallbackData(BaseModel):
    model_config = ConfigDict(frozen=True)

    prefix: ClassVar[str]

    def pack(self) -> str:
        """Trailing fields still at their defaults are left out, to save bytes."""
        values = [str(value) for value in self._significant_values()]
        if any(_SEPARATOR in value for value in values):
            raise ValueError(f"callback values must not contain {_SEPARATOR!r}: {values}")
        data = _SEPARATOR.join([self.prefix, VERSION, *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data}")
        return data

    def _significant_values(self) -> list[object]:
        values = list(self.model_dump().values())
        fields = list(type(self).model_fields.values())
        while values and not fields[len(values) - 1].is_required():
            if values[-1] != fields[len(values) - 1].default:
                break
            values.pop()
        return values

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
            return None
        prefix, _, rest = data.partition(_SEPARATOR)
        version, _, rest = rest.partition(_SEPARATOR)
        if prefix != cls.prefix or version != VERSION:
            return None
        names = list(cls.model_fields)
        required = sum(field.is_required() for field in cls.model_fields.values())
        values: list[Any] = rest.split(_SEPARATOR) if rest else []
        if not required <= len(values) <= len(names):
            return None
        try:
            parsed = cls.model_validate(dict(zip(names, values, strict=False)))
        except ValidationError:
            return None
        numbers = [value for value in parsed.model_dump().values() if isinstance(value, int)]
        return parsed if all(0 <= number <= LARGEST_NUMBER for number in numbers) else None

    @classmethod
    def matches(cls, data: object) -> bool:
        """For `CallbackQueryHandler(pattern=...)`."""
        return cls.unpack(data) is not None

    @classmethod
    def matching(cls, **fields: object) -> Callable[[object], bool]:
        """A pattern for buttons of this kind whose fields have the given values."""

        def check(data: object) -> bool:
            parsed = cls.unpack(data)
            return parsed is not None and all(
                getattr(parsed, name) == value for name, value in fields.items()
            )

        return check


def parse_number(text: str) -> int | None:
    """A number carried as text in callback data: ASCII digits only (`int()` also takes
    characters such as "²" that `isdigit()` lets through), within LARGEST_NUMBER."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= LARGEST_NUMBER else None


# Buttons shared by several features.


class MissionCb(CallbackData):
    """A company's action on one of its missions; `arg` is a page or an assignment id."""

    prefix = "m"
    action: Literal[
        "card", "applicants", "active", "pause", "resume", "close", "close_ok",
        "edit", "field", "share", "approve", "decline",
    ]  # fmt: skip
    mission_id: int
    arg: int = 0


class BrowseCb(CallbackData):
    """A prospector's action while browsing; `value` is a page, a mission or an option."""

    prefix = "b"
    action: Literal[
        "page", "details", "filters", "fpay", "ftarget", "frate", "fclear", "accept",
        "propose", "ask", "mine", "leave", "leave_ok",
    ]  # fmt: skip
    value: str


class ThreadCb(CallbackData):
    """`item` is a thread id (reply, offer, open), an offer id (accept, counter, decline),
    a page (list) or a mission id (mission: that mission's threads, at `page`)."""

    prefix = "t"
    action: Literal["reply", "offer", "open", "list", "mission", "accept", "counter", "decline"]
    item: int
    page: int = 0
