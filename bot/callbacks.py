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


class CallbackData(BaseModel):
    model_config = ConfigDict(frozen=True)

    prefix: ClassVar[str]

    def pack(self) -> str:
        values = [str(value) for value in self.model_dump().values()]
        if any(_SEPARATOR in value for value in values):
            raise ValueError(f"callback values must not contain {_SEPARATOR!r}: {values}")
        data = _SEPARATOR.join([self.prefix, VERSION, *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data}")
        return data

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
            return None
        prefix, _, rest = data.partition(_SEPARATOR)
        version, _, rest = rest.partition(_SEPARATOR)
        if prefix != cls.prefix or version != VERSION:
            return None
        names = list(cls.model_fields)
        values: list[Any] = rest.split(_SEPARATOR) if names else []
        if len(values) != len(names):
            return None
        try:
            return cls.model_validate(dict(zip(names, values, strict=True)))
        except ValidationError:
            return None

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
