"""The `/start` payloads of the bot's own links, read and written in one place: the feature
that follows a link and the ones that share or mention it agree on its form."""

from __future__ import annotations

import re

# `t.me/<bot>?start=m<id>`: a mission.
MISSION_LINK = re.compile(r"m(\d{1,9})")


def mission_payload(mission_id: int) -> str:
    return f"m{mission_id}"


def mission_of(payload: str | None) -> int | None:
    """The mission a payload links to, if it is a mission link."""
    match = MISSION_LINK.fullmatch(payload) if payload else None
    return int(match[1]) if match else None
