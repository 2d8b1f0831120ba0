"""Pure pieces: catalogs, money, callback codec, validators, settings."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.kit.callbacks import CallbackData
from bot.kit.i18n import Catalogs, Html, language_for
from bot.settings import Settings, describe_error, parse_quiet_hours
from services import validation
from services.money import format_money, is_ambiguous_amount, parse_amount

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def forms(message: str | tuple[str, ...]) -> tuple[str, ...]:
    return (message,) if isinstance(message, str) else message


def test_plural_forms_follow_each_language() -> None:
    catalogs = Catalogs("fr")
    assert [catalogs["fr"].count("count.years", n) for n in (0, 1, 2)] == ["0 an", "1 an", "2 ans"]
    assert [catalogs["en"].count("count.years", n) for n in (0, 1, 2)] == [
        "0 years", "1 year", "2 years",
    ]  # fmt: skip


def test_translator_escapes_values_but_not_html() -> None:
    t = Catalogs("fr")["en"]
    text = t("profile.company", name="<b>&", sector=Html("<i>x</i>"), siren="—")
    assert "&lt;b&gt;&amp;" in text and "<i>x</i>" in text


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("fr", "fr"),
        ("fr-BE", "fr"),
        ("FR", "fr"),
        ("en", "en"),
        ("de", "en"),
        (None, "fr"),
        ("", "fr"),
    ],
)
def test_language_from_telegram_code(code: str | None, expected: str) -> None:
    assert language_for(code, "fr") == expected


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12,50", 1250), ("12.50", 1250), ("12,50 €", 1250), ("€12.50", 1250), ("12", 1200),
        ("0,5", 50), ("1 000", 100000), ("10 000,00", 1000000), ("12.5 EUR", 1250),
        ("€1,500.00", 150000), ("1.500,00 €", 150000), ("1,000,000", 100000000),
        ("€10,000.00", 1000000),
    ],
)  # fmt: skip
def test_parse_amount_accepts(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0",
        "0,00",
        "-5",
        "12,505",
        "1,234",
        "1.500",
        "abc",
        "12,5,0",
        "€",
        "1e3",
        "12 €€",
        "1,50.00",
        "1.000,000",
    ],
)
def test_parse_amount_rejects(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "ambiguous"),
    [("1,500", True), ("€1.500", True), ("12,505 €", True), ("1,50", False), ("1500", False)],
)
def test_an_amount_with_one_mark_before_three_digits_is_ambiguous(
    text: str, ambiguous: bool
) -> None:
    assert is_ambiguous_amount(text) is ambiguous
    assert parse_amount(text) is None or not ambiguous


@given(st.integers(min_value=1, max_value=10**10))
def test_amount_round_trips_in_both_locales(cents: int) -> None:
    assert parse_amount(f"{cents // 100},{cents % 100:02d}") == cents
    assert parse_amount(f"€{cents // 100}.{cents % 100:02d}") == cents


def test_money_is_shown_per_locale() -> None:
    assert format_money(1250, "fr").replace("\u202f", " ").replace("\xa0", " ") == "12,50 €"
    assert format_money(1250, "en") == "€12.50"


class SampleCb(CallbackData):
    prefix = "s"
    action: str
    item_id: int


def test_callback_round_trip_and_rejections() -> None:
    data = SampleCb(action="accept", item_id=42).pack()
    assert data == "s:v1:accept:42"
    assert SampleCb.unpack(data) == SampleCb(action="accept", item_id=42)
    for bad in ["s:v2:accept:42", "x:v1:accept:42", "s:v1:accept", "s:v1:accept:x",
                "s:v1:accept:42:9", None, "s:v1:" + "a" * 70 + ":1"]:  # fmt: skip
        assert SampleCb.unpack(bad) is None, bad
    with pytest.raises(ValueError, match="64 bytes"):
        SampleCb(action="é" * 40, item_id=1).pack()
    with pytest.raises(ValueError, match="must not contain"):
        SampleCb(action="a:b", item_id=1).pack()


@given(st.text(alphabet=string.printable, max_size=80))
def test_unpack_never_raises(data: str) -> None:
    SampleCb.unpack(data)


def test_siren_luhn() -> None:
    assert validation.siren("732 829 320") == "732829320"
    assert validation.siren("443.061.841") == "443061841"
    with pytest.raises(validation.Invalid) as error:
        validation.siren("123456789")
    assert error.value.key == "invalid.siren_checksum"
    with pytest.raises(validation.Invalid) as error:
        validation.siren("12345678")
    assert error.value.key == "invalid.siren_format"


def test_text_cleaning_bounds() -> None:
    assert validation.company_name("  Acme \t Corp ") == "Acme Corp"
    with pytest.raises(validation.Invalid):
        validation.company_name("\x00\x01A")


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **{"bot_token": "123:abc", **values})  # type: ignore[arg-type]


def test_settings_defaults_and_parsing() -> None:
    loaded = settings(admin_ids="1, 2 3", min_rate="0,50", max_rate="10 000")
    assert loaded.admin_ids == {1, 2, 3}
    assert (loaded.min_rate, loaded.max_rate) == (50, 1_000_000)
    assert loaded.database_path == Path("data/callboard.sqlite3")
    assert loaded.payout_schedule == "0 9 * * MON"
    assert "123:abc" not in repr(loaded) and "123:abc" not in str(loaded.model_dump())


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"timezone": "Mars/Olympus"}, "TIMEZONE"),
        ({"payout_schedule": "every monday"}, "PAYOUT_SCHEDULE"),
        ({"quiet_hours": "late"}, "QUIET_HOURS"),
        ({"admin_ids": "alice"}, "ADMIN_IDS"),
        ({"review_window_hours": "0"}, "REVIEW_WINDOW_HOURS"),
        ({"default_language": "de"}, "DEFAULT_LANGUAGE"),
        ({"webhook_url": "http://insecure"}, "WEBHOOK_URL"),
        ({"telegram_base_url": "ftp://x"}, "TELEGRAM_BASE_URL"),
        ({"min_rate": "-1"}, "MIN_RATE"),
    ],
)
def test_settings_errors_name_the_key(values: dict[str, object], key: str) -> None:
    with pytest.raises(ValidationError) as error:
        settings(**values)
    line = describe_error(error.value)
    assert line.startswith(key) and "\n" not in line


@pytest.mark.parametrize("token", ["", "  "])
def test_an_empty_token_reads_as_missing(token: str) -> None:
    with pytest.raises(ValidationError) as error:
        settings(bot_token=token)
    assert describe_error(error.value) == "BOT_TOKEN is required but not set (see .env.example)"


def test_quiet_hours_wrap_midnight() -> None:
    from datetime import time

    window = parse_quiet_hours("21-8")
    assert window is not None
    assert window.contains(time(22)) and window.contains(time(7, 59)) and window.contains(time(21))
    assert not window.contains(time(8)) and not window.contains(time(12))


def test_empty_quiet_hours_mean_none() -> None:
    assert parse_quiet_hours("") is None and parse_quiet_hours("  ") is None
    assert settings(quiet_hours="").quiet_window is None
