"""Exact money: integer cents in, locale-formatted text out."""

from __future__ import annotations

import functools
import re

from babel.numbers import format_currency

_CURRENCY = re.compile(
    r"^\s*(?:€|eur\b)?\s*(?P<number>[\d \u00a0\u202f'.,]+?)\s*(?:€|eur)?\s*$", re.IGNORECASE
)
# One mark followed by exactly three digits: a thousands separator or three decimals.
_AMBIGUOUS = re.compile(r"^\d{1,3}[.,]\d{3}$")
_GROUPED = re.compile(r"^\d{1,3}(?:(?P<sep>[ \u00a0\u202f'.,])\d{3})(?:(?P=sep)\d{3})*$")


def parse_amount(text: str) -> int | None:
    """Cents for a positive amount with at most two decimals, else None.

    Accepts `12,50`, `12.50`, `12,50 €`, `€12.50`, `1 000`, `1,500.00`, `1.500,00`. The
    decimal separator is the last `.` or `,` when followed by one or two digits. A lone
    separator followed by exactly three digits (`1,500`) could be thousands or decimals,
    so it is refused rather than guessed.
    """
    match = _CURRENCY.match(text)
    if not match:
        return None
    number = match["number"]
    integer, decimals = number, ""
    decimal_match = re.search(r"[.,](\d{1,2})$", number)
    if decimal_match:
        integer, decimals = number[: decimal_match.start()], decimal_match[1]
    if not (integer.isdigit() or _GROUPED.match(integer)):
        return None
    if decimal_match and decimal_match[0][0] in integer:
        return None  # the same mark cannot separate both thousands and decimals
    if not decimal_match and len(re.findall(r"[.,]", integer)) == 1:
        return None  # `1,500` or `12,505`: thousands or too many decimals, unknowable
    cents = int(re.sub(r"\D", "", integer)) * 100 + int(decimals.ljust(2, "0") or 0)
    return cents if cents > 0 else None


def is_ambiguous_amount(text: str) -> bool:
    """Whether `text` is refused only because its one mark could be either separator
    (`1,500`): the writer is then told why, not just that the amount is wrong."""
    match = _CURRENCY.match(text)
    return match is not None and _AMBIGUOUS.match(match["number"]) is not None


# Babel takes ~0.1 ms to format an amount, and a page repeats the same few rates: a
# mission list formats one per row, every time it is shown.
@functools.lru_cache(maxsize=4096)
def format_money(cents: int, locale: str, currency: str = "EUR") -> str:
    """`12,50 €` in French, `€12.50` in English."""
    return format_currency(cents / 100, currency, locale=babel_locale(locale))


def babel_locale(language: str) -> str:
    return "fr_FR" if language == "fr" else "en_US"
