"""Money owed: the platform fee of an entry, exact in integer cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def fee_cents(gross_cents: int, percent: Decimal) -> int:
    """The fee on one entry: `percent` of it, rounded half-up to the cent."""
    fee = (Decimal(gross_cents) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(fee)
