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


# Buttons that more than one feature builds or recognises: one class per action, each
# field typed. Feature-private buttons live in their feature.


class HomeCb(CallbackData):
    """A destination of the home screen that no feature owns (help, language, profile)."""

    prefix = "h"
    action: Literal["help", "language", "profile"]


class MissionListCb(CallbackData):
    """A company's /missions list, at `page`."""

    prefix = "ml"
    page: int = 0


class MissionCardCb(CallbackData):
    """A company's card of one of its missions."""

    prefix = "mc"
    mission_id: int


class ApproveCb(CallbackData):
    """A company approves an application (an applied assignment)."""

    prefix = "ap"
    assignment_id: int


class DeclineCb(CallbackData):
    """A company declines an application."""

    prefix = "dc"
    assignment_id: int


class ReviewCb(CallbackData):
    """A company's results waiting for review, oldest first; one mission's when
    `mission_id` is set (from the mission's card, or a new result's notice)."""

    prefix = "rvw"
    mission_id: int = 0


class BrowsePageCb(CallbackData):
    """A prospector's /browse list, at `page`, with the filters kept in their session."""

    prefix = "bp"
    page: int = 0


class DetailsCb(CallbackData):
    """A mission's details as a prospector sees them; `returning` when coming back to them
    from a screen they led to (the mission's thread), so that their own way back stays the
    one they had."""

    prefix = "bd"
    mission_id: int
    returning: bool = False


class MyMissionsCb(CallbackData):
    """A prospector's /mymissions list, at `page`."""

    prefix = "mm"
    page: int = 0


class ProposeRateCb(CallbackData):
    """A prospector proposes another rate for a mission: opens its thread with an offer."""

    prefix = "pr"
    mission_id: int


class AskQuestionCb(CallbackData):
    """A prospector asks a question about a mission: opens its thread."""

    prefix = "aq"
    mission_id: int


class ThreadReplyCb(CallbackData):
    """Make a thread the current one: what the user sends next goes there."""

    prefix = "tr"
    thread_id: int


class ThreadOfferCb(CallbackData):
    """Make an offer (a rate per result) in a thread."""

    prefix = "to"
    thread_id: int


class ThreadOpenCb(CallbackData):
    """Show a thread's last messages; `mission_id` is set when opened from that mission's
    screens (its threads, reached from its card, for the company; its details for the
    prospector), so that going back returns there."""

    prefix = "tv"
    thread_id: int
    mission_id: int = 0


class ThreadListCb(CallbackData):
    """The user's threads at `page`; only one mission's when `mission_id` is set."""

    prefix = "tl"
    page: int = 0
    mission_id: int = 0


class SubmitResultCb(CallbackData):
    """A prospector submits a result on one of their assignments."""

    prefix = "sbm"
    assignment_id: int
