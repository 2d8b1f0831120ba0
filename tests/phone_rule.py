"""The phone rule, checked on every inline keyboard the fake Telegram accepted: each label
reads whole on a 360-px-wide screen (see `bot.kit.keyboards.PHONE_WIDTH`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.kit.keyboards import PHONE_WIDTH, label_width

# Rows of more than three buttons only fit the shortest labels (digits, arrows).
NARROWEST = 8


def too_wide(rows: Sequence[Sequence[str]]) -> list[str]:
    """The labels of a keyboard wider than their row allows."""
    found = []
    for row in rows:
        limit = PHONE_WIDTH.get(len(row), NARROWEST)
        found += [
            f"{label!r}: {label_width(label)} > {limit} in a row of {len(row)}"
            for label in row
            if label_width(label) > limit
        ]
    return found


def offenders(keyboards: Iterable[Sequence[Sequence[str]]]) -> list[str]:
    """Every label too wide for its row, once each."""
    return sorted({label for rows in keyboards for label in too_wide(rows)})
