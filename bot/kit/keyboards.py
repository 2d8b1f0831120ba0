"""Small builders for inline keyboards."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.callbacks import CallbackData


def button(label: str, data: CallbackData) -> InlineKeyboardButton:
    """A label carrying a user's text (a mission's title) may be too long for any row: it
    is cut to what a button alone in its row shows, with an ellipsis."""
    return InlineKeyboardButton(clipped(label, PHONE_WIDTH[1]), callback_data=data.pack())


def keyboard(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in rows])


# How wide a label may be, by the number of buttons in its row, to be read whole on a
# 360-px-wide phone screen (an emoji counts two).
PHONE_WIDTH = {1: 40, 2: 20, 3: 13}
_VARIATION_SELECTOR = "\ufe0f"
_JOINER = "\u200d"


def label_width(label: str) -> int:
    """Characters as a phone shows them: an emoji counts two (a symbol made an emoji by the
    variation selector too); joiners add nothing."""
    width = 0
    for char in label:
        if char == _JOINER:
            continue
        if char == _VARIATION_SELECTOR:
            width += 1  # the symbol before it counted one: together they count two
        elif ord(char) >= 0x1F000 or unicodedata.east_asian_width(char) in "WF":
            width += 2
        else:
            width += 1
    return width


def clipped(label: str, width: int) -> str:
    if label_width(label) <= width:
        return label
    kept = ""
    for char in label:
        if label_width(kept + char) > width - 1:
            break
        kept += char
    return kept.rstrip() + "…"


def cut_to_fit(render: Callable[[str], str], text: str, width: int = PHONE_WIDTH[1]) -> str:
    """`render(text)`: a label carrying a user's `text` (a name, a title). When it is too
    wide, the cut falls in that text, so that the label's own words (a number, "· 1 unread")
    always read whole; only a label too wide without any of the text is cut at its end."""
    label = render(text)
    overflow = label_width(label) - width
    if overflow <= 0:
        return label
    room = label_width(text) - overflow
    return render(clipped(text, room)) if room > 1 else clipped(label, width)


def fits_phone(row: Sequence[str]) -> bool:
    limit = PHONE_WIDTH.get(len(row), 0)
    return all(label_width(label) <= limit for label in row)


def fitted(
    buttons: Sequence[InlineKeyboardButton], most: int = 2
) -> list[list[InlineKeyboardButton]]:
    """Buttons in order, up to `most` a row, a row taking the next button only while every
    label of it still reads whole on a phone: a long label gets a row of its own."""
    rows: list[list[InlineKeyboardButton]] = []
    for key in buttons:
        row = rows[-1] if rows else []
        widened = [shown.text for shown in row] + [key.text]
        if row and len(widened) <= most and fits_phone(widened):
            row.append(key)
        else:
            rows.append([key])
    return rows
