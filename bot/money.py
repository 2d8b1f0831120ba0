"""Exact money: integer cents in, locale-formatted text out (SPEC §1.3)."""

from __future__ import annotations

import re

from babel.numbers import format_currency

# Optional currency sign on either side, digits with optional thousands separators
# (space, narrow/no-break space, apostrophe), then at most one decimal separator.
_AMOUNT = re.compile(
    r"^\s*(?:€|eur\b)?\s*(?P<int>\d{1,3}(?:[ \u00a0\u202f']\d{3})+|\d+)"
    r"(?:[.,](?P<dec>\d+))?\s*(?:€|eur)?\s*$",
    re.IGNORECASE,
)


def parse_amount(text: str) -> int | None:
    """Cents for a positive amount with at most two decimals, else None.

    Accepts `12,50`, `12.50`, `12,50 €`, `€12.50`, `1 000`. A comma or dot followed by
    exactly three digits is ambiguous (thousands or decimals), so we read it as decimals
    and reject it as having too many, rather than guess.
    """
    match = _AMOUNT.match(text)
    if not match:
        return None
    integer = int(re.sub(r"\D", "", match["int"]))
    decimals = match["dec"] or ""
    if len(decimals) > 2:
        return None
    cents = integer * 100 + int(decimals.ljust(2, "0") or 0)
    return cents if cents > 0 else None


def format_money(cents: int, locale: str, currency: str = "EUR") -> str:
    """`12,50 €` in French, `€12.50` in English."""
    return format_currency(cents / 100, currency, locale=babel_locale(locale))


def babel_locale(language: str) -> str:
    return "fr_FR" if language == "fr" else "en_US"
