"""French and English catalogs (gettext `.po` files read with Babel) and locale formatting.

Message ids are stable keys (`onboarding.ask_company_name`); both catalogs must define every
key with the same `{placeholders}` (checked by the test suite). Values substituted into a
message are HTML-escaped unless they are `Html`, so user text can never break the markup.
"""

from __future__ import annotations

import functools
import gettext
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from importlib import resources
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from services.money import babel_locale, format_money

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")


class Html(str):
    """Text that is already valid Telegram HTML and must not be escaped again."""


def language_for(code: str | None, default: Language) -> Language:
    """Telegram's language_code → our language: fr → French, other → English, none → default."""
    if not code:
        return default
    return "fr" if code.lower().split("-")[0] == "fr" else "en"


Message = str | tuple[str, ...]


@dataclass(frozen=True)
class LoadedCatalog:
    """Messages by key (plural ones as a tuple of forms) and the catalog's plural rule."""

    messages: dict[str, Message]
    plural: Callable[[int], int]


def load_catalog(language: Language) -> LoadedCatalog:
    source = resources.files("bot") / "locales" / language / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    messages: dict[str, Message] = {}
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple) and isinstance(message.string, tuple | list):
            messages[str(message.id[0])] = tuple(str(form) for form in message.string)
        else:
            messages[str(message.id)] = str(message.string)
    return LoadedCatalog(messages, gettext.c2py(catalog.plural_expr))


# Where dates and times are shown unless the composition says otherwise (`TIMEZONE`).
DEFAULT_ZONE = ZoneInfo("Europe/Paris")


class Translator:
    """Messages, money and moments in one language; moments in the configured time zone."""

    def __init__(
        self,
        language: Language,
        catalog: LoadedCatalog,
        currency: str,
        zone: ZoneInfo = DEFAULT_ZONE,
    ) -> None:
        self.language = language
        self._catalog = catalog
        self._currency = currency
        self._zone = zone

    def _text(self, key: str) -> str:
        message = self._catalog.messages[key]
        return message if isinstance(message, str) else message[0]

    def __call__(self, key: str, **values: object) -> Html:
        """The message as Telegram HTML, with every non-`Html` value escaped."""
        return Html(self._text(key).format(**_escaped(values)))

    def plain(self, key: str, **values: object) -> str:
        """The message as plain text, for button labels and command descriptions."""
        return self._text(key).format(**values)

    def count(self, key: str, count: int, **values: object) -> Html:
        """The plural form of `key` that fits `count` in this language (`1 an`, `2 ans`),
        the count written with the language's separators (`1 250`, `1,250`)."""
        message = self._catalog.messages[key]
        forms = (message,) if isinstance(message, str) else message
        form = forms[min(self._catalog.plural(count), len(forms) - 1)]
        return Html(form.format(count=self.number(count), **_escaped(values)))

    def number(self, value: int | float) -> Html:
        """A count or a quantity with the language's separators (fr `12 345,5`, en
        `12,345.5`)."""
        return Html(_decimal(value, babel_locale(self.language)))

    def money(self, cents: int) -> Html:
        return Html(format_money(cents, self.language, self._currency))

    def date(self, day: date) -> Html:
        return Html(_medium_date(day, babel_locale(self.language)))

    def datetime(self, moment: datetime) -> Html:
        """A moment as the local time of the configured zone: the date spelt out (no
        3/2 against 2/3 ambiguity) and a 24-hour time, in the reader's word order."""
        locale = babel_locale(self.language)
        local = moment.astimezone(self._zone)
        day = format_skeleton("yMMMd", local, locale=locale)
        time = format_skeleton("Hm", local, locale=locale)
        return Html(f"{day}, {time}")


# Babel takes ~0.1 ms per number or date, and a list repeats the same few counts and
# deadlines on every row, every time it is shown (amounts: services.money).
@functools.lru_cache(maxsize=4096)
def _decimal(value: int | float, locale: str) -> str:
    return format_decimal(value, locale=locale)


@functools.lru_cache(maxsize=4096)
def _medium_date(day: date, locale: str) -> str:
    return format_date(day, format="medium", locale=locale)


def _escaped(values: dict[str, object]) -> dict[str, object]:
    return {
        name: value if isinstance(value, Html) else html.escape(str(value), quote=False)
        for name, value in values.items()
    }


K = TypeVar("K")
E = TypeVar("E", bound=StrEnum)

_KEY_TABLES: list[Mapping[object, str]] = []


def key_table(table: Mapping[K, str]) -> Mapping[K, str]:
    """A mapping whose values are catalog keys (an outcome's message, an enum's label).
    Every key the code produces comes from a literal or from such a table, so the catalog
    test can check that both catalogs have them all."""
    _KEY_TABLES.append(table)  # type: ignore[arg-type]
    return table


def enum_keys(enum: type[E], prefix: str) -> Mapping[E, str]:
    """`prefix.<value>` for each member of `enum`."""
    return key_table({member: f"{prefix}.{member.value}" for member in enum})


def produced_keys() -> set[str]:
    """Every key held by a registered table (import the features first)."""
    return {key for table in _KEY_TABLES for key in table.values()}


class Catalogs:
    def __init__(
        self, default: Language, currency: str = "EUR", zone: ZoneInfo = DEFAULT_ZONE
    ) -> None:
        self.default = default
        self._translators = {
            language: Translator(language, load_catalog(language), currency, zone)
            for language in LANGUAGES
        }

    def __getitem__(self, language: str) -> Translator:
        known = language if language in LANGUAGES else self.default
        return self._translators[known]

    def for_code(self, code: str | None) -> Translator:
        return self[language_for(code, self.default)]
