"""The one-message mission form read as people write it, in French and English."""

from __future__ import annotations

from datetime import date

import pytest

from services.mission_form import PARSERS, Limits
from services.validation import Invalid
from storage.models import Approval

LIMITS = Limits(min_rate=100, max_rate=100_000, today=date(2026, 11, 29))


@pytest.mark.parametrize(
    ("written", "approval"),
    [
        ("manuelle", Approval.MANUAL),  # "validation : manuelle", as French agrees it
        ("Manuel", Approval.MANUAL),
        ("sur approbation", Approval.MANUAL),  # the button's own words
        ("Démarrage immédiat", Approval.AUTO),
        ("automatique", Approval.AUTO),
        ("manual", Approval.MANUAL),
        ("Immediate start", Approval.AUTO),
    ],
)
def test_how_people_write_the_start_is_understood(written: str, approval: Approval) -> None:
    assert PARSERS["approval"](written, LIMITS) is approval


def test_an_unknown_start_says_which_words_work() -> None:
    with pytest.raises(Invalid) as refused:
        PARSERS["approval"]("peut-être", LIMITS)
    assert refused.value.key == "invalid.approval"
